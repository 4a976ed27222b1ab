#!/usr/bin/python3
"""Create the deterministic files served (and uploaded) in the ftpsniff capture lab.

Contents depend only on fixed seeds, so every run of record.sh serves byte-identical
files and testdata/pcaps/files.sha256 stays valid.  Usage: mkfiles.py DESTDIR
Writes DESTDIR/<name> for every fixture and prints "name size sha256" lines.
"""
import hashlib
import os
import sys


def stream(seed: str, size: int) -> bytes:
    """SHA-256 in counter mode: reproducible pseudo-random bytes."""
    out = bytearray()
    n = 0
    while len(out) < size:
        out += hashlib.sha256(f"{seed}:{n}".encode()).digest()
        n += 1
    return bytes(out[:size])


def text(seed: str, size: int) -> bytes:
    """Reproducible printable text with CRLF-free LF lines."""
    lines = []
    n = 0
    while sum(len(l) for l in lines) < size:
        lines.append(f"{seed} line {n:05d} {hashlib.sha256(f'{seed}{n}'.encode()).hexdigest()[:40]}\n")
        n += 1
    return "".join(lines).encode()[:size - 1] + b"\n"


FIXTURES = {
    "hello.txt": lambda: text("hello from the ftpsniff lab", 1024),
    "readme.txt": lambda: text("readme", 1500),
    "data-64k.bin": lambda: stream("ftpsniff-data-64k", 65536),
    "big-300k.bin": lambda: stream("ftpsniff-big-300k", 307200),
    "nested.txt": lambda: text("nested", 2048),
    "upload-20k.bin": lambda: stream("ftpsniff-upload-20k", 20480),
    "append.txt": lambda: text("appended", 1500),
}


def main() -> None:
    dest = sys.argv[1]
    os.makedirs(dest, exist_ok=True)
    for name, gen in FIXTURES.items():
        data = gen()
        with open(os.path.join(dest, name), "wb") as f:
            f.write(data)
        print(f"{name} {len(data)} {hashlib.sha256(data).hexdigest()}")


if __name__ == "__main__":
    main()
