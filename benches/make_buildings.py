#!/usr/bin/env python3
"""Writes the benchmark buildings: N small rotated rectangles in the Almaty bbox
(76.75-77.10 E, 43.15-43.40 N) with floors and name, as CSV with WKT. Deterministic (seed 42).
Usage: make_buildings.py OUT.csv [N]"""
import math
import random
import sys

out = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 300_000
rng = random.Random(42)
streets = ["Абая", "Толе би", "Жандосова", "Сатпаева", "Тимирязева", "Райымбека", "Достык", "Байтурсынова"]
with open(out, "w", encoding="utf-8") as f:
    f.write("id,floors,name,wkt\n")
    for i in range(n):
        cx = rng.uniform(76.75, 77.10)
        cy = rng.uniform(43.15, 43.40)
        w = rng.uniform(8, 40) / (111_320 * math.cos(math.radians(43.25)))
        h = rng.uniform(8, 25) / 111_320
        a = rng.uniform(0, math.pi)
        pts = []
        for dx, dy in ((-w, -h), (w, -h), (w, h), (-w, h), (-w, -h)):
            x = cx + (dx / 2) * math.cos(a) - (dy / 2) * math.sin(a)
            y = cy + (dx / 2) * math.sin(a) + (dy / 2) * math.cos(a)
            pts.append(f"{x:.7f} {y:.7f}")
        floors = rng.choice([1, 1, 2, 2, 3, 4, 5, 5, 9, 9, 12, 16, 25])
        name = f"ул. {rng.choice(streets)}, {rng.randint(1, 300)}"
        f.write(f'{i + 1},{floors},"{name}","POLYGON(({", ".join(pts)}))"\n')
