#!/usr/bin/env bash
# OGC API - Features benchmark: Qala against pygeoapi 0.21.0 (PyPI, PostgreSQL provider, gunicorn
# with 2 workers) on the same table, the 300,000 building polygons of the tiles benchmark
# (partition features_bench_buildings). wrk with 8 connections, DURATION each, three requests:
# the first page (limit=100), a deep page (pygeoapi: offset=200000; Qala: the keyset page that
# starts at the same feature) and a small bbox. Prints requests/s and latencies and appends them
# to benches/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
QALA=$PWD/target/release/qala
source benches/bench_db.sh

# pygeoapi in its own virtualenv.
PYG=target/pygeoapi
if [ ! -f "$PYG/.pygeoapi-0.21.0" ]; then
  python3 -m venv "$PYG"
  "$PYG/bin/pip" install --quiet --disable-pip-version-check pygeoapi==0.21.0 gunicorn psycopg2-binary geoalchemy2
  touch "$PYG/.pygeoapi-0.21.0"
fi
# pygeoapi's queries do not filter deleted features, so Qala's partial spatial index does not
# serve them: give pygeoapi a plain one of its own (its best case, as Martin gets in bench-tiles).
psql -q "$DATABASE_URL" -c "CREATE INDEX IF NOT EXISTS bench_pygeoapi_geom ON features_bench_buildings USING gist (geom)"
psql -q "$DATABASE_URL" -c "ANALYZE features_bench_buildings"
PORT_DB=$(sed -E 's|.*:([0-9]+)/.*|\1|' <<<"$DATABASE_URL")
cat > "$DATA/pygeoapi.yml" <<YAML
server:
  bind: {host: 127.0.0.1, port: 18092}
  url: http://127.0.0.1:18092
  mimetype: application/json; charset=UTF-8
  encoding: utf-8
  languages: [en-US]
  limits: {default_items: 10, max_items: 10000}
  map: {url: "https://tile.openstreetmap.org/{z}/{x}/{y}.png", attribution: OSM}
logging: {level: ERROR}
metadata:
  identification: {title: bench, description: bench, keywords: [bench], keywords_type: theme, terms_of_service: none, url: http://example.org}
  license: {name: CC0, url: http://example.org}
  provider: {name: bench, url: http://example.org}
  contact: {name: bench}
resources:
  bench_buildings:
    type: collection
    title: buildings
    description: 300,000 building polygons
    keywords: [buildings]
    extents:
      spatial: {bbox: [76.7, 43.0, 77.3, 43.5], crs: http://www.opengis.net/def/crs/OGC/1.3/CRS84}
    providers:
      - type: feature
        name: PostgreSQL
        data: {host: 127.0.0.1, port: $PORT_DB, dbname: bench_tiles, user: postgres, password: "", search_path: [public]}
        id_field: id
        table: features_bench_buildings
        geom_field: geom
        # The partition's other geometry (geom_web, for tiles) cannot be written as JSON by
        # pygeoapi: it serves the same properties Qala does.
        properties: [attrs]
YAML
"$PYG/bin/pygeoapi" openapi generate "$DATA/pygeoapi.yml" --output-file "$DATA/pygeoapi-openapi.yml" >/dev/null

QPORT=18091; PPORT=18092
start_qala() {
  $QALA $L serve --bind 127.0.0.1:$QPORT >/tmp/qala-bench-serve.log 2>&1 &
  SERVER=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$QPORT/healthz" >/dev/null && return; sleep 0.1; done
  echo "qala did not start"; cat /tmp/qala-bench-serve.log; exit 1
}
start_pygeoapi() {
  PYGEOAPI_CONFIG=$DATA/pygeoapi.yml PYGEOAPI_OPENAPI=$DATA/pygeoapi-openapi.yml \
    "$PYG/bin/gunicorn" -w 2 -b 127.0.0.1:$PPORT pygeoapi.flask_app:APP >/tmp/pygeoapi-bench.log 2>&1 &
  SERVER=$!
  for _ in $(seq 300); do curl -sf "http://127.0.0.1:$PPORT/collections/bench_buildings" >/dev/null && return; sleep 0.2; done
  echo "pygeoapi did not start"; cat /tmp/pygeoapi-bench.log; exit 1
}
stop() { kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=; }
SERVER=
trap '[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null || true' EXIT

# The deep page: the feature at offset 200,000 in id order, and Qala's cursor for the page that
# starts there (the keys of the row before it).
BEFORE=$(psql -qtA "$DATABASE_URL" -c "SELECT id FROM features_bench_buildings WHERE deleted_at IS NULL ORDER BY id OFFSET 199999 LIMIT 1")
CURSOR=$(python3 -c "import base64,json,sys; print(base64.urlsafe_b64encode(json.dumps([sys.argv[1]]).encode()).decode().rstrip('='))" "$BEFORE")
# A small bbox (about 300 m) around the middle of the data.
BBOX=$(psql -qtA "$DATABASE_URL" -c "SELECT concat_ws(',', round((x - 0.002)::numeric, 5), round((y - 0.0015)::numeric, 5), round((x + 0.002)::numeric, 5), round((y + 0.0015)::numeric, 5))
  FROM (SELECT ST_X(c) x, ST_Y(c) y FROM (SELECT ST_Centroid(ST_EstimatedExtent('public', 'features_bench_buildings', 'geom')::geometry) c) s) t")

run() { # label, url
  wrk -t2 -c8 -d2s "$2" >/dev/null
  local out rps p50 p99 bytes n
  out=$(wrk -t2 -c8 -d"$DURATION" --timeout 30s --latency "$2")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  bytes=$(curl -s "$2" | wc -c)
  n=$(curl -s "$2" | python3 -c "import json,sys; print(len(json.load(sys.stdin)['features']))")
  if grep -q ' [45][0-9][0-9] ' <<<"$(grep 'Non-2xx' <<<"$out" || true)"; then echo "errors in $1"; fi
  printf '| %s | %s | %s | %s | %s | %s |\n' "$1" "$rps" "$p50" "$p99" "$n" "$((bytes / 1024))" | tee -a "$DATA/features-results.md"
}

: > "$DATA/features-results.md"
echo "| run | requests/s | p50 | p99 | features | KB |"
start_qala
Q=http://127.0.0.1:$QPORT/ogc/collections/bench_buildings/items
run "qala, first page" "$Q?limit=100"
run "qala, deep page (keyset at 200,000)" "$Q?limit=100&cursor=$CURSOR"
run "qala, small bbox" "$Q?limit=100&bbox=$BBOX"
stop
start_pygeoapi
P=http://127.0.0.1:$PPORT/collections/bench_buildings/items
run "pygeoapi, first page" "$P?limit=100&f=json"
run "pygeoapi, deep page (offset=200000)" "$P?limit=100&offset=200000&f=json"
run "pygeoapi, small bbox" "$P?limit=100&bbox=$BBOX&f=json"
stop

ratios=$(python3 - "$DATA/features-results.md" <<'PY'
import sys
rows = {}
for line in open(sys.argv[1]):
    cells = [c.strip() for c in line.strip().strip('|').split('|')]
    server, what = cells[0].split(', ', 1)
    rows[(server, what.split(' (')[0])] = float(cells[1])
for what in ("first page", "deep page", "small bbox"):
    q, p = rows.get(("qala", what)), rows.get(("pygeoapi", what))
    if q and p:
        print(f"- {what}: Qala/pygeoapi = {q / p:.1f}")
PY
)
echo "$ratios"
{
  echo ""
  echo "## OGC API - Features, $(date -u +%Y-%m-%d) on $(nproc) cores, $(free -g | awk '/Mem/{print $2}') GiB"
  echo ""
  echo "\`make bench-features\`: 300,000 building polygons (partition features_bench_buildings), Qala"
  echo "release build against pygeoapi 0.21.0 (PostgreSQL provider, gunicorn -w 2) on the same table,"
  echo "wrk -t2 -c8 -d$DURATION, PostGIS on the same machine. Deep page: pygeoapi offset=200000, Qala the"
  echo "keyset page starting at the same feature. Small bbox: $BBOX."
  echo ""
  echo "| run | requests/s | p50 | p99 | features | KB |"
  echo "|---|---|---|---|---|---|"
  cat "$DATA/features-results.md"
  echo ""
  echo "$ratios"
} >> benches/RESULTS.md
echo "appended to benches/RESULTS.md"
