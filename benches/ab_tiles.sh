#!/usr/bin/env bash
# A/B of two Qala binaries on the tile benchmark, in one run on one machine, to tell a code
# regression from a slower machine: A and B (paths to release builds) serve the same benchmark
# data (B on a copy of the database whose migration records stop at B_MIGRATIONS, for an older
# build), cache on (and, with CACHE=0, off), z13-z16, ROUNDS rounds of A then B, wrk -t2 -c16.
# Usage: A=target/release/qala B=/path/to/old/qala B_MIGRATIONS=11 benches/ab_tiles.sh
# Prints one row per run and appends the table to benches/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
QALA=${A:?A=path to the first qala binary}
B=${B:?B=path to the second qala binary}
B_MIGRATIONS=${B_MIGRATIONS:-1000}
ROUNDS=${ROUNDS:-3}
CACHE=${CACHE:-512}
source benches/bench_db.sh
python3 benches/make_tile_list.py bench_buildings 13 16 40 > "$DATA/tiles-z13-16.txt"
ADMIN=${BASE%/qala}/postgres
B_DB=bench_tiles_b
psql -q "$ADMIN" -c "DROP DATABASE IF EXISTS $B_DB" -c "CREATE DATABASE $B_DB TEMPLATE bench_tiles"
B_URL=${BASE%/qala}/$B_DB
psql -q "$B_URL" -c "DELETE FROM _sqlx_migrations WHERE version > $B_MIGRATIONS"

serve() { # binary, database url, port
  DATABASE_URL=$2 "$1" $L serve --bind "127.0.0.1:$3" --tile-cache-mb "$CACHE" >"/tmp/qala-ab-$3.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 200); do curl -sf "http://127.0.0.1:$3/healthz" >/dev/null && return; sleep 0.1; done
  echo "$1 did not start"; cat "/tmp/qala-ab-$3.log"; exit 1
}
measure() { # label, port
  local base="http://127.0.0.1:$2" out
  PATHS=$DATA/tiles-z13-16.txt PREFIX=/tiles SUFFIX=.mvt wrk -t2 -c16 -d3s -s benches/wrk_paths.lua "$base" >/dev/null
  out=$(PATHS=$DATA/tiles-z13-16.txt PREFIX=/tiles SUFFIX=.mvt wrk -t2 -c16 -d"$DURATION" --latency -s benches/wrk_paths.lua "$base")
  printf '| %s | %s | %s | %s |\n' "$1" "$(awk '/Requests\/sec/ {print $2}' <<<"$out")" \
    "$(awk '$1=="50%" {print $2}' <<<"$out")" "$(awk '$1=="99%" {print $2}' <<<"$out")" | tee -a "$DATA/ab.md"
}
: > "$DATA/ab.md"
echo "| run | tiles/s | p50 | p99 |"
for r in $(seq "$ROUNDS"); do
  serve "$QALA" "$DATABASE_URL" 18085; measure "A round $r" 18085; kill $SERVER; wait $SERVER 2>/dev/null || true
  serve "$B" "$B_URL" 18086; measure "B round $r" 18086; kill $SERVER; wait $SERVER 2>/dev/null || true
done
psql -q "$ADMIN" -c "DROP DATABASE IF EXISTS $B_DB"
{
  echo ""
  echo "## Tiles A/B, $(date -u +%Y-%m-%d) on $(nproc) cores, $(free -g | awk '/Mem/{print $2}') GiB"
  echo ""
  echo "\`A=$A B=$B B_MIGRATIONS=$B_MIGRATIONS benches/ab_tiles.sh\`: bench_buildings z13-z16, 40 tiles per"
  echo "zoom, tile cache ${CACHE} MB, wrk -t2 -c16 -d$DURATION after a 3 s warm-up, rounds alternating A and B."
  echo ""
  echo "| run | tiles/s | p50 | p99 |"
  echo "|---|---|---|---|"
  cat "$DATA/ab.md"
} >> benches/RESULTS.md
echo "appended to benches/RESULTS.md"
