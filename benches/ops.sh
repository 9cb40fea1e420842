#!/usr/bin/env bash
# Several servers and HTTPS: tiles (bench_buildings, z13-16, 40 per zoom, cache on) and OGC
# features items (first page of 100) through HAProxy (deploy/haproxy.cfg, its addresses replaced)
# over one and two `qala serve` on the same database; then the same tiles over HTTPS and HTTP
# straight to one server (keep-alive, wrk). wrk -t2 -c16 -d$DURATION each, after a 3 s warm-up.
# Prints the figures and appends them to benches/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
QALA=$PWD/target/release/qala
source benches/bench_db.sh
command -v haproxy >/dev/null || { echo "haproxy is missing: scripts/setup.sh installs it"; exit 1; }

LIST=$DATA/tiles-z13-16.txt
[ -f "$LIST" ] || python3 benches/make_tile_list.py bench_buildings 13 16 40 > "$LIST"
echo "/bench_buildings" > "$DATA/ops-items.txt"
FRONT=18100; P1=18101; P2=18102; PTLS=18103
WORK=$(mktemp -d /tmp/qala-bench-ops.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1 -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null

start_qala() { # port, extra args...
  local port=$1; shift
  $QALA $L serve --bind 127.0.0.1:$port --trusted-proxies 127.0.0.1 --tile-cache-mb 512 "$@" \
    >"$WORK/qala-$port.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 300); do grep -q "is serving on" "$WORK/qala-$port.log" && return; sleep 0.1; done
  echo "qala did not start on $port"; cat "$WORK/qala-$port.log"; exit 1
}
start_haproxy() { # servers (host:port)...
  local cfg=$WORK/haproxy.cfg
  sed -e '/log \/dev\/log local0/d' -e "s/bind 127.0.0.1:8080/bind 127.0.0.1:$FRONT/" -e '/^    server /d' \
    deploy/haproxy.cfg > "$cfg"
  local i=0
  for s in "$@"; do i=$((i + 1)); echo "    server qala$i $s check" >> "$cfg"; done
  haproxy -db -f "$cfg" >"$WORK/haproxy.log" 2>&1 &
  HAPROXY=$!
  PIDS+=($HAPROXY)
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$FRONT/healthz" >/dev/null && return; sleep 0.1; done
  echo "haproxy did not start"; cat "$WORK/haproxy.log"; exit 1
}
stop_haproxy() { kill "$HAPROXY"; wait "$HAPROXY" 2>/dev/null || true; }

run() { # label, base, prefix, suffix, list
  local label=$1 base=$2 prefix=$3 suffix=$4 list=$5 out
  PATHS=$list PREFIX=$prefix SUFFIX=$suffix wrk -t2 -c16 -d3s -s benches/wrk_paths.lua "$base" >/dev/null
  out=$(PATHS=$list PREFIX=$prefix SUFFIX=$suffix wrk -t2 -c16 -d"$DURATION" --timeout 60s --latency \
    -s benches/wrk_paths.lua "$base")
  local rps p50 p99 errors
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  errors=$(awk '/Non-2xx|Socket errors/ {sub(/^ +/, ""); printf "%s; ", $0}' <<<"$out")
  printf '| %s | %s | %s | %s | %s |\n' "$label" "$rps" "$p50" "$p99" "${errors:-none}" | tee -a "$WORK/results.md"
}

: > "$WORK/results.md"
echo "| run | req/s | p50 | p99 | errors |"
start_qala $P1
start_qala $P2
ITEMS="/ogc/collections"; ITEMS_SUFFIX="/items?limit=100"
start_haproxy 127.0.0.1:$P1
run "tiles z13-16, haproxy, 1 server" "http://127.0.0.1:$FRONT" /tiles .mvt "$LIST"
run "features items (limit 100), haproxy, 1 server" "http://127.0.0.1:$FRONT" "$ITEMS" "$ITEMS_SUFFIX" "$DATA/ops-items.txt"
stop_haproxy
start_haproxy 127.0.0.1:$P1 127.0.0.1:$P2
run "tiles z13-16, haproxy, 2 servers" "http://127.0.0.1:$FRONT" /tiles .mvt "$LIST"
run "features items (limit 100), haproxy, 2 servers" "http://127.0.0.1:$FRONT" "$ITEMS" "$ITEMS_SUFFIX" "$DATA/ops-items.txt"
stop_haproxy
start_qala $PTLS --tls-cert "$WORK/cert.pem" --tls-key "$WORK/key.pem"
run "tiles z13-16, one server direct, HTTP" "http://127.0.0.1:$P1" /tiles .mvt "$LIST"
run "tiles z13-16, one server direct, HTTPS (TLS 1.3, keep-alive)" "https://127.0.0.1:$PTLS" /tiles .mvt "$LIST"

{
  echo ""
  echo "## Several servers and HTTPS, $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores ($(git rev-parse --short HEAD), \`make bench-ops\`)"
  echo ""
  echo "300,000 buildings of bench-tiles, release build, PostGIS and HAProxy $(haproxy -v | awk 'NR==1{print $3}') on the same"
  echo "machine (deploy/haproxy.cfg), tile cache on (512 MiB per server, warmed 3 s), wrk -t2 -c16 -d$DURATION."
  echo "wrk, HAProxy, the servers and PostgreSQL share the machine's cores: not scaling figures. HTTPS"
  echo "against HTTP counts wrk's TLS as well as Qala's on the same cores (an upper bound of the overhead)."
  echo ""
  echo "| run | req/s | p50 | p99 | errors |"
  echo "|---|---|---|---|---|"
  cat "$WORK/results.md"
} >> benches/RESULTS.md
