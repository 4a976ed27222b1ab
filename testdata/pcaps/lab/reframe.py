#!/usr/bin/python3
"""Group D of record.sh: re-frame recorded Ethernet captures into other link types, VLAN
encapsulations, IP fragments and file-format variants, so ftpsniff's capture and packet
layers are tested on the same real FTP dialogues in every framing.

Usage: reframe.py OUTDIR   (reads the Group A captures from OUTDIR, writes the variants)
Everything here is deterministic: the same inputs give byte-identical outputs.
"""
import gzip
import os
import struct
import sys

from scapy.all import IP, IPv6, IPv6ExtHdrFragment, TCP, fragment, fragment6  # type: ignore

SERVER_MACS = (bytes.fromhex("0200c633640a"), bytes.fromhex("0200c6336414"))


def read_pcap(path):
    """Minimal classic-pcap reader: returns (linktype, nanosecond?, [(sec, frac, bytes)])."""
    with open(path, "rb") as f:
        hdr = f.read(24)
        magic = struct.unpack("<I", hdr[:4])[0]
        if magic not in (0xA1B2C3D4, 0xA1B23C4D):
            raise SystemExit(f"{path}: not a little-endian pcap")
        linktype = struct.unpack("<I", hdr[20:24])[0]
        recs = []
        while True:
            rh = f.read(16)
            if len(rh) < 16:
                break
            sec, frac, incl, _orig = struct.unpack("<IIII", rh)
            recs.append((sec, frac, f.read(incl)))
    return linktype, magic == 0xA1B23C4D, recs


def write_pcap(path, linktype, recs, big_endian=False, nano=False):
    e = ">" if big_endian else "<"
    magic = 0xA1B23C4D if nano else 0xA1B2C3D4
    with open(path, "wb") as f:
        f.write(struct.pack(e + "IHHiIII", magic, 2, 4, 0, 0, 262144, linktype))
        for sec, frac, data in recs:
            f.write(struct.pack(e + "IIII", sec, frac, len(data), len(data)))
            f.write(data)
    print(f"wrote {os.path.basename(path)} ({len(recs)} records, linktype {linktype})")


def from_server(frame):
    return frame[6:12] in SERVER_MACS


def null_header(frame):
    """LINKTYPE_NULL (0): 4-byte address family in the writer's (here little-endian) order."""
    et = frame[12:14]
    af = 2 if et == b"\x08\x00" else 30   # AF_INET; AF_INET6 as on macOS
    return struct.pack("<I", af) + frame[14:]


def vlan(frame, tags):
    """Insert VLAN tags (list of (tpid, vid)), outermost first, after the MAC addresses."""
    out = frame[:12]
    for tpid, vid in tags:
        out += struct.pack(">HH", tpid, vid)
    return out + frame[12:]


def frag_v4(recs, size):
    """Fragment every control-connection IPv4 packet with >= 20 payload bytes; the
    fragments of every third such packet are written in reverse order."""
    out = []
    n = 0
    for sec, frac, data in recs:
        eth, payload = data[:14], data[14:]
        if data[12:14] == b"\x08\x00":
            ip = IP(payload)
            if TCP in ip and 21 in (ip[TCP].sport, ip[TCP].dport) and len(ip[TCP].payload) >= 20:
                ip.flags = 0
                ip.id = (ip.id or 0x4000 + n) & 0xFFFF
                frags = [bytes(f) for f in fragment(ip, fragsize=size)]
                if n % 3 == 2:
                    frags.reverse()
                n += 1
                for i, fb in enumerate(frags):
                    out.append((sec, frac + i, eth + fb))
                continue
        out.append((sec, frac, data))
    return out


def frag_v6(recs, size):
    """Fragment every IPv6 control-connection packet carrying payload (RFC 8200 4.5)."""
    out = []
    ident = 0x1000
    for sec, frac, data in recs:
        eth, payload = data[:14], data[14:]
        if data[12:14] == b"\x86\xdd":
            ip = IPv6(payload)
            if TCP in ip and 21 in (ip[TCP].sport, ip[TCP].dport) and len(ip[TCP].payload) >= 20:
                tcp = ip[TCP]
                ip6 = IPv6(src=ip.src, dst=ip.dst, hlim=ip.hlim, tc=ip.tc, fl=ip.fl)
                pkt = ip6 / IPv6ExtHdrFragment(id=ident) / tcp
                ident += 1
                frags = fragment6(pkt, size)
                for i, fb in enumerate(frags):
                    out.append((sec, frac + i, eth + bytes(fb)))
                continue
        out.append((sec, frac, data))
    return out


def main() -> None:
    out = sys.argv[1]
    p = lambda name: os.path.join(out, name)  # noqa: E731
    lt, _, base = read_pcap(p("vsftpd-user-active-port20.pcap"))
    assert lt == 1, "base capture must be Ethernet"

    write_pcap(p("linktype-raw.pcap"), 101, [(s, f, d[14:]) for s, f, d in base])
    write_pcap(p("linktype-null.pcap"), 0, [(s, f, null_header(d)) for s, f, d in base])
    write_pcap(p("vlan-8021q.pcap"), 1, [(s, f, vlan(d, [(0x8100, 100)])) for s, f, d in base])
    write_pcap(p("vlan-qinq.pcap"), 1,
               [(s, f, vlan(d, [(0x88A8, 200), (0x8100, 100)])) for s, f, d in base])
    write_pcap(p("vlan-asymmetric.pcap"), 1,
               [(s, f, vlan(d, [(0x8100, 20 if from_server(d) else 10)])) for s, f, d in base])
    write_pcap(p("pcap-big-endian.pcap"), 1, base, big_endian=True)
    write_pcap(p("pcap-nanosecond.pcap"), 1, [(s, f * 1000 + 123, d) for s, f, d in base],
               nano=True)
    write_pcap(p("ipv4-fragments.pcap"), 1, frag_v4(base, 16))

    lt6, _, v6 = read_pcap(p("ipv6-epsv-eprt.pcap"))
    write_pcap(p("ipv6-fragments.pcap"), 1, frag_v6(v6, 80))

    with open(p("vsftpd-anon-passive.pcap"), "rb") as src:
        raw = src.read()
    with open(p("vsftpd-anon-passive.pcap.gz"), "wb") as dst:
        with gzip.GzipFile(filename="", mode="wb", fileobj=dst, compresslevel=9, mtime=0) as gz:
            gz.write(raw)
    print("wrote vsftpd-anon-passive.pcap.gz")

    # A session split across two rotated files (as tcpdump -C/-G or editcap -c would do).
    half = len(base) // 2
    write_pcap(p("split-session-1.pcap"), 1, base[:half])
    write_pcap(p("split-session-2.pcap"), 1, base[half:])


if __name__ == "__main__":
    main()
