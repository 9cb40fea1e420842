#!/usr/bin/env bash
# Tile benchmark: Qala against Martin 1.14.0 on the same PostGIS and the same tables (the layer
# partitions Qala stores, Martin reading their Web Mercator column, its best case), the same
# deterministic tile sample, cache off and cache on, wrk with 16 connections. Prints tiles/s,
# p50, p99, mean tile size, peak server RSS and the ratios; appends them to benches/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
QALA=${QALA:-$PWD/target/release/qala}
# PEER=none measures Qala alone, to compare with its own earlier figures in RESULTS.md (a
# regression check); the default also measures Martin in the same run.
PEER=${PEER:-martin}
MARTIN=${MARTIN:-/work/.martin/bin/martin}
[ -x "$MARTIN" ] || MARTIN=$(command -v martin || true)
if [ "$PEER" = martin ] && { [ -z "$MARTIN" ] || [ ! -x "$MARTIN" ]; }; then
  echo "installing Martin 1.14.0 from crates.io (takes a while)"
  cargo install martin --version 1.14.0 --locked --no-default-features --features postgres --root "$HOME/.cargo"
  MARTIN=$HOME/.cargo/bin/martin
fi
source benches/bench_db.sh
# Martin's queries do not filter deleted features, so Qala's partial indexes do not serve them:
# give Martin a plain spatial index of its own (its best case).
psql -q "$DATABASE_URL" -c "CREATE INDEX IF NOT EXISTS bench_martin_geom_web ON features_bench_buildings USING gist (geom_web)"

for range in "8 16" "13 16" "8 12"; do
  set -- $range
  python3 benches/make_tile_list.py bench_buildings "$1" "$2" 40 > "$DATA/tiles-z$1-$2.txt"
done

QPORT=18081; MPORT=18082
# The in-process tile store's budget (qala serve --tile-memory-mb).
MEMORY_MB=${MEMORY_MB:-512}
cat > "$DATA/martin.yaml" <<YAML
listen_addresses: '127.0.0.1:$MPORT'
postgres:
  connection_string: '$DATABASE_URL'
  pool_size: 16
  auto_publish: false
  tables:
    bench_buildings:
      schema: public
      table: features_bench_buildings
      srid: 3857
      geometry_column: geom_web
      geometry_type: GEOMETRY
      id_column: id
      properties:
        attrs: jsonb
YAML

start_qala() { # cache MB, in-process tiles MB (0: every cold tile from PostGIS)
  $QALA $L serve --bind 127.0.0.1:$QPORT --tile-cache-mb "$1" --tile-memory-mb "${2:-$MEMORY_MB}" >/tmp/qala-bench-serve.log 2>&1 &
  SERVER=$!
  local up=
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$QPORT/healthz" >/dev/null && { up=1; break; }; sleep 0.1; done
  [ -n "$up" ] || { echo "qala did not start"; cat /tmp/qala-bench-serve.log; exit 1; }
  # The layers load into memory in the background (tiles come from PostGIS meanwhile): measure
  # once the benchmark's layer is in (or was found over the budget), and say how long it took.
  [ "${2:-$MEMORY_MB}" = 0 ] && return
  for _ in $(seq 1200); do
    grep -E 'bench_buildings.*(in-memory tiles|budget)|(in-memory tiles|budget).*bench_buildings' /tmp/qala-bench-serve.log && break
    sleep 0.25
  done | sed 's/\x1b\[[0-9;]*m//g' | tail -1 >> "$DATA/memory.txt"
}
start_martin() { # cache MB
  "$MARTIN" --config "$DATA/martin.yaml" --cache-size "$1" >/tmp/martin-bench.log 2>&1 &
  SERVER=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$MPORT/catalog" >/dev/null && return; sleep 0.1; done
  echo "martin did not start"; cat /tmp/martin-bench.log; exit 1
}
stop() { kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; }

mean_size() { # base, suffix, list: tiles spread over the list, once each, 4 at a time
  python3 - "$1" "$2" "$3" <<'PY'
import sys, urllib.request
from concurrent.futures import ThreadPoolExecutor
base, suffix, paths = sys.argv[1], sys.argv[2], open(sys.argv[3]).read().split()
# At most 45 tiles spread over the list's zooms (Martin's low-zoom tiles take seconds each).
paths = paths[:: max(1, len(paths) // 45)]
import os
enc = os.environ.get("ENCODING") or "identity"
def size(p):
    req = urllib.request.Request(base + p + suffix, headers={"Accept-Encoding": enc})
    with urllib.request.urlopen(req, timeout=600) as r:
        return len(r.read())
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

run() { # label, base, prefix, suffix, list [, Accept-Encoding]
  local label=$1 base=$2 prefix=$3 suffix=$4 list=$5
  export ENCODING=${6:-}
  quiet_db
  # Warm-up pass (fills the cache when it is on; otherwise PostgreSQL's buffers, as for both).
  PATHS=$list PREFIX=$prefix SUFFIX=$suffix wrk -t2 -c16 -d3s -s benches/wrk_paths.lua "$base" >/dev/null
  quiet_db
  local out
  out=$(PATHS=$list PREFIX=$prefix SUFFIX=$suffix wrk -t2 -c16 -d"$DURATION" --timeout 60s --latency -s benches/wrk_paths.lua "$base")
  local rps p50 p99 size rss
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  size=$(mean_size "$base$prefix" "$suffix" "$list")
  rss=$(awk '/VmHWM/ {printf "%.0f", $2/1024}' "/proc/$SERVER/status")
  printf '| %s | %s | %s | %s | %s | %s |\n' "$label" "$rps" "$p50" "$p99" "$size" "$rss" | tee -a "$DATA/results.md"
}

: > "$DATA/results.md"
echo "| run | tiles/s | p50 | p99 | mean tile KB | peak RSS MB |"
BROWSER="gzip, deflate, br"
: > "$DATA/memory.txt"
# Cold tiles cut by PostGIS (in-process tiles off), as every cold tile was before issue 18.
start_qala 0 0
run "qala-postgis, cache off, z13-z16" "http://127.0.0.1:$QPORT" "/tiles" ".mvt" "$DATA/tiles-z13-16.txt"
stop
# The tiles of the in-process store must equal PostGIS's on the whole sample (features,
# attributes, geometry within one tile pixel) before they are measured.
$QALA $L tiles compare-memory --layer bench_buildings --list "$DATA/tiles-z8-16.txt" >"$DATA/compare.txt" 2>&1 \
  && echo "compare-memory: every tile equal" >>"$DATA/compare.txt" || echo "compare-memory: TILES DIFFER (see above)" >>"$DATA/compare.txt"
grep -v '^[0-9]*/[0-9]*/[0-9]*: ' "$DATA/compare.txt" | tail -3
for cache in 0 512; do
  mode=$([ "$cache" = 0 ] && echo "cache off" || echo "cache on")
  start_qala "$cache"
  for range in "8 16" "13 16" "8 12"; do set -- $range
    run "qala, $mode, z$1-z$2" "http://127.0.0.1:$QPORT" "/tiles" ".mvt" "$DATA/tiles-z$1-$2.txt"; done
  [ "$cache" = 0 ] || run "qala, $mode br, z13-z16" "http://127.0.0.1:$QPORT" "/tiles" ".mvt" "$DATA/tiles-z13-16.txt" "$BROWSER"
  stop
  [ "$PEER" = martin ] || continue
  start_martin "$cache"
  for range in "8 16" "13 16" "8 12"; do set -- $range
    run "martin, $mode, z$1-z$2" "http://127.0.0.1:$MPORT" "" "" "$DATA/tiles-z$1-$2.txt"; done
  [ "$cache" = 0 ] || run "martin, $mode br, z13-z16" "http://127.0.0.1:$MPORT" "" "" "$DATA/tiles-z13-16.txt" "$BROWSER"
  stop
done

ratios=$(python3 - "$DATA/results.md" <<'PY'
import sys
rows = {}
for line in open(sys.argv[1]):
    cells = [c.strip() for c in line.strip().strip('|').split('|')]
    server, mode, zooms = [p.strip() for p in cells[0].split(',')]
    rows[(server, mode, zooms)] = float(cells[1])
for mode in ("cache off", "cache on", "cache on br"):
    for z in ("z8-z16", "z13-z16", "z8-z12"):
        q, m = rows.get(("qala", mode, z)), rows.get(("martin", mode, z))
        if q and m:
            print(f"- {mode}, {z}: Qala/Martin = {q / m:.2f}")
q, m = rows.get(("qala-postgis", "cache off", "z13-z16")), rows.get(("martin", "cache off", "z13-z16"))
if q and m:
    print(f"- cache off, z13-z16, tiles cut by PostGIS: Qala/Martin = {q / m:.2f}")
PY
)
echo "$ratios"
{
  echo ""
  echo "## Tiles, $(date -u +%Y-%m-%d) on $(nproc) cores, $(free -g | awk '/Mem/{print $2}') GiB"
  echo ""
  echo "\`make bench-tiles\`: 300,000 buildings (+40,000 lines, 100,000 points in other layers), layer"
  echo "bench_buildings, 40 tiles per zoom sampled in the Almaty bbox, wrk -t2 -c16 -d$DURATION, PostGIS on"
  if [ "$PEER" = martin ]; then
    echo "the same machine; Martin 1.14.0 reads the same partition's Web Mercator column."
  else
    echo "the same machine; Qala alone (PEER=none), to compare with its earlier runs above."
  fi
  echo ""
  echo "Qala cuts cold tiles in process (--tile-memory-mb $MEMORY_MB) unless the label says"
  echo "qala-postgis (--tile-memory-mb 0). \"br\" runs send Accept-Encoding: $BROWSER, as browsers do."
  echo ""
  echo "| run | tiles/s | p50 | p99 | mean tile KB | peak RSS MB |"
  echo "|---|---|---|---|---|---|"
  cat "$DATA/results.md"
  echo ""
  echo "$ratios"
  echo ""
  echo "In-process tiles against PostGIS's on the z8-z16 sample (\`qala tiles compare-memory\`):"
  grep -v '^[0-9]*/[0-9]*/[0-9]*: ' "$DATA/compare.txt" | tail -3 | sed 's/^/- /'
  { grep '^[0-9]*/[0-9]*/[0-9]*: ' "$DATA/compare.txt" || true; } | sort -u | head -5 | sed 's/^/  - /'
  echo ""
  echo "Loading the benchmark layer into memory at start:"
  sed 's/^/- /' "$DATA/memory.txt"
} >> benches/RESULTS.md
echo "appended to benches/RESULTS.md"
