#!/usr/bin/env bash
# Printing benchmark: the time and size of GeoPDF prints of central Almaty from the demo data
# (release build, its own database bench_print on the benchmark cluster, a server on a socket,
# an administrator so the restricted utility networks are printed too). hyperfine runs curl
# against POST /api/print: A3 landscape 1:2000 with buildings, streets and utility networks
# (the issue's aim: under one second), A1 portrait 1:10,000 with every layer the web map opens
# with plus the networks, and an object passport. Appends the figures to benches/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
QALA=$PWD/target/release/qala
DIR=$(scripts/data-dir.sh "/tmp/qala-bench")
$QALA --data-dir "$DIR" db start >/dev/null
BASE=$($QALA --data-dir "$DIR" db url)
export DATABASE_URL=${BASE%/qala}/bench_print
if ! psql -qtA "${BASE%/qala}/postgres" -c "SELECT 1 FROM pg_database WHERE datname = 'bench_print'" | grep -q 1; then
  psql -q "${BASE%/qala}/postgres" -c "CREATE DATABASE bench_print"
  $QALA demo-data >/dev/null
fi
$QALA user add bench-admin --password bench-admin-pass --role admin >/dev/null 2>&1 || true
PORT=18093
$QALA serve --bind 127.0.0.1:$PORT >/tmp/qala-bench-print.log 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done

A3='{"center":[76.9457,43.2379],"scale":2000,"paper":"A3","orientation":"landscape","layers":["buildings","streets","utility_networks"],"title":"Алматы орталығы / Центр Алматы","lang":"kk+ru"}'
A1='{"center":[76.9457,43.2379],"scale":10000,"paper":"A1","orientation":"portrait","layers":["master_plan","hydro_areas","hydro_lines","districts","streets","buildings","utility_networks","poi"],"lang":"kk"}'
FID=$(psql -qtA "$DATABASE_URL" -c "SELECT id FROM features WHERE layer_id = 'buildings' ORDER BY id LIMIT 1")
AUTH="bench-admin:bench-admin-pass"
OUT=target/bench-print
mkdir -p "$OUT"
print() { curl -sf -u "$AUTH" -H 'content-type: application/json' -d "$2" -o "$OUT/$1.pdf" "http://127.0.0.1:$PORT/api/print"; }
print a3-2000 "$A3"
print a1-10000 "$A1"
curl -sf -u "$AUTH" -o "$OUT/passport.pdf" "http://127.0.0.1:$PORT/api/layers/buildings/items/$FID/passport.pdf"

hyperfine --style basic --warmup 2 --runs 15 --export-json "$OUT/hyperfine.json" \
  -n "A3 1:2000 landscape (buildings, streets, networks)" "curl -sf -u $AUTH -H 'content-type: application/json' -d '$A3' -o /dev/null http://127.0.0.1:$PORT/api/print" \
  -n "A1 1:10,000 portrait (8 layers)" "curl -sf -u $AUTH -H 'content-type: application/json' -d '$A1' -o /dev/null http://127.0.0.1:$PORT/api/print" \
  -n "passport A4 (building)" "curl -sf -u $AUTH -o /dev/null http://127.0.0.1:$PORT/api/layers/buildings/items/$FID/passport.pdf"

size() { stat -c %s "$OUT/$1.pdf"; }
count() { psql -qtA "$DATABASE_URL" -c "SELECT count(*) FROM features WHERE deleted_at IS NULL AND layer_id = ANY('{$2}') AND geom_web && ST_Expand(ST_Transform(ST_SetSRID(ST_MakePoint(76.9457, 43.2379), 4326), 3857), $1)"; }
{
  echo
  echo "## Printing (GeoPDF), $(date -u +%Y-%m-%d) on $(nproc) cores, $(free -g | awk '/Mem/{print $2}') GiB"
  echo
  echo '`make bench-print`: release build, demo data of Almaty, POST /api/print over HTTP on one machine'
  echo '(PostGIS, server and curl), hyperfine 15 runs after 2 warm-ups. Centre 76.9457, 43.2379; Web Mercator.'
  echo
  echo "| document | mean | min | max | size |"
  echo "|---|---|---|---|---|"
  python3 - "$OUT/hyperfine.json" "$(size a3-2000)" "$(size a1-10000)" "$(size passport)" <<'PY'
import json, sys
runs = json.load(open(sys.argv[1]))["results"]
sizes = sys.argv[2:]
for r, s in zip(runs, sizes):
    print(f"| {r['command']} | {r['mean']*1000:.0f} ms | {r['min']*1000:.0f} ms | {r['max']*1000:.0f} ms | {int(s)/1024:.0f} KB |")
PY
  echo
  echo "Features near the centre: $(count 800 buildings,streets,utility_networks) within 800 m (A3 frame is 1,151 × 814 m in 3857);"
  echo "$(count 6000 buildings,streets,utility_networks,poi,master_plan,districts,hydro_areas,hydro_lines) within 6 km (A1 frame)."
} | tee -a benches/RESULTS.md
