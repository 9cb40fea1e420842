#!/usr/bin/env python3
"""A deterministic sample of tiles over the Almaty bbox: PER_ZOOM tiles at each zoom of a range,
as wrk request paths. Usage: make_tile_list.py LAYER ZMIN ZMAX PER_ZOOM > paths.txt"""
import math
import random
import sys

layer, zmin, zmax, per = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rng = random.Random(8)


def tile(lon, lat, z):
    n = 2**z
    r = math.radians(lat)
    return int((lon + 180) / 360 * n), int((1 - math.log(math.tan(r) + 1 / math.cos(r)) / math.pi) / 2 * n)


for z in range(zmin, zmax + 1):
    x0, y0 = tile(76.75, 43.40, z)
    x1, y1 = tile(77.10, 43.15, z)
    for _ in range(per):
        print(f"/{layer}/{z}/{rng.randint(x0, x1)}/{rng.randint(y0, y1)}")
