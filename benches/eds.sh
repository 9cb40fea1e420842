#!/usr/bin/env bash
# EDS benchmark (issue 15): the verification of one sign-in in process (chain + revocation by a
# cached CRL; examples/eds_verify_bench.rs), and sign-ins over HTTP at 8 connections (challenge,
# CMS, account, session; benches/eds-login.mjs) against `qala serve` whose anchor is a TEST CA
# made by web/tests/test-pki.mjs. Prints the figures and appends them to benches/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
QALA=$PWD/target/release/qala
N=${N:-1000}
DIR=$(scripts/data-dir.sh "/tmp/qala-bench")
$QALA --data-dir "$DIR" db start >/dev/null
BASE=$($QALA --data-dir "$DIR" db url)
psql -qtA "${BASE%/qala}/postgres" -c "DROP DATABASE IF EXISTS bench_eds" >/dev/null
psql -qtA "${BASE%/qala}/postgres" -c "CREATE DATABASE bench_eds" >/dev/null
export DATABASE_URL=${BASE%/qala}/bench_eds
PKI=$(mktemp -d /tmp/qala-bench-pki.XXXXXX)
trap 'rm -rf "$PKI"' EXIT
(cd web && node tests/test-pki.mjs --out "$PKI" >/dev/null)
read -r CA CRL KEY CERT < <(node -e '
  const p = require(process.argv[1]);
  console.log(p.ca, p.crl_dir, p.valid.key, p.valid.cert);' "$PKI/pki.json")

# In process: one CMS verified N times (the first cold), and from 8 tasks.
openssl rand -base64 48 | tr -d '\n' > "$PKI/challenge"
openssl cms -sign -binary -nodetach -md sha256 -in "$PKI/challenge" -signer "$CERT" -inkey "$KEY" \
  -outform DER -out "$PKI/login.cms"
VERIFY=$(target/release/examples/eds_verify_bench "$CA" "$CRL" "$PKI/login.cms" "$((N * 4))")
echo "in process: $VERIFY"

# Over HTTP.
PORT=18093
$QALA --services-dir "$PKI" serve --bind 127.0.0.1:$PORT --eds-roots "$CA" --eds-crl-dir "$CRL" \
  --eds-no-crl-fetch >/tmp/qala-bench-eds.log 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$PKI"' EXIT
for _ in $(seq 300); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
LOGIN=$(node benches/eds-login.mjs "http://127.0.0.1:$PORT" "$KEY" "$CERT" "$N" 8)
echo "over HTTP: $LOGIN"

{
  echo
  echo "## EDS sign-in ($(date -u +%Y-%m-%dT%H:%MZ), $(git rev-parse --short HEAD), \`make bench-eds\`)"
  echo
  echo "RSA 2048 / SHA-256 attached CMS from a test CA in NCA's profile, revocation by the CA's CRL (cached after the first check), release build, this 2-core machine."
  echo
  echo "- verification in process (\`Verifier::verify\`: CMS, signature, chain, validity, key usage, revocation): \`$VERIFY\`"
  echo "- sign-ins over HTTP, 8 connections (challenge taken, CMS verified, account, session): \`$LOGIN\`"
} >> benches/RESULTS.md
