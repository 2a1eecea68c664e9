#!/usr/bin/env python3
"""Times a command over several runs: median wall time and peak RSS.

usage: measure.py RUNS LABEL -- CMD ARGS...
Prints one line: LABEL  median_ms  min_ms  max_rss_kib
Each run is its own child, measured with os.wait4, so the RSS is that
command's alone. stdout of the command is discarded.
"""
import os
import statistics
import subprocess
import sys
import time


def measure_once(argv):
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"measure.py: {argv[0]} exited with {proc.returncode}")
    return elapsed, usage.ru_maxrss


def main():
    if len(sys.argv) < 5 or sys.argv[3] != "--":
        sys.exit(__doc__)
    runs, label, argv = int(sys.argv[1]), sys.argv[2], sys.argv[4:]
    measure_once(argv)  # warm the page cache
    times, rss = [], []
    for _ in range(runs):
        elapsed, maxrss = measure_once(argv)
        times.append(elapsed)
        rss.append(maxrss)
    print(f"{label:<28} median {statistics.median(times) * 1000:9.1f} ms"
          f"  min {min(times) * 1000:9.1f} ms  peak RSS {max(rss):8d} KiB")


if __name__ == "__main__":
    main()
