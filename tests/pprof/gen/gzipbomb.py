#!/usr/bin/env python3
"""Write a gzip "bomb" for e2e-profile's decompression-limit tests.

Usage:  python3 tests/pprof/gen/gzipbomb.py OUT SIZE_MIB

Streams SIZE_MIB MiB of zero bytes through zlib in gzip mode (wbits=31)
into OUT, one MiB at a time, so neither the input nor the output is ever
held in memory.  1024 MiB of zeros compress to about 1 MiB.  The file is a
valid single-member gzip stream; its content is not a profile.
Tests create the bomb at test time: do not commit its output.
"""
import sys
import zlib

CHUNK = 1 << 20


def main():
    if len(sys.argv) != 3:
        sys.stderr.write("usage: gzipbomb.py OUT SIZE_MIB\n")
        return 2
    out, size_mib = sys.argv[1], int(sys.argv[2])
    if size_mib < 0:
        sys.stderr.write("gzipbomb.py: SIZE_MIB must be >= 0\n")
        return 2
    zeros = bytes(CHUNK)
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31 = gzip header/trailer
    with open(out, "wb") as f:
        for _ in range(size_mib):
            f.write(comp.compress(zeros))
        f.write(comp.flush())
    return 0


if __name__ == "__main__":
    sys.exit(main())
