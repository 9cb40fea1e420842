#!/usr/bin/env bash
# Applications benchmark (issue 13): 100,000 applications over Almaty (benches/make_applications.sql)
# on the benchmark cluster; the monitoring table (a filter and a sort, pages of 50) at 8
# connections; submissions of ready drafts with their overlay report (distinct drafts, one per
# request); tiles of the applications layer against the buildings layer at z10-16, cache off.
# Prints the figures and appends them to benches/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
QALA=$PWD/target/release/qala
source benches/bench_db.sh
LAYERS="$DATA/apps-layers"
mkdir -p "$LAYERS"
# The benchmark layers, the applications layer and the layers services pick sites from.
cp benches/layers/*.toml layers/applications.toml layers/buildings.toml layers/land_fund.toml \
   layers/master_plan.toml layers/utility_networks.toml layers/districts.toml "$LAYERS/"
# The overlay's layers and the KATO boundaries, as the demo has them (once: about 4 minutes), so
# that a submission's overlay does its whole work: district, land fund and master-plan zones,
# networks within the buffer, duplicates nearby.
if [ "$(psql -qtA "$DATABASE_URL" -c "SELECT count(*) FROM kato_boundaries")" = 0 ] ||
   [ "$(psql -qtA "$DATABASE_URL" -c "SELECT to_regclass('features_utility_networks') IS NOT NULL")" != t ]; then
  echo "loading the demo's layers and KATO boundaries into the benchmark database"
  QALA_DEMO_PASSWORD=bench-demo-pass $QALA --layers-dir layers demo-data >/dev/null
fi
L="--layers-dir $LAYERS --services-dir services"
DRAFTS=${DRAFTS:-8000}
$QALA $L layers sync >/dev/null
$QALA $L services sync >/dev/null
if [ "$(psql -qtA "$DATABASE_URL" -c "SELECT count(*) FROM applications WHERE number LIKE 'B-%'")" != 100000 ]; then
  echo "making 100,000 applications"
  psql -q "$DATABASE_URL" -c "DELETE FROM applications" -c "DELETE FROM features WHERE layer_id = 'applications'"
  psql -q "$DATABASE_URL" -f benches/make_applications.sql
fi
# Fresh drafts for each run (the previous run submitted them).
psql -q "$DATABASE_URL" -c "DELETE FROM applications WHERE applicant = 'benchapplicant'"
psql -q "$DATABASE_URL" -v drafts="$DRAFTS" <<'SQL'
INSERT INTO applications (service_id, service_version, applicant, org, status, form, documents, geom, state)
SELECT s.id, s.version, 'benchapplicant', s.provider, 'draft',
       jsonb_build_object('applicant_kind', 'organisation', 'bin', '180240026580', 'applicant_name', 'ТОО Бенч',
                          'phone', '+77011234567', 'address', 'Алматы', 'cadastral_number', '20:311:011:123',
                          'object_kind', 'house', 'water_daily', 2, 'water_peak', 0.5),
       jsonb_build_object('title_deed', jsonb_build_array(jsonb_build_object('id', repeat('a', 64), 'name', 'd.pdf', 'size', 10)),
                          'situation_plan', jsonb_build_array(jsonb_build_object('id', repeat('b', 64), 'name', 'p.pdf', 'size', 10))),
       ST_SetSRID(ST_MakePoint(76.85 + (g % 997) * 0.0002, 43.18 + (g % 691) * 0.0002), 4326),
       jsonb_build_object('applicant', 'benchapplicant', 'org', s.provider, 'status', 'draft', 'tokens', '[]'::jsonb,
                          'done_branches', '{}'::jsonb, 'returned', NULL, 'pauses', '[]'::jsonb, 'submitted_at', NULL,
                          'closed_at', NULL, 'refusal', NULL, 'history', '[]'::jsonb)
FROM generate_series(1, :drafts) g, services s WHERE s.id = 'water_tc' AND s.current;
SQL
read -r FIRST LAST < <(psql -qtA -F' ' "$DATABASE_URL" -c "SELECT min(id), max(id) FROM applications WHERE applicant = 'benchapplicant'")
for u in benchadmin benchapplicant; do
  role=$([ $u = benchadmin ] && echo admin || echo applicant)
  $QALA user add "$u" --role "$role" --password "$u-password-1" >/dev/null 2>&1 || true
done

PORT=18091
$QALA $L serve --bind 127.0.0.1:$PORT --tile-cache-mb 0 --write-rate-per-minute 0 >/tmp/qala-bench-apps.log 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
# API tokens, not Basic credentials: Basic requests are rate-limited per address (6,000 a minute).
bearer() {
  curl -sf -u "$1:$1-password-1" -H 'content-type: application/json' -d '{"name": "bench"}' \
    "http://127.0.0.1:$PORT/api/auth/tokens" | python3 -c 'import json,sys; print("Bearer " + json.load(sys.stdin)["token"])'
}

cat > "$DATA/wrk_table.lua" <<LUA
wrk.headers["Authorization"] = "$(bearer benchadmin)"
local paths = {
  "/api/applications/table?status=in_progress&sort=-due_at&limit=50",
  "/api/applications/table?service=water_tc,heat_tc&sort=submitted_at&limit=50",
  "/api/applications/table?district=751710000&overdue=true&sort=-submitted_at&limit=50",
  "/api/applications/table?executor=reviewer7&sort=due_at&limit=50",
}
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
LUA
table=$(wrk -t2 -c8 -d"$DURATION" --latency -s "$DATA/wrk_table.lua" "http://127.0.0.1:$PORT")
t_rps=$(awk '/Requests\/sec/ {print $2}' <<<"$table"); t_p99=$(awk '$1=="99%" {print $2}' <<<"$table")
t_p50=$(awk '$1=="50%" {print $2}' <<<"$table"); t_bad=$(awk '/Non-2xx/ {print $5}' <<<"$table")

submit=$(FIRST=$FIRST LAST=$LAST AUTH="$(bearer benchapplicant)" wrk -t2 -c8 -d5s --latency -s benches/wrk_submit.lua "http://127.0.0.1:$PORT")
s_p95=$(awk '$1=="90%" {print $2}' <<<"$submit"); s_p99=$(awk '$1=="99%" {print $2}' <<<"$submit")
submitted=$(psql -qtA "$DATABASE_URL" -c "SELECT count(*) FROM applications WHERE applicant = 'benchapplicant' AND status = 'in_progress'")
s_rate=$(python3 -c "print(round($submitted / 5.0, 1))")
over=$(psql -qtA "$DATABASE_URL" -c "SELECT count(*) FROM applications WHERE applicant = 'benchapplicant' AND overlay IS NOT NULL")
# The overlay's own time, as each report records it (overlay.elapsed_ms), over this run's submissions.
read -r o_p50 o_p95 < <(psql -qtA -F' ' "$DATABASE_URL" -c "SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY (overlay->>'elapsed_ms')::float8)::numeric, 1), round(percentile_cont(0.95) WITHIN GROUP (ORDER BY (overlay->>'elapsed_ms')::float8)::numeric, 1) FROM applications WHERE applicant = 'benchapplicant' AND overlay ? 'elapsed_ms'")

# Tiles, cache off: the applications layer against the buildings layer, the same sample.
python3 benches/make_tile_list.py applications 10 16 40 > "$DATA/tiles-apps.txt"
python3 benches/make_tile_list.py bench_buildings 10 16 40 > "$DATA/tiles-build.txt"
tiles() { PATHS=$1 PREFIX=/tiles SUFFIX=.mvt wrk -t2 -c16 -d"$DURATION" --latency -s benches/wrk_paths.lua "http://127.0.0.1:$PORT" | awk '/Requests\/sec/ {print $2}'; }
a_rps=$(tiles "$DATA/tiles-apps.txt"); b_rps=$(tiles "$DATA/tiles-build.txt")

# The browser (issue 14): the monitoring table's first page and the single window after
# navigation, and the applications layer panned on the web map at z10-16 (web/tests/bench-apps.mjs).
web=$(cd web && QALA_URL="http://127.0.0.1:$PORT" QALA_LOGIN=benchadmin QALA_PASSWORD=benchadmin-password-1 node tests/bench-apps.mjs)
w_table=$(sed -n 's/^table: //p' <<<"$web")
w_single=$(sed -n 's/^single window: //p' <<<"$web")
w_map=$(sed -n 's/^map: //p' <<<"$web")

report=$(cat <<MD

## Applications, $(date -u +%Y-%m-%d) on $(nproc) cores, $(free -g | awk '/Mem/{print $2}') GiB

\`make bench-apps\`: 100,000 applications over Almaty (benches/make_applications.sql), PostGIS on the
same machine, release build, tile cache off.

| run | figure | target |
|---|---|---|
| monitoring table, filter + sort, page of 50, 8 connections | ${t_rps} req/s, p50 ${t_p50}, p99 ${t_p99} (non-2xx: ${t_bad:-0}) | p99 <= 50 ms |
| submissions with the overlay report, 8 connections, 5 s | ${s_rate}/s (${submitted} submitted, ${over} with overlay), p90 ${s_p95}, p99 ${s_p99} | >= 200/s |
| the overlay of one submission (its own time, under that load) | p50 ${o_p50} ms, p95 ${o_p95} ms | p95 <= 30 ms |
| tiles z10-16, applications layer (100,000 points) | ${a_rps} tiles/s | as fast as buildings |
| tiles z10-16, buildings layer (300,000 polygons) | ${b_rps} tiles/s | |
| browser: /app/monitor until its first page is drawn (headless Chromium) | ${w_table} | < 1 s |
| browser: /app/services until the catalogue is drawn (phone, cold cache) | ${w_single} | |
| browser: the applications layer panned on the web map, z10-16 | ${w_map} | no blank tiles |
MD
)
echo "$report"
echo "$report" >> benches/RESULTS.md
