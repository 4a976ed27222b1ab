#!/usr/bin/env bash
# record.sh - regenerate ftpsniff's real test captures (testdata/pcaps/*.pcap*).
#
# Every capture is a real FTP server (vsftpd 3.0.3, ProFTPD 1.3.8, Pure-FTPd 1.0.50 from
# Debian bookworm) driven by a real client (curl 7.88, lftp 4.9, Python ftplib, or the raw
# socket clients in lab/clients.py), recorded with tcpdump on the server's veth (Ethernet,
# -s 0).  The Group D captures are re-framed from those recordings by lab/reframe.py.
#
# Usage:   sudo testdata/pcaps/record.sh [SCENARIO...]     (no argument: all scenarios)
#          sudo testdata/pcaps/record.sh --list
# Must run as root: it creates network namespaces, runs servers and tcpdump.
#
# Prerequisites (Debian bookworm; installed automatically when missing):
#   apt:   vsftpd lftp curl tcpdump tshark wireshark-common python3-scapy ethtool nftables
#          openssl iproute2 libhiredis0.14 libmemcached11 libmemcachedutil2 libpcre2-posix3
#   unpacked (not installed, they conflict with vsftpd): proftpd-core, pure-ftpd
#          ("apt-get download" + "dpkg -x" into $LAB/root).
#   A system user "ftpuser" (password below) is created for vsftpd's local-user sessions
#   (vsftpd authenticates through PAM); ProFTPD uses virtual users from $LAB/etc only.
#
# Lab network (all documentation addresses; nothing leaves the machine).  Namespaces
# ftps-cli, ftps-srv, ftps-srv2 and ftps-3rd hang off a bridge in namespace ftps-br:
#   ftps-cli   192.0.2.10 (+ .66 and .77 for the audit scenarios)   2001:db8:2::10
#   ftps-srv   198.51.100.10  vsftpd                                 2001:db8:100::10
#   ftps-srv2  198.51.100.20  ProFTPD / Pure-FTPd / second vsftpd    2001:db8:100::20
#   ftps-3rd   203.0.113.9    a third party (bounce target)
# All routes are on-link over the bridge; offloads are off so frames are wire-sized.
# Namespaces, servers and captures are torn down on exit (trap); re-running is safe.
#
# Served files come from lab/mkfiles.py (fixed seeds): files.sha256 lists them.
set -euo pipefail

if [[ ${EUID} -ne 0 ]]; then
    echo "record.sh must be run as root (network namespaces, tcpdump, FTP servers)." >&2
    echo "Try: sudo $0 $*" >&2
    exit 1
fi

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=${FTPSNIFF_OUT:-$HERE}
LAB=${FTPSNIFF_LAB:-/opt/ftpsniff-lab}
PY=/usr/bin/python3            # Debian's python: scapy and ftplib scripts
CURL=/usr/bin/curl
USER_NAME=ftpuser
USER_PASS=lab-pass-1
ADMIN_PASS='S3cure!Admin'
SRV=198.51.100.10
SRV2=198.51.100.20
SRV6=2001:db8:100::10
CLI=192.0.2.10
NSES=(ftps-br ftps-cli ftps-srv ftps-srv2 ftps-3rd)
# namespace -> "MAC address..." (fixed MACs keep the Ethernet headers reproducible)
declare -A HOSTS=(
    [ftps-cli]="02:00:c0:00:02:0a 192.0.2.10 192.0.2.66 192.0.2.77 2001:db8:2::10"
    [ftps-srv]="02:00:c6:33:64:0a 198.51.100.10 2001:db8:100::10"
    [ftps-srv2]="02:00:c6:33:64:14 198.51.100.20 2001:db8:100::20"
    [ftps-3rd]="02:00:cb:00:71:09 203.0.113.9"
)
PIDS=()

log() { printf '\n=== %s\n' "$*" >&2; }

# ---------------------------------------------------------------- prerequisites
prereqs() {
    local need=() p
    for p in vsftpd lftp curl tcpdump tshark wireshark-common python3-scapy ethtool nftables \
             openssl iproute2 libhiredis0.14 libmemcached11 libmemcachedutil2 libpcre2-posix3; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
    done
    if ((${#need[@]})); then
        log "installing ${need[*]}"
        apt-get update -q
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}"
    fi
    if [[ ! -x $LAB/root/usr/sbin/proftpd || ! -x $LAB/root/usr/sbin/pure-ftpd ]]; then
        log "unpacking proftpd-core and pure-ftpd into $LAB/root"
        mkdir -p "$LAB/debs"
        (cd "$LAB/debs" && apt-get download proftpd-core pure-ftpd)
        local d
        for d in "$LAB"/debs/*.deb; do dpkg -x "$d" "$LAB/root"; done
    fi
    # Debian's vsftpd package may have started a system-wide instance: not ours, leave it.
    mkdir -p "$LAB"/{run/empty,etc,files,cli}
    chmod 755 "$LAB" "$LAB/run/empty"
    id "$USER_NAME" >/dev/null 2>&1 ||
        useradd -M -d "$LAB/srv/home" -s /bin/sh -c "ftpsniff lab user" "$USER_NAME"
    echo "$USER_NAME:$USER_PASS" | chpasswd
}

# ---------------------------------------------------------------- served files
reset_files() {
    "$PY" "$HERE/lab/mkfiles.py" "$LAB/files" >"$LAB/files.list"
    local root
    rm -rf "$LAB/srv" "$LAB/cli"
    mkdir -p "$LAB/srv" "$LAB/cli"
    # Anonymous root (vsftpd, Pure-FTPd): must not be writable by the ftp user.
    for root in "$LAB/srv/anon/pub" "$LAB/srv/home" "$LAB/srv/vhome"; do
        mkdir -p "$root/sub/dir"
        cp "$LAB/files/"{hello.txt,readme.txt,data-64k.bin,big-300k.bin} "$root/"
        cp "$LAB/files/nested.txt" "$root/sub/dir/"
    done
    mkdir -p "$LAB/srv/anon/incoming"
    chown ftp:ftp "$LAB/srv/anon/incoming"
    chown -R "$USER_NAME:" "$LAB/srv/home"
    chown -R 65534:65534 "$LAB/srv/vhome"
    chmod -R a+rX "$LAB/srv"
    # Fixed modification times keep listings identical across runs.
    find "$LAB/srv" -exec touch -h -d '2024-03-01 12:00:00 UTC' {} +
    touch -d '2024-03-01 12:00:00 UTC' "$LAB/files"/*
}

prepare_proftpd() {
    local h
    sed "s#@LAB@#$LAB#g" "$HERE/lab/proftpd.conf.in" >"$LAB/etc/proftpd.conf"
    cp "$HERE/lab/welcome.txt" "$HERE/lab/motd.txt" "$LAB/etc/"
    : >"$LAB/etc/ftpd.passwd"
    for u in "$USER_NAME:$USER_PASS" "admin:$ADMIN_PASS"; do
        h=$(openssl passwd -6 -salt ftpsnifflab "${u#*:}")
        echo "${u%%:*}:$h:65534:65534:ftpsniff lab:$LAB/srv/vhome:/bin/false" >>"$LAB/etc/ftpd.passwd"
    done
    echo "nogroup:x:65534:" >"$LAB/etc/ftpd.group"
    chmod 600 "$LAB/etc/ftpd.passwd"
    # Throwaway self-signed certificate, generated at record time (never committed).
    if [[ ! -s $LAB/etc/lab-cert.pem ]]; then
        openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=ftp.example.net" \
            -keyout "$LAB/etc/lab-key.pem" -out "$LAB/etc/lab-cert.pem" 2>/dev/null
        chmod 600 "$LAB/etc/lab-key.pem"
    fi
}

# ---------------------------------------------------------------- network lab
lab_down() {
    local p n
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    PIDS=()
    for n in "${NSES[@]}"; do
        if ip netns pids "$n" >/dev/null 2>&1; then
            for p in $(ip netns pids "$n"); do kill "$p" 2>/dev/null || true; done
        fi
        ip netns del "$n" 2>/dev/null || true
    done
}

add_host() { # NS BRIDGE-PORT MAC ADDR...
    local ns=$1 port=$2 mac=$3 a
    shift 3
    ip netns add "$ns"
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0 \
        net.ipv6.conf.default.router_solicitations=0 net.ipv6.conf.all.router_solicitations=0
    ip link add eth0 netns "$ns" address "$mac" type veth peer name "$port" netns ftps-br
    ip -n ftps-br link set "$port" master br0 up
    ip netns exec ftps-br ethtool -K "$port" tso off gso off gro off tx off rx off >/dev/null 2>&1 || true
    ip -n "$ns" link set lo up
    ip -n "$ns" link set eth0 up
    ip netns exec "$ns" ethtool -K eth0 tso off gso off gro off tx off rx off >/dev/null 2>&1 || true
    local first=""
    for a in "$@"; do
        if [[ $a == *:* ]]; then
            ip -n "$ns" addr add "$a/64" dev eth0 nodad
        else
            ip -n "$ns" addr add "$a/24" dev eth0
            [[ -n $first ]] || first=$a
        fi
    done
    for a in 192.0.2.0/24 198.51.100.0/24 203.0.113.0/24; do
        ip -n "$ns" route replace "$a" dev eth0 src "$first"
    done
    ip -n "$ns" -6 route replace 2001:db8::/32 dev eth0
}

lab_up() {
    lab_down
    ip netns add ftps-br
    ip -n ftps-br link add br0 type bridge
    ip -n ftps-br link set br0 type bridge stp_state 0 forward_delay 0
    ip -n ftps-br link set br0 up
    ip netns exec ftps-br sysctl -qw net.ipv6.conf.all.disable_ipv6=1
    local ns
    for ns in "${!HOSTS[@]}"; do
        # shellcheck disable=SC2086 # word splitting of the address list is intended
        add_host "$ns" "p-${ns#ftps-}" ${HOSTS[$ns]}
    done
    # Static neighbour entries: captures hold no ARP/NDP noise and start deterministically.
    local ns other a
    for ns in "${!HOSTS[@]}"; do
        for other in "${!HOSTS[@]}"; do
            [[ $ns != "$other" ]] || continue
            for a in ${HOSTS[$other]#* }; do
                ip -n "$ns" neigh replace "$a" lladdr "${HOSTS[$other]%% *}" dev eth0 nud permanent
            done
        done
    done
}

# ---------------------------------------------------------------- servers
bg_in() { # NS CMD... : start a background process inside a namespace, remember its pid
    local ns=$1
    shift
    ip netns exec "$ns" "$@" >>"$LAB/run/$ns.out" 2>&1 &
    PIDS+=($!)
}

wait_port() { # NS PORT
    local i
    for i in $(seq 1 50); do
        ip netns exec "$1" ss -Hltn "sport = :$2" | grep -q . && return 0
        sleep 0.1
    done
    echo "nothing listens on port $2 in $1" >&2
    return 1
}

stop_servers() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    PIDS=()
    # vsftpd session processes outlive the listener for a moment; make ports free again.
    for n in ftps-srv ftps-srv2 ftps-3rd; do
        for p in $(ip netns pids "$n" 2>/dev/null); do kill "$p" 2>/dev/null || true; done
    done
    sleep 0.3
}

vsftpd_start() { # NS LISTEN_ADDR [extra config lines...]
    local ns=$1 addr=$2 conf
    shift 2
    conf="$LAB/run/vsftpd-$ns.conf"
    sed -e "s#@LAB@#$LAB#g" -e "s#@LISTEN@#$addr#g" "$HERE/lab/vsftpd.conf.in" >"$conf"
    if [[ $addr == *:* ]]; then
        sed -i -e 's/^listen=YES/listen=NO/' -e 's/^listen_ipv6=NO/listen_ipv6=YES/' \
            -e "s/^listen_address=.*/listen_address6=$addr/" "$conf"
    fi
    printf '%s\n' "$@" >>"$conf"
    bg_in "$ns" vsftpd "$conf"
    wait_port "$ns" 21
}

proftpd_start() { # [TLS|SLOW]
    local def=()
    [[ -n ${1:-} ]] && def=(-D "$1")
    bg_in ftps-srv2 "$LAB/root/usr/sbin/proftpd" -n -q -c "$LAB/etc/proftpd.conf" "${def[@]}"
    wait_port ftps-srv2 21
}

pureftpd_start() { # anonymous-only Pure-FTPd; its anonymous root is ~ftp, so bind-mount ours
    bg_in ftps-srv2 sh -c "mount --bind '$LAB/srv/anon' ~ftp && exec '$LAB/root/usr/sbin/pure-ftpd' \
        -S $SRV2,21 -e -H -p 42000:42100 -A -j"
    wait_port ftps-srv2 21
}

# ---------------------------------------------------------------- capture
CAP_PID=""
cap_start() { # NAME [NS [IFACE [tcpdump options...]]] : tcpdump on the server-side veth
    local name=$1 ns=${2:-ftps-srv} ifc=${3:-eth0}
    shift $(($# < 3 ? $# : 3))
    rm -f "$OUT/$name.pcap"
    : >"$LAB/run/tcpdump.err"
    # Hop-by-hop IPv6 packets (MLD reports) are random noise: leave them out.
    # --immediate-mode: without it the last second of packets sits in the ring buffer and is
    # lost when tcpdump is interrupted.
    ip netns exec "$ns" tcpdump -i "$ifc" "$@" -s 0 -U --immediate-mode -Z root -w "$OUT/$name.pcap" \
        'not (ip6 and ip6[6] == 0)' 2>"$LAB/run/tcpdump.err" &
    CAP_PID=$!
    local i
    for i in $(seq 1 50); do
        grep -q listening "$LAB/run/tcpdump.err" && break
        sleep 0.1
    done
    sleep 0.2
}

cap_stop() {
    sleep 0.7
    kill -INT "$CAP_PID"
    wait "$CAP_PID" || true
    CAP_PID=""
}

cli() { ip netns exec ftps-cli "$@"; }
clientpy() { cli env LAB_FILES="$LAB/files" "$PY" "$HERE/lab/clients.py" "$@"; }
U="$USER_NAME:$USER_PASS"

# ---------------------------------------------------------------- Group A (issue 2)
sc_vsftpd_anon_passive() {
    vsftpd_start ftps-srv "$SRV"
    cap_start vsftpd-anon-passive
    cli "$CURL" -sS "ftp://$SRV/pub/hello.txt" -o /dev/null \
        --next -sS "ftp://$SRV/pub/" -o /dev/null \
        --next -sS --list-only "ftp://$SRV/pub/" -o /dev/null
    # EPSV is a per-connection decision in curl: a second session for PASV.
    cli "$CURL" -sS --disable-epsv "ftp://$SRV/pub/data-64k.bin" -o /dev/null
    cap_stop
    stop_servers
}

sc_vsftpd_user_active_port20() {
    vsftpd_start ftps-srv "$SRV" connect_from_port_20=YES
    cap_start vsftpd-user-active-port20
    cli "$CURL" -sS -P - --disable-eprt "ftp://$U@$SRV/hello.txt" -o /dev/null \
        --next -sS -P - --disable-eprt -T "$LAB/files/upload-20k.bin" "ftp://$U@$SRV/"
    cap_stop
    stop_servers
}

sc_vsftpd_failed_login() {
    vsftpd_start ftps-srv "$SRV"
    cap_start vsftpd-failed-login
    cli lftp -e "set xfer:clobber on; set net:max-retries 1; set net:reconnect-interval-base 1; set cmd:fail-exit no;
        open -u $USER_NAME,wrong-password ftp://$SRV; ls;
        open -u $USER_NAME,$USER_PASS ftp://$SRV; ls; get hello.txt -o $LAB/cli/hello.txt; bye" \
        </dev/null || true
    cap_stop
    stop_servers
}

sc_pipelined() {
    vsftpd_start ftps-srv "$SRV"
    cap_start vsftpd-pipelined
    clientpy pipelined "$SRV" "$USER_NAME" "$USER_PASS"
    cap_stop
    stop_servers
}

sc_proftpd_multiline() {
    proftpd_start
    cap_start proftpd-multiline ftps-srv2
    clientpy multiline "$SRV2" "$USER_NAME" "$USER_PASS"
    cap_stop
    stop_servers
}

sc_proftpd_auth_tls() {
    proftpd_start TLS
    cap_start proftpd-auth-tls ftps-srv2
    cli lftp -e "set xfer:clobber on; set ftp:ssl-force true; set ftp:ssl-protect-data true; set ssl:verify-certificate no;
        open -u $USER_NAME,$USER_PASS ftp://$SRV2; ls; get hello.txt -o $LAB/cli/hello.txt; bye" </dev/null
    cap_stop
    stop_servers
}

sc_ipv6_epsv_eprt() {
    vsftpd_start ftps-srv "$SRV6"
    cap_start ipv6-epsv-eprt
    cli lftp -e "set xfer:clobber on; set ftp:passive-mode true; open -u $USER_NAME,$USER_PASS ftp://[$SRV6];
        get data-64k.bin -o $LAB/cli/data-64k.bin; set ftp:passive-mode false;
        put $LAB/files/upload-20k.bin -o upload-v6.bin; ls; rm upload-v6.bin; bye" </dev/null
    cap_stop
    stop_servers
}

sc_pureftpd_anon() {
    pureftpd_start
    cap_start pureftpd-anon ftps-srv2
    cli lftp -e "set xfer:clobber on; set ftp:use-mlsd true; open ftp://$SRV2; cls -l; cd pub; cls -l;
        get readme.txt -o $LAB/cli/readme.txt; bye" </dev/null
    cap_stop
    stop_servers
}

# ---------------------------------------------------------------- Group B (issue 3)
sc_vsftpd_active_ephemeral() {
    vsftpd_start ftps-srv "$SRV" connect_from_port_20=NO
    cap_start vsftpd-active-ephemeral
    cli "$CURL" -sS -P - "ftp://$U@$SRV/readme.txt" -o /dev/null \
        --next -sS -P - "ftp://$U@$SRV/sub/" -o /dev/null
    cap_stop
    stop_servers
}

sc_nat_pasv() {
    vsftpd_start ftps-srv "$SRV" pasv_address=198.51.100.200
    # The client reaches the advertised address through a DNAT to the real server.
    cli nft -f - <<EOF
table ip ftpsniff_nat {
    chain output { type nat hook output priority -100; ip daddr 198.51.100.200 dnat to $SRV; }
}
EOF
    cap_start vsftpd-nat-pasv
    cli "$CURL" -sS --disable-epsv --no-ftp-skip-pasv-ip "ftp://$SRV/pub/hello.txt" -o /dev/null \
        --next -sS --disable-epsv --no-ftp-skip-pasv-ip "ftp://$SRV/pub/" -o /dev/null
    cap_stop
    cli nft delete table ip ftpsniff_nat
    stop_servers
}

sc_fxp() {
    vsftpd_start ftps-srv "$SRV" pasv_promiscuous=YES
    vsftpd_start ftps-srv2 "$SRV2" port_promiscuous=YES
    # Make the bridge a hub so server A's veth sees B's control connection too.
    ip -n ftps-br link set br0 type bridge ageing_time 0
    sleep 0.2
    cap_start vsftpd-fxp
    clientpy fxp "$SRV" "$SRV2" "$USER_NAME" "$USER_PASS"
    cap_stop
    ip -n ftps-br link set br0 type bridge ageing_time 30000
    stop_servers
}

sc_abort_426() {
    vsftpd_start ftps-srv "$SRV" local_max_rate=50000 async_abor_enable=YES
    cap_start vsftpd-abort-426
    clientpy abort "$SRV" "$USER_NAME" "$USER_PASS"
    cap_stop
    stop_servers
}

sc_rest_resume() {
    vsftpd_start ftps-srv "$SRV"
    head -c 20000 "$LAB/files/data-64k.bin" >"$LAB/cli/partial-64k.bin"
    cap_start vsftpd-rest-resume
    cli "$CURL" -sS -C - -o "$LAB/cli/partial-64k.bin" "ftp://$SRV/pub/data-64k.bin"
    cap_stop
    cmp "$LAB/cli/partial-64k.bin" "$LAB/files/data-64k.bin"
    stop_servers
}

sc_uploads() {
    vsftpd_start ftps-srv "$SRV"
    cap_start vsftpd-uploads
    clientpy uploads "$SRV" "$USER_NAME" "$USER_PASS"
    cap_stop
    stop_servers
}

sc_listings() {
    proftpd_start
    cap_start proftpd-listings ftps-srv2
    clientpy listings "$SRV2" "$USER_NAME" "$USER_PASS"
    cap_stop
    stop_servers
}

sc_concurrent() {
    vsftpd_start ftps-srv "$SRV"
    cap_start vsftpd-concurrent
    # Three sessions interleaving their transfers, plus a curl session in parallel.
    clientpy concurrent "$SRV" 3 &
    local p=$!
    cli "$CURL" -sS -P - "ftp://$SRV/pub/data-64k.bin" -o /dev/null
    wait "$p"
    cap_stop
    stop_servers
}

sc_dropped_data_segment() {
    vsftpd_start ftps-srv "$SRV"
    cap_start vsftpd-passive-300k
    cli "$CURL" -sS "ftp://$SRV/pub/big-300k.bin" -o /dev/null
    cap_stop
    stop_servers
    # Post-processing: drop ONE full-sized data segment from the middle of the transfer.
    "$PY" "$HERE/lab/dropseg.py" "$OUT/vsftpd-passive-300k.pcap" "$OUT/vsftpd-dropped-data-segment.pcap"
}

sc_cwd_paths() {
    vsftpd_start ftps-srv "$SRV"
    cap_start vsftpd-cwd-paths
    clientpy cwd "$SRV" "$USER_NAME" "$USER_PASS"
    cap_stop
    stop_servers
}

# ---------------------------------------------------------------- Group C (issue 4)
sc_bruteforce() {
    proftpd_start
    cap_start proftpd-bruteforce ftps-srv2
    clientpy bruteforce "$SRV2" 192.0.2.66 admin 25 5
    clientpy login "$SRV2" 192.0.2.77 admin "$ADMIN_PASS"
    cap_stop
    stop_servers
}

sc_password_spray() {
    proftpd_start
    cap_start proftpd-password-spray ftps-srv2
    clientpy spray "$SRV2" 192.0.2.66 'Winter2024!' admin root ftpuser test guest oracle backup www-data
    cap_stop
    stop_servers
}

sc_auth_tls_refused() {
    vsftpd_start ftps-srv "$SRV"
    cap_start vsftpd-auth-tls-refused
    clientpy tls-refused "$SRV" "$USER_NAME" "$USER_PASS"
    cap_stop
    stop_servers
    proftpd_start TLS
    cap_start proftpd-user-before-auth-tls ftps-srv2
    clientpy user-before-auth "$SRV2" "$USER_NAME" "$USER_PASS"
    cap_stop
    stop_servers
}

sc_bounce() {
    vsftpd_start ftps-srv "$SRV"
    cap_start vsftpd-bounce-rejected
    clientpy bounce "$SRV" 203.0.113.9 8021 anonymous bounce@example.org
    cap_stop
    stop_servers
    # A third party that accepts the bounced data connection and discards it.
    bg_in ftps-3rd "$PY" -c 'import socket
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)
s.bind(("203.0.113.9",8021)); s.listen(1); s.settimeout(20); c,_=s.accept()
while c.recv(65536): pass'
    wait_port ftps-3rd 8021
    vsftpd_start ftps-srv "$SRV" port_promiscuous=YES
    cap_start vsftpd-bounce-promiscuous
    clientpy bounce "$SRV" 203.0.113.9 8021 anonymous bounce@example.org
    cap_stop
    stop_servers
}

sc_anon_upload() {
    vsftpd_start ftps-srv "$SRV" anon_upload_enable=YES anon_umask=022
    cap_start vsftpd-anon-upload
    clientpy anon-upload "$SRV"
    cap_stop
    stop_servers
}

sc_site_exec() {
    proftpd_start
    cap_start proftpd-site-exec ftps-srv2
    clientpy site "$SRV2" "$USER_NAME" "$USER_PASS"
    cap_stop
    stop_servers
}

sc_hostile_creds() {
    vsftpd_start ftps-srv "$SRV"
    cap_start vsftpd-hostile-creds
    clientpy hostile "$SRV"
    cap_stop
    stop_servers
}

wait_dad() { # link-local DAD runs right after lab_up: keep its NS out of a capture
    local i ns busy
    for i in $(seq 1 50); do
        busy=""
        for ns in "${!HOSTS[@]}"; do
            [[ -z $(ip -n "$ns" -6 addr show tentative) ]] || busy=$ns
        done
        [[ -n $busy ]] || return 0
        sleep 0.1
    done
    echo "IPv6 DAD still running in $busy" >&2
}

sc_proftpd_cleartext_after_tls_offer() {
    # mod_tls loaded with TLSRequired off: FEAT advertises AUTH TLS, but plain ftplib
    # never sends it and logs in as admin in cleartext (audit: cleartext_after_tls_offer).
    proftpd_start TLS
    wait_dad
    cap_start proftpd-cleartext-after-tls-offer ftps-srv2
    clientpy cleartext-after-tls-offer "$SRV2" admin "$ADMIN_PASS"
    cap_stop
    stop_servers
}

# ---------------------------------------------------------------- Group E (issue 13: real-world truth)
sc_bounce_scan() {
    # nmap's FTP bounce scan (nmap -b): one PORT + LIST per scanned port of a third
    # host; 8021 listens, every other port answers the server's SYN with RST.
    bg_in ftps-3rd "$PY" -c 'import socket
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)
s.bind(("203.0.113.9",8021)); s.listen(8); s.settimeout(60)
while True:
    c,_=s.accept()
    while c.recv(65536): pass
    c.close()'
    wait_port ftps-3rd 8021
    vsftpd_start ftps-srv "$SRV" port_promiscuous=YES
    cap_start vsftpd-bounce-scan
    cli nmap -n -Pn -b "anonymous:scan@example.org@$SRV:21" -p 8000-8039 203.0.113.9 || true
    cap_stop
    stop_servers
}

sc_backdoor_trigger() {
    # vsftpd 2.3.4's backdoor (lab/vsftpd234.py plays the server): USER x:) and a
    # shell on port 6200.
    bg_in ftps-srv "$PY" "$HERE/lab/vsftpd234.py" "$SRV"
    wait_port ftps-srv 21
    cap_start vsftpd234-backdoor-trigger
    clientpy backdoor-trigger "$SRV"
    cap_stop
    stop_servers
}

sc_connect_attempts() {
    # SYNs to port 21 that never become FTP: refused by 198.51.100.20 (nothing
    # listens), unanswered by 198.51.100.10 (its firewall drops them); then one
    # real session so the capture also holds FTP.
    ip netns exec ftps-srv nft -f - <<'NFT'
table inet lab_drop {
    chain in {
        type filter hook input priority 0;
        ip saddr 192.0.2.66 tcp dport 21 drop;
    }
}
NFT
    vsftpd_start ftps-srv "$SRV"
    cap_start connect-attempts-port21 ftps-cli
    cli "$PY" -c 'import socket
for host, src, t in (("198.51.100.20", "192.0.2.10", 2), ("198.51.100.10", "192.0.2.66", 3.5)):
    s = socket.socket(); s.bind((src, 0)); s.settimeout(t)
    try: s.connect((host, 21)); print("connected?")
    except OSError as e: print(host, e)
    s.close()'
    cli "$CURL" -sS "ftp://$SRV/pub/hello.txt" -o /dev/null
    cap_stop
    stop_servers
    ip netns exec ftps-srv nft delete table inet lab_drop
}

sc_pasv_reuse() {
    # One passive port for the whole server: two open sessions get the same port
    # in turn (a busy server with a narrow pasv range).
    vsftpd_start ftps-srv "$SRV" pasv_min_port=40000 pasv_max_port=40000
    cap_start vsftpd-pasv-port-reuse
    clientpy pasv-reuse "$SRV" "$USER_NAME" "$USER_PASS"
    cap_stop
    stop_servers
}

sc_type_a() {
    vsftpd_start ftps-srv "$SRV" ascii_download_enable=YES
    cap_start vsftpd-type-a-download
    clientpy type-a "$SRV" "$USER_NAME" "$USER_PASS"
    cap_stop
    stop_servers
}

sc_noop_during_retr() {
    # A keep-alive NOOP while a rate-limited RETR still flows, against vsftpd and
    # ProFTPD (which answer it at different times).
    vsftpd_start ftps-srv "$SRV" local_max_rate=200000
    cap_start vsftpd-noop-during-retr
    clientpy noop-during-retr "$SRV" "$USER_NAME" "$USER_PASS"
    cap_stop
    stop_servers
    proftpd_start SLOW
    cap_start proftpd-noop-during-retr ftps-srv2
    clientpy noop-during-retr "$SRV2" "$USER_NAME" "$USER_PASS"
    cap_stop
    stop_servers
}

sc_eprt_v6_on_v4() {
    vsftpd_start ftps-srv "$SRV"
    cap_start vsftpd-eprt-v6-on-v4
    clientpy eprt-v6-on-v4 "$SRV" "$USER_NAME" "$USER_PASS" 2001:db8:2::10
    cap_stop
    stop_servers
}

# ---------------------------------------------------------------- Group D (link types, formats)
sc_linktype_sll() { # live capture on the "any" pseudo-device, Linux cooked v1 and v2
    vsftpd_start ftps-srv "$SRV" connect_from_port_20=YES
    cap_start linktype-sll ftps-srv any -y LINUX_SLL
    cli "$CURL" -sS "ftp://$U@$SRV/readme.txt" -o /dev/null \
        --next -sS -P - "ftp://$U@$SRV/sub/" -o /dev/null
    cap_stop
    cap_start linktype-sll2 ftps-srv any
    cli "$CURL" -sS "ftp://$U@$SRV/hello.txt" -o /dev/null \
        --next -sS -P - "ftp://$U@$SRV/" -o /dev/null
    cap_stop
    stop_servers
}

sc_reframe() {
    "$PY" "$HERE/lab/reframe.py" "$OUT"
    # pcapng holding two interfaces of different link types (Ethernet and Linux SLL2).
    mergecap -F pcapng -w "$OUT/pcapng-two-interfaces.pcapng" \
        "$OUT/vsftpd-pipelined.pcap" "$OUT/linktype-sll2.pcap"
}

ALL=(vsftpd_anon_passive vsftpd_user_active_port20 vsftpd_failed_login pipelined
    proftpd_multiline proftpd_auth_tls ipv6_epsv_eprt pureftpd_anon
    vsftpd_active_ephemeral nat_pasv fxp abort_426 rest_resume uploads listings concurrent
    dropped_data_segment cwd_paths
    bruteforce password_spray auth_tls_refused bounce anon_upload site_exec hostile_creds
    proftpd_cleartext_after_tls_offer
    linktype_sll reframe
    bounce_scan backdoor_trigger connect_attempts pasv_reuse type_a noop_during_retr eprt_v6_on_v4)

main() {
    if [[ ${1:-} == --list ]]; then
        printf '%s\n' "${ALL[@]//_/-}"
        return
    fi
    local todo=("${ALL[@]}") s
    (($#)) && todo=("${@//-/_}")
    prereqs
    reset_files
    prepare_proftpd
    trap lab_down EXIT
    trap 'exit 130' INT TERM
    lab_up
    for s in "${todo[@]}"; do
        log "scenario ${s//_/-}"
        reset_files
        "sc_$s"
    done
    # name size sha256 of every fixture served or uploaded in the captures.
    cp "$LAB/files.list" "$HERE/files.sha256"
    log "done: $(find "$OUT" -maxdepth 1 -name '*.pcap*' | wc -l) captures in $OUT"
}

main "$@"
