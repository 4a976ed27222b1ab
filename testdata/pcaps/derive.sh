#!/usr/bin/env bash
# Regenerate testdata/pcaps/messy/: captures derived from the real recordings
# in this directory the way the field makes them (two-port taps, snaplen-cut
# archives, captures cut short, half captures, NAT legs, out-of-order data).
# Deterministic: running it twice gives byte-identical files.
# Needs Debian's python3-scapy (run under /usr/bin/python3) and wireshark-common
# (editcap, mergecap). No root, no network.
set -euo pipefail
cd "$(dirname "$0")"
PY=/usr/bin/python3
D="$PY lab/derive.py"
M=messy
mkdir -p "$M"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# Two-port TAP / SPAN merge: the client's packets stamped 3 ms late and merged
# by time, so replies precede their commands (issue 13, class 2).
$D skew vsftpd-anon-passive.pcap        $M/tap-skew-anon-passive.pcap 3
$D skew vsftpd-user-active-port20.pcap  $M/tap-skew-active-port20.pcap 3
$D skew vsftpd-uploads.pcap             $M/tap-skew-uploads.pcap 3
# The same as two one-direction files whose clocks differ by 3 ms, and the
# two merged by mergecap the way a tap's two ports are.
$D split vsftpd-anon-passive.pcap "$tmp/c2s.pcap" $M/tap-s2c-anon-passive.pcap
editcap -F pcap -t 0.003 "$tmp/c2s.pcap" $M/tap-c2s-anon-passive.pcap >/dev/null
mergecap -F pcap -w $M/tap-merged-anon-passive.pcap $M/tap-c2s-anon-passive.pcap $M/tap-s2c-anon-passive.pcap

# Snaplen archive: tcpdump -s 96 keeps 96 bytes of each frame (class 3).
editcap -F pcap -s 96 vsftpd-passive-300k.pcap   $M/snaplen96-passive-300k.pcap >/dev/null
editcap -F pcap -s 96 vsftpd-user-active-port20.pcap $M/snaplen96-active-port20.pcap >/dev/null

# The capture stopped at 10% of a RETR: no FIN, no 226 (class 1).
$D cut-data vsftpd-passive-300k.pcap $M/cut-retr-10pct.pcap 0.1 >/dev/null

# Half captures (class 4): data connections without their control
# connection; a control connection with one direction only; replies on
# another address pair than the commands (a NAT between the two taps).
$D drop-control vsftpd-user-active-port20.pcap $M/orphan-data-port20.pcap
$D drop-direction vsftpd-anon-passive.pcap     $M/half-c2s-only.pcap s2c
$D nat-legs vsftpd-anon-passive.pcap           $M/nat-legs-anon-passive.pcap 203.0.113.50 61000

# Out-of-order data segments, each swap reassembled (issue 20).
$D reorder-data vsftpd-passive-300k.pcap $M/reorder-data-300k.pcap 4 >/dev/null

( cd $M && sha256sum *.pcap > SHA256SUMS )
echo "derived $(ls $M/*.pcap | wc -l) captures into $M/"
