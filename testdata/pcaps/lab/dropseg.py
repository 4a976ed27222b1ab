#!/usr/bin/python3
"""Remove ONE data segment from the middle of a recorded FTP data transfer.

Post-processing step of record.sh (scenario dropped-data-segment): the input is a passive
download of big-300k.bin; the output is identical except that the full-sized TCP segment
closest to the middle of the data connection (server -> client, payload bearing, not on
port 21) is deleted, so a reassembler sees a hole of exactly that many bytes and the
extracted file must be reported incomplete.
Usage: dropseg.py IN.pcap OUT.pcap
"""
import sys

from scapy.all import IP, TCP, PcapReader, PcapWriter  # type: ignore


def main() -> None:
    src, dst = sys.argv[1], sys.argv[2]
    pkts = list(PcapReader(src))
    data = [i for i, p in enumerate(pkts)
            if p.haslayer(TCP) and p[TCP].sport != 21 and p[TCP].dport != 21
            and len(bytes(p[TCP].payload)) > 0]
    if not data:
        sys.exit("no data segments found")
    victim = data[len(data) // 2]
    p = pkts[victim]
    syn = next(q for q in pkts if q.haslayer(TCP) and q[TCP].flags.S
               and q[TCP].sport == p[TCP].sport and q[TCP].dport == p[TCP].dport)
    offset = (p[TCP].seq - syn[TCP].seq - 1) % (1 << 32)
    print(f"dropping frame {victim + 1}: {p[IP].src}:{p[TCP].sport} -> {p[IP].dst}:{p[TCP].dport} "
          f"seq={p[TCP].seq} len={len(bytes(p[TCP].payload))} file offset={offset}")
    w = PcapWriter(dst, linktype=1, sync=True)
    for i, q in enumerate(pkts):
        if i != victim:
            w.write(q)
    w.close()


if __name__ == "__main__":
    main()
