#!/usr/bin/python3
"""Derive messy captures from real recordings, the way taps, SPAN ports, archives and
attackers make them. Every variant is deterministic (no randomness, no wall clock), so
`testdata/pcaps/derive.sh` regenerates byte-identical files.

Usage: derive.py KIND IN.pcap OUT.pcap [ARGS...]   (Debian's /usr/bin/python3 with python3-scapy)

  skew MS                one host's packets (the first sender's) stamped MS ms late, merged by
                         time: a two-port TAP or a SPAN port merging two directions
  split OUT2             one file per direction: OUT gets the first sender's packets, OUT2
                         the other's (read them together as `read OUT OUT2`)
  cut-data FRACTION      the capture stops when the largest data connection has carried
                         FRACTION of its payload: no FIN, no 226 after that point
  drop-data N            the Nth payload-bearing data segment (0 = the middle one) removed
  reorder-data K         in each data connection, every Kth payload segment swapped with the
                         next one of the same direction (out-of-order arrival)
  drop-control           every packet of the control connections removed (orphan data
                         connections: a capture that started on port 20)
  drop-direction DIR     the control connection's DIR side removed (c2s or s2c): half capture
  nat-legs ADDR PORT     the server->client packets of the control connection rewritten to a
                         NAT's public ADDR:PORT (replies seen on another address pair than
                         the commands, as a capture on both sides of a NAT)
"""
import sys

from scapy.all import IP, IPv6, TCP, Ether, PcapReader, PcapWriter  # type: ignore

CONTROL_PORTS = {21}


def src(p):
    if p.haslayer(IP):
        return p[IP].src
    if p.haslayer(IPv6):
        return p[IPv6].src
    return None


def is_control(p):
    return p.haslayer(TCP) and (p[TCP].sport in CONTROL_PORTS or p[TCP].dport in CONTROL_PORTS)


def payload_len(p):
    return len(bytes(p[TCP].payload)) if p.haslayer(TCP) else 0


def conn_key(p):
    a, b = (src(p), p[TCP].sport), (p[IP].dst if p.haslayer(IP) else p[IPv6].dst, p[TCP].dport)
    return tuple(sorted([a, b]))


def data_segments(pkts):
    return [i for i, p in enumerate(pkts) if p.haslayer(TCP) and not is_control(p) and payload_len(p) > 0]


def write(path, pkts, linktype):
    w = PcapWriter(path, linktype=linktype, sync=True)
    for p in pkts:
        w.write(p)
    w.close()


def fix(p):
    """Recompute checksums after a rewrite."""
    if p.haslayer(IP):
        del p[IP].chksum
    if p.haslayer(TCP):
        del p[TCP].chksum
    return p.__class__(bytes(p))


def main():
    kind, inp, out, args = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    reader = PcapReader(inp)
    linktype = getattr(reader, "linktype", 1)
    pkts = list(reader)
    first = next((src(p) for p in pkts if src(p)), None)

    if kind == "skew":
        ms = float(args[0]) / 1000
        res = []
        for p in pkts:
            q = p.copy()
            q.time = p.time + (ms if src(p) == first else 0)
            res.append(q)
        res.sort(key=lambda p: p.time)  # stable: ties keep capture order
        write(out, res, linktype)
    elif kind == "split":
        write(out, [p for p in pkts if src(p) == first], linktype)
        write(args[0], [p for p in pkts if src(p) != first], linktype)
    elif kind == "cut-data":
        frac = float(args[0])
        per = {}
        for i in data_segments(pkts):
            per.setdefault(conn_key(pkts[i]), []).append(i)
        biggest = max(per.values(), key=lambda ix: sum(payload_len(pkts[i]) for i in ix))
        total = sum(payload_len(pkts[i]) for i in biggest)
        seen = 0
        for i in biggest:
            seen += payload_len(pkts[i])
            if seen >= frac * total:
                write(out, pkts[:i + 1], linktype)
                print(f"cut after frame {i + 1}: {seen} of {total} payload bytes of the largest data connection")
                return
    elif kind == "drop-data":
        data = data_segments(pkts)
        n = int(args[0]) or len(data) // 2
        victim = data[n]
        print(f"dropping frame {victim + 1} ({payload_len(pkts[victim])} bytes)")
        write(out, [p for i, p in enumerate(pkts) if i != victim], linktype)
    elif kind == "reorder-data":
        k = int(args[0])
        res = list(pkts)
        last, count, swapped = {}, 0, 0
        for j, p in enumerate(res):
            if not p.haslayer(TCP) or is_control(p) or payload_len(p) == 0:
                continue
            d = (src(p), p[TCP].sport, p[TCP].dport)
            if d in last and last[d] == j - 1:
                count += 1
                if count % k == 0:
                    # Swap packets, keep the timestamps where they were: the
                    # second copy arrived first.
                    t0, t1 = res[j - 1].time, res[j].time
                    res[j - 1], res[j] = res[j], res[j - 1]
                    res[j - 1].time, res[j].time = t0, t1
                    last.pop(d)
                    swapped += 1
                    continue
            last[d] = j
        print(f"swapped {swapped} pairs")
        write(out, res, linktype)
    elif kind == "drop-control":
        write(out, [p for p in pkts if not is_control(p)], linktype)
    elif kind == "drop-direction":
        want_c2s = args[0] == "s2c"  # keep c2s when s2c is dropped
        res = []
        for p in pkts:
            if is_control(p):
                c2s = p[TCP].dport in CONTROL_PORTS
                if c2s != want_c2s:
                    continue
            res.append(p)
        write(out, res, linktype)
    elif kind == "nat-legs":
        addr, port = args[0], int(args[1])
        res = []
        for p in pkts:
            q = p.copy()
            if is_control(q) and q.haslayer(IP) and q[TCP].sport in CONTROL_PORTS:
                q[IP].dst = addr
                q[TCP].dport = port
                q = fix(q)
                q.time = p.time
            res.append(q)
        write(out, res, linktype)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
