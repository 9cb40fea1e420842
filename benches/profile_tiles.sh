#!/usr/bin/env bash
# Where a tile's time goes (issue 18): the PostGIS stages of a cold z15 tile (planning, index scan,
# ST_AsMVTGeom, ST_AsMVT) from EXPLAIN ANALYZE over the benchmark's z15 sample, then perf samples of
# the whole machine (server, PostgreSQL backends, wrk, kernel) while wrk asks for cold tiles (cache
# off, in-process cutting off: the PostGIS path), cached tiles, and in-process cold tiles. Writes
# per-process shares and flame graphs (SVG, inferno) under target/profile/.
# Needs perf (linux-perf) and inferno (`cargo install inferno`); uses the bench cluster of
# bench_db.sh. Usage: benches/profile_tiles.sh [seconds per run]
set -euo pipefail
cd "$(dirname "$0")/.."
QALA=${QALA:-$PWD/target/release/qala}
SECS=${1:-10}
OUT=target/profile
mkdir -p "$OUT"
INFERNO=${INFERNO:-/work/.inferno/bin}
PATH=$INFERNO:$PATH
source benches/bench_db.sh
python3 benches/make_tile_list.py bench_buildings 15 15 40 > "$DATA/tiles-z15.txt"

echo "== PostGIS stages of a cold z15 tile (sum over the 40 tiles of the sample, ms) =="
python3 - "$DATABASE_URL" "$DATA/tiles-z15.txt" <<'PY' | tee "$OUT/stages.txt"
import re, subprocess, sys
url, paths = sys.argv[1], open(sys.argv[2]).read().split()
px = lambda z: 2 * 20037508.342789244 / 256 / 2**z
env = "ST_TileEnvelope({z},{x},{y})"
benv = "ST_TileEnvelope({z},{x},{y}, margin => 0.015625)"
where = "f.deleted_at IS NULL AND f.geom_web && " + benv + " AND f.web_size + 0 >= {px}"
stages = {
    "index scan + filter": "SELECT count(*) FROM features_bench_buildings f WHERE " + where,
    "+ attributes": "SELECT sum(length(f.attrs::text)) FROM features_bench_buildings f WHERE " + where,
    "+ ST_Simplify, ST_AsMVTGeom": "SELECT count(ST_AsMVTGeom(CASE WHEN f.web_size > 16 * {px} THEN ST_Simplify(f.geom_web, {px} / 4, true) ELSE f.geom_web END, " + env + ", 4096, 64, true)) FROM features_bench_buildings f WHERE " + where,
    "+ ST_AsMVT (the whole tile)": "SELECT length(ST_AsMVT(r, 'bench_buildings', 4096, 'geom', 'id')) FROM (SELECT f.id, f.attrs, ST_AsMVTGeom(CASE WHEN f.web_size > 16 * {px} THEN ST_Simplify(f.geom_web, {px} / 4, true) ELSE f.geom_web END, " + env + ", 4096, 64, true) AS geom FROM features_bench_buildings f WHERE " + where + ") r",
}
totals = {}
for name, sql in stages.items():
    # One session per stage, as a pooled server connection: the first statement of a new backend
    # pays for loading the catalog caches (30-70 ms of "planning"); every tile is asked twice and
    # the second, warm answer counted.
    script = "SELECT 1;\n"
    for p in paths:
        _, z, x, y = p.strip("/").split("/")
        q = "EXPLAIN (ANALYZE, TIMING OFF) " + sql.format(z=z, x=x, y=y, px=px(int(z))) + ";\n"
        script += q + q
    out = subprocess.run(["psql", "-qtA", url], input=script, capture_output=True, text=True, check=True).stdout
    plans = [float(v) for v in re.findall(r"Planning Time: ([\d.]+)", out)][1::2]
    execs = [float(v) for v in re.findall(r"Execution Time: ([\d.]+)", out)][1::2]
    totals[name] = (sum(plans), sum(execs))
prev = 0.0
print(f"{'stage':36} {'planning':>9} {'execution':>10} {'added':>8}  (per tile ms)")
for name, (plan, execute) in totals.items():
    n = len(paths)
    print(f"{name:36} {plan / n:9.2f} {execute / n:10.2f} {(execute - prev) / n:8.2f}")
    prev = execute
PY

[ -z "${STAGES_ONLY:-}" ] || exit 0
QPORT=18091
start_qala() { # extra serve arguments
  $QALA $L serve --bind 127.0.0.1:$QPORT "$@" >/tmp/qala-profile-serve.log 2>&1 &
  SERVER=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$QPORT/healthz" >/dev/null && break; sleep 0.1; done
  # In-process layers load in the background: wait until the benchmark's layer is in.
  case "$*" in *"--tile-memory-mb 0"*) return ;; esac
  for _ in $(seq 1200); do
    grep -qE 'bench_buildings.*(in-memory tiles|budget)|(in-memory tiles|budget).*bench_buildings' /tmp/qala-profile-serve.log && return
    sleep 0.25
  done
}
stop() { kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; }

profile() { # label, wrk list, encoding
  local label=$1 list=$2
  PATHS=$list PREFIX=/tiles SUFFIX=.mvt ENCODING=${3:-} wrk -t2 -c16 -d2s -s benches/wrk_paths.lua "http://127.0.0.1:$QPORT" >/dev/null
  perf record -q -a -g -F 499 -e cpu-clock -o "$OUT/$label.data" -- \
    env PATHS=$list PREFIX=/tiles SUFFIX=.mvt "ENCODING=${3:-}" wrk -t2 -c16 -d"${SECS}s" -s benches/wrk_paths.lua \
    "http://127.0.0.1:$QPORT" | awk '/Requests\/sec/ {print "'"$label"': " $2 " tiles/s"}' | tee -a "$OUT/summary.txt"
  echo "-- $label: share of samples by process --" | tee -a "$OUT/summary.txt"
  perf report -i "$OUT/$label.data" --stdio --sort comm --no-children 2>/dev/null | grep -E '^ +[0-9]' | head -8 | tee -a "$OUT/summary.txt"
  if command -v inferno-collapse-perf >/dev/null; then
    perf script -i "$OUT/$label.data" 2>/dev/null | inferno-collapse-perf > "$OUT/$label.folded"
    inferno-flamegraph --title "$label" < "$OUT/$label.folded" > "$OUT/$label.svg"
    grep -E '^(qala|tokio)' "$OUT/$label.folded" | inferno-flamegraph --title "$label: server only" > "$OUT/$label-server.svg" || true
  fi
}

: > "$OUT/summary.txt"
python3 benches/make_tile_list.py bench_buildings 13 16 40 > "$DATA/tiles-z13-16.txt"
start_qala --tile-cache-mb 0 --tile-memory-mb 0
profile cold-postgis "$DATA/tiles-z15.txt"
stop
start_qala --tile-cache-mb 0
profile cold-memory "$DATA/tiles-z15.txt"
stop
start_qala --tile-cache-mb 512
profile cached "$DATA/tiles-z15.txt"
profile cached-br "$DATA/tiles-z15.txt" "gzip, br"
stop
echo "written: $OUT/summary.txt, $OUT/stages.txt, $OUT/*.svg"
