# Sourced by the benchmarks: Qala's benchmark cluster (/tmp/qala-bench) and its database
# bench_tiles with 300,000 building polygons (bench_buildings), 40,000 street lines and 100,000
# address points, made once and reused. Sets DATA, DURATION, DIR, BASE, DATABASE_URL and L.
DATA=benches/data
DURATION=${DURATION:-10s}
mkdir -p "$DATA"
DIR=$(scripts/data-dir.sh "/tmp/qala-bench")
$QALA --data-dir "$DIR" db start >/dev/null
BASE=$($QALA --data-dir "$DIR" db url)
export DATABASE_URL=${BASE%/qala}/bench_tiles
L="--layers-dir benches/layers"
# The benchmark layers are not the ones the service files of services/ pick sites from: the
# benchmarks offer no services (bench-apps sets its own).
export QALA_SERVICES_DIR="$DATA/no-services"

if ! psql -qtA "${BASE%/qala}/postgres" -c "SELECT 1 FROM pg_database WHERE datname = 'bench_tiles'" | grep -q 1; then
  psql -q "${BASE%/qala}/postgres" -c "CREATE DATABASE bench_tiles"
  [ -f "$DATA/buildings.gpkg" ] || { python3 benches/make_buildings.py "$DATA/buildings.csv" 300000 &&
    ogr2ogr -f GPKG "$DATA/buildings.gpkg" "$DATA/buildings.csv" -nln buildings -a_srs EPSG:4326 \
      -oo GEOM_POSSIBLE_NAMES=wkt -oo KEEP_GEOM_COLUMNS=NO -oo AUTODETECT_TYPE=YES -nlt POLYGON && rm "$DATA/buildings.csv"; }
  python3 benches/make_tiles_data.py "$DATA/streets.csv" "$DATA/addresses.csv"
  $QALA $L ingest "$DATA/buildings.gpkg" --layer bench_buildings --key id --report /tmp/qala-bt1.json
  $QALA $L ingest "$DATA/streets.csv" --layer bench_streets --key id --report /tmp/qala-bt2.json
  $QALA $L ingest "$DATA/addresses.csv" --layer bench_addresses --key id --report /tmp/qala-bt3.json
  psql -q "$DATABASE_URL" -c "ANALYZE features"
fi
