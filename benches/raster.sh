#!/usr/bin/env bash
# Raster benchmark: Qala's WMS images and PNG tiles against MapServer 8 (Debian's mapserv under
# FastCGI: spawn-fcgi processes behind nginx on loopback) on the same PostGIS tables (Qala's layer
# partitions features_buildings and features_streets, MapServer reading their Web Mercator column
# geom_web) with the same look (benches/mapserver/qala.map is generated from styles/qala.json by
# benches/mapserver/make_map.py). The 300,000 buildings and 40,000 streets of the other benchmarks,
# loaded under the ids the style draws into their own database bench_raster. The same request
# paths for both, wrk with 16 connections: WMS 1.3.0 GetMap 1024x768 PNG in EPSG:3857 of streets
# and buildings at 1:2,000 and 1:10,000 (50 centres), 256-pixel PNG tiles z13-z16 (Qala with its
# tile cache off; MapServer's own tile mode). Prints requests/s, p50, p99, mean image size and
# peak RSS (MapServer: the sum over its processes) and the ratios; appends them to benches/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
QALA=$PWD/target/release/qala
# MapServer's FastCGI processes (each draws one image at a time); 8 was its best on 2 cores.
MS_PROCS=${MS_PROCS:-8}
MAPSERV=${MAPSERV:-/usr/bin/mapserv}
# PEER=none measures Qala alone (a regression check against its earlier figures).
PEER=${PEER:-mapserver}
source benches/bench_db.sh
PG=${BASE%/qala}
export DATABASE_URL=$PG/bench_raster
L="--layers-dir benches/raster-layers"
if ! psql -qtA "$PG/postgres" -c "SELECT 1 FROM pg_database WHERE datname = 'bench_raster'" | grep -q 1; then
  psql -q "$PG/postgres" -c "CREATE DATABASE bench_raster"
  [ -f "$DATA/streets.csv" ] || python3 benches/make_tiles_data.py "$DATA/streets.csv" "$DATA/addresses.csv"
  $QALA $L ingest "$DATA/buildings.gpkg" --layer buildings --key id --report /tmp/qala-br1.json
  $QALA $L ingest "$DATA/streets.csv" --layer streets --key id --report /tmp/qala-br2.json
  psql -q "$DATABASE_URL" -c "ANALYZE features"
fi

# The requests: 50 centres in Almaty (seed 17), ground scale at the centre with OGC's 0.28 mm pixel.
python3 - "$DATA" <<'PY'
import math, random, sys
data = sys.argv[1]
rng = random.Random(17)
centres = [(rng.uniform(76.80, 77.05), rng.uniform(43.18, 43.37)) for _ in range(50)]
R = 6378137.0
for scale in (2000, 10000):
    with open(f"{data}/raster-wms-{scale}.txt", "w") as f:
        for lon, lat in centres:
            x, y = math.radians(lon) * R, math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) * R
            res = scale * 0.00028 / math.cos(math.radians(lat))
            w, h = 1024 * res / 2, 768 * res / 2
            f.write("/wms?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=streets,buildings&STYLES="
                    f"&CRS=EPSG:3857&BBOX={x - w:.2f},{y - h:.2f},{x + w:.2f},{y + h:.2f}"
                    "&WIDTH=1024&HEIGHT=768&FORMAT=image/png\n")
PY
python3 benches/make_tile_list.py buildings,streets 13 16 40 | sed "s|.*|/tiles&.png|" > "$DATA/raster-tiles.txt"

QPORT=18085; MPORT=18086
MS=$PWD/$DATA/mapserver
mkdir -p "$MS"
PGPORT=$(sed -E 's#.*:([0-9]+)/.*#\1#' <<<"$BASE")
sed -e "s|@CONNECTION@|host=127.0.0.1 port=$PGPORT dbname=bench_raster user=postgres|" \
  -e "s|@FONTSET@|$PWD/benches/mapserver/fonts.txt|" -e "s|@ONLINE@|http://127.0.0.1:$MPORT/wms?|" \
  benches/mapserver/qala.map > "$MS/qala.map"
sed -e "s|@PORT@|$MPORT|g" -e "s|@SOCKET@|$MS/mapserv.sock|g" -e "s|@DIR@|$MS|g" \
  benches/mapserver/nginx.conf > "$MS/nginx.conf"
printf 'CONFIG\n  ENV\n    MS_MAPFILE "%s"\n  END\nEND\n' "$MS/qala.map" > "$MS/mapserver.conf"

SERVERS=""
start_qala() {
  $QALA $L serve --bind 127.0.0.1:$QPORT --tile-cache-mb 0 >/tmp/qala-bench-raster.log 2>&1 &
  SERVERS=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$QPORT/healthz" >/dev/null && return; sleep 0.1; done
  echo "qala did not start"; cat /tmp/qala-bench-raster.log; exit 1
}
start_mapserver() {
  rm -f "$MS/mapserv.sock" "$MS/mapserv.pid"
  MAPSERVER_CONFIG_FILE=$MS/mapserver.conf spawn-fcgi -s "$MS/mapserv.sock" -M 0666 -F "$MS_PROCS" -P "$MS/mapserv.pid" \
    -- "$MAPSERV" >/dev/null
  nginx -p "$MS" -c "$MS/nginx.conf"
  SERVERS="$(tr '\n' ' ' <"$MS/mapserv.pid") $(cat "$MS/nginx.pid")"
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$MPORT/wms?SERVICE=WMS&REQUEST=GetCapabilities" >/dev/null && return
    sleep 0.1; done
  echo "mapserver did not start"; cat "$MS/nginx-error.log"; exit 1
}
stop() {
  if [ -f "$MS/nginx.pid" ] && [[ " $SERVERS " == *" $(cat "$MS/nginx.pid") "* ]]; then
    nginx -p "$MS" -c "$MS/nginx.conf" -s quit; fi
  for p in $SERVERS; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true # Qala is this script's child; mapserv and nginx are not
  # An idle mapserv under FastCGI may sit in accept() past SIGTERM: after 5 s it gets SIGKILL.
  for p in $SERVERS; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$p" 2>/dev/null; then kill -9 "$p"; fi
  done
  SERVERS=""
}
trap stop EXIT

# Peak RSS in MB of the server's processes (Qala: one; MapServer: its mapserv processes, nginx apart).
rss() { for p in "$@"; do awk '/VmHWM/ {print $2}' "/proc/$p/status"; done | awk '{s += $1} END {printf "%.0f", s / 1024}'; }

mean_size() { # base, list: every path once, 4 at a time; each answer must be a PNG
  python3 - "$1" "$2" <<'PY'
import sys, urllib.request
from concurrent.futures import ThreadPoolExecutor
base, paths = sys.argv[1], open(sys.argv[2]).read().split()
def size(p):
    with urllib.request.urlopen(base + p, timeout=600) as r:
        body = r.read()
        assert body[:8] == b"\x89PNG\r\n\x1a\n", (p, r.headers.get("content-type"), body[:300])
        return len(body)
with ThreadPoolExecutor(4) as pool:
    sizes = list(pool.map(size, paths))
print(f"{sum(sizes) / len(sizes) / 1024:.1f}")
PY
}

quiet_db() { # wait until PostgreSQL finished the queries of the previous run
  for _ in $(seq 600); do
    n=$(psql -qtA "$DATABASE_URL" -c "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid()")
    [ "$n" = 0 ] && return; sleep 0.5
  done
}

run() { # label, base, list, rss pids...
  local label=$1 base=$2 list=$3; shift 3
  quiet_db
  local size
  size=$(mean_size "$base" "$list")
  # Warm-up pass: PostgreSQL's buffers and the servers' connections, alike for both.
  PATHS=$list wrk -t2 -c16 -d3s -s benches/wrk_paths.lua "$base" >/dev/null
  quiet_db
  local out
  out=$(PATHS=$list wrk -t2 -c16 -d"$DURATION" --timeout 60s --latency -s benches/wrk_paths.lua "$base")
  local rps p50 p99 bad
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  bad=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
  [ -z "$bad" ] || { echo "$label: $bad answers were not 2xx"; exit 1; }
  printf '| %s | %s | %s | %s | %s | %s |\n' "$label" "$rps" "$p50" "$p99" "$size" "$(rss "$@")" | tee -a "$DATA/raster-results.md"
}

runs() { # server name, base, pids for RSS
  local name=$1 base=$2; shift 2
  run "$name, GetMap 1:2,000" "$base" "$DATA/raster-wms-2000.txt" "$@"
  run "$name, GetMap 1:10,000" "$base" "$DATA/raster-wms-10000.txt" "$@"
  run "$name, tiles z13-z16" "$base" "$DATA/raster-tiles.txt" "$@"
}

: > "$DATA/raster-results.md"
echo "| run | requests/s | p50 | p99 | mean image KB | peak RSS MB |"
start_qala
runs qala "http://127.0.0.1:$QPORT" $SERVERS
stop
if [ "$PEER" = mapserver ]; then
  start_mapserver
  runs mapserver "http://127.0.0.1:$MPORT" $(cat "$MS/mapserv.pid")
  stop
fi

ratios=$(python3 - "$DATA/raster-results.md" <<'PY'
import sys
rows = {}
for line in open(sys.argv[1]):
    cells = [c.strip() for c in line.strip().strip('|').split('|')]
    server, what = [p.strip() for p in cells[0].split(',', 1)]
    rows[(server, what)] = (float(cells[1]), cells[5])
for what in ("GetMap 1:2,000", "GetMap 1:10,000", "tiles z13-z16"):
    q, m = rows.get(("qala", what)), rows.get(("mapserver", what))
    if q and m:
        print(f"- {what}: Qala/MapServer = {q[0] / m[0]:.2f} (requests/s)")
PY
)
echo "$ratios"
{
  echo ""
  echo "## Raster (WMS and PNG tiles), $(date -u +%Y-%m-%d) on $(nproc) cores, $(free -g | awk '/Mem/{print $2}') GiB, commit $(git rev-parse --short HEAD)"
  echo ""
  echo "\`make bench-raster\`: 300,000 buildings and 40,000 streets (database bench_raster, layers of"
  echo "benches/raster-layers drawn by styles/qala.json), PostGIS, server and wrk on the same machine,"
  echo "wrk -t2 -c16 -d$DURATION after a 3 s warm-up. GetMap: WMS 1.3.0, EPSG:3857, 1024x768 PNG of streets"
  echo "and buildings at 50 centres (ground scale with 0.28 mm pixels); tiles: 40 per zoom z13-z16, 256 px"
  echo "PNG; Qala with --tile-cache-mb 0 (cold cache). MapServer $($MAPSERV -v | awk '{print $3}') from Debian: $MS_PROCS"
  echo "FastCGI processes (spawn-fcgi) behind nginx, reading the same partitions' geom_web, styled by"
  echo "benches/mapserver/qala.map (generated from the style), tiles through its tile mode."
  echo "Peak RSS of MapServer is the sum over its processes (nginx not counted)."
  echo ""
  echo "| run | requests/s | p50 | p99 | mean image KB | peak RSS MB |"
  echo "|---|---|---|---|---|---|"
  cat "$DATA/raster-results.md"
  echo ""
  echo "$ratios"
} >> benches/RESULTS.md
echo "appended to benches/RESULTS.md"
