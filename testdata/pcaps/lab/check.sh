#!/usr/bin/env bash
# check.sh - sanity-check every capture in testdata/pcaps with tshark: prints, per file, the
# link type, frame count, TCP conversations, FTP commands and reply codes, and flags frames
# with bad checksums or larger than an Ethernet MTU (offload leftovers).
# Usage: testdata/pcaps/lab/check.sh [FILE...]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
files=("$@")
((${#files[@]})) || files=(*.pcap *.pcap.gz *.pcapng)
for f in "${files[@]}"; do
    enc=$(capinfos -E -c "$f" 2>/dev/null | awk -F': *' '/encapsulation/{e=$2} /Number of packets/{n=$2} END{print e", "n" frames"}')
    echo "## $f ($enc)"
    tshark -r "$f" -q -z conv,tcp 2>/dev/null | awk '/<->/{print "   conv " $1 " <-> " $3 "  " $(NF-3) " " $(NF-2)}'
    tshark -r "$f" -Y 'ftp.request or ftp.response.code' -T fields \
        -e ftp.request.command -e ftp.response.code 2>/dev/null |
        awk -F'\t' '{printf "%s ", ($1 != "" ? $1 : $2)} END{print ""}' | fold -w 110 | sed 's/^/   /'
    bad=$(tshark -r "$f" -o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE \
        -Y 'ip.checksum.status==0 or tcp.checksum.status==0 or frame.len>1530' 2>/dev/null | wc -l)
    [[ $bad == 0 ]] || echo "   WARNING: $bad frames with bad checksum or oversized"
done
