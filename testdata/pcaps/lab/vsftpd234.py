#!/usr/bin/python3
"""The wire behaviour of vsftpd 2.3.4's backdoor (CVE-2011-2523), for the capture lab.

The real 2.3.4 tarball was replaced upstream within days and is not in Debian, so the lab
plays its part: the greeting of vsftpd 2.3.4, 331 to every USER, and when a user name
contains ":)" a root shell listening on TCP port 6200 (here it answers `id` with the line
the real shell prints); the FTP session itself then gets no further reply, as in the
original, whose control process blocks in the backdoor.
Usage: vsftpd234.py LISTEN_ADDR
"""
import socket
import sys
import threading


def shell(addr):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, 6200))
    s.listen(1)
    c, _ = s.accept()
    f = c.makefile("rb")
    for line in f:
        if line.strip() == b"id":
            c.sendall(b"uid=0(root) gid=0(root) groups=0(root)\n")
        elif line.strip() == b"exit":
            break
    c.close()
    s.close()


def session(c, addr):
    c.sendall(b"220 (vsFTPd 2.3.4)\r\n")
    f = c.makefile("rb")
    for line in f:
        cmd = line.strip()
        if cmd.upper().startswith(b"USER"):
            if b":)" in cmd:
                threading.Thread(target=shell, args=(addr,), daemon=True).start()
                c.sendall(b"331 Please specify the password.\r\n")
                f.readline()  # PASS: never answered
                threading.Event().wait(5)
                break
            c.sendall(b"331 Please specify the password.\r\n")
        elif cmd.upper().startswith(b"PASS"):
            c.sendall(b"530 Login incorrect.\r\n")
        elif cmd.upper().startswith(b"QUIT"):
            c.sendall(b"221 Goodbye.\r\n")
            break
        else:
            c.sendall(b"530 Please login with USER and PASS.\r\n")
    c.close()


def main():
    addr = sys.argv[1]
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, 21))
    s.listen(4)
    while True:
        c, _ = s.accept()
        threading.Thread(target=session, args=(c, addr), daemon=True).start()


if __name__ == "__main__":
    main()
