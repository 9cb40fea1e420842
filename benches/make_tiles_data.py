#!/usr/bin/env python3
"""Writes the extra layers of the tile benchmark in the Almaty bbox (76.75-77.10 E,
43.15-43.40 N), deterministic (seed 43): 40,000 street lines and 100,000 address points as CSV
with WKT. Usage: make_tiles_data.py STREETS.csv ADDRESSES.csv"""
import random
import sys

rng = random.Random(43)
with open(sys.argv[1], "w", encoding="utf-8") as f:
    f.write("id,name,wkt\n")
    for i in range(40_000):
        x = rng.uniform(76.75, 77.10)
        y = rng.uniform(43.15, 43.40)
        pts = []
        for _ in range(rng.randint(2, 6)):
            pts.append(f"{x:.6f} {y:.6f}")
            x += rng.uniform(-0.004, 0.004)
            y += rng.uniform(-0.003, 0.003)
        f.write(f'{i + 1},"улица {rng.randint(1, 900)}","LINESTRING({", ".join(pts)})"\n')
with open(sys.argv[2], "w", encoding="utf-8") as f:
    f.write("id,number,wkt\n")
    for i in range(100_000):
        f.write(f'{i + 1},{rng.randint(1, 300)},"POINT({rng.uniform(76.75, 77.10):.6f} {rng.uniform(43.15, 43.40):.6f})"\n')
