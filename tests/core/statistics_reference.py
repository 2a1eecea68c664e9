#!/usr/bin/env python3
"""Independent reference values for tests/core/test_statistics.c.

Brute force, standard library only: the U test's p-value by enumerating
every assignment of the pooled values to the two sides (itertools), and the
median interval's coverage from math.comb. Regenerate the table in
test_statistics.c with:  python3 tests/core/statistics_reference.py
"""
import itertools
import math
import statistics

CASES = [
    ("separated 4v4", [1, 2, 3, 4], [5, 6, 7, 8]),
    ("separated 3v3", [1, 2, 3], [4, 5, 6]),
    ("identical", [7, 7, 7], [7, 7, 7]),
    ("ties across", [1, 2, 2, 3], [2, 3, 3, 4]),
    ("ties 5v4", [10, 20, 20, 30, 30], [20, 30, 40, 40]),
    ("interleaved", [1, 4, 5, 8], [2, 3, 6, 7]),
    ("issue peaks MB", [15.2, 17.3, 17.3, 17.6], [11.7, 14.3, 15.9, 16.9]),
    ("unequal 2v6", [3, 9], [1, 2, 4, 5, 6, 7]),
]


def midranks(values):
    order = sorted(values)
    ranks = {}
    i = 0
    while i < len(order):
        j = i
        while j < len(order) and order[j] == order[i]:
            j += 1
        ranks[order[i]] = (i + 1 + j) / 2
        i = j
    return ranks


def u_of(a, pooled_ranks):
    return sum(pooled_ranks[x] for x in a) - len(a) * (len(a) + 1) / 2


def utest(a, b):
    pooled = a + b
    ranks = midranks(pooled)
    u = u_of(a, ranks)
    below = above = total = 0
    for chosen in itertools.combinations(range(len(pooled)), len(a)):
        uu = u_of([pooled[i] for i in chosen], ranks)
        total += 1
        below += uu <= u + 1e-9
        above += uu >= u - 1e-9
    return u, min(1.0, 2 * min(below / total, above / total))


def coverage(n, l):
    return sum(math.comb(n, i) for i in range(l, n - l + 1)) / 2 ** n


for name, a, b in CASES:
    u, p = utest(a, b)
    print(f'{{ "{name}", {{ {", ".join(map(str, a))} }}, {len(a)}, '
          f'{{ {", ".join(map(str, b))} }}, {len(b)}, {u!r}, {p!r} }},')
for n in (5, 6, 8, 10, 20):
    best = 0
    for l in range(1, n // 2 + 1):
        if coverage(n, l) < 0.95:
            break
        best = l
    print(f"n={n}: l={best} coverage={coverage(n, best) if best else None!r}")
print("median of [3,1,2,10]:", statistics.median([3, 1, 2, 10]))
