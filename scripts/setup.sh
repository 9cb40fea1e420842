#!/usr/bin/env bash
# Installs what Qala needs on Debian 12 and nothing when all is there. Idempotent.
# Uses sudo when not root. Rust itself comes from rustup (Debian's cargo is too old).
set -euo pipefail

packages=(
  postgresql-15 postgresql-15-postgis-3   # the database Qala runs itself (pg_trgm, btree_gist included)
  libgdal-dev gdal-bin                     # ingest, reprojection; ogr2ogr and ogrinfo for tests
  libsqlite3-dev                           # MBTiles export, linked to the same SQLite as GDAL
  libfreetype-dev fonts-dejavu-core        # fonts for labels and PDFs
  pkg-config build-essential               # building the gdal-sys crate
  chromium                                 # the web map's browser tests (Playwright drives it)
  python3 python3-venv                     # test venv: OWSLib (OGC API client), schemathesis (API tester)
  poppler-utils zbar-tools                 # PDF checks in tests: pdftotext, pdffonts, pdftoppm, zbarimg
  openssl                                  # EDS tests: test CAs, CRLs, OCSP responder, CMS signatures
  unzip                                    # XLSX read back in tests (tests/usage_report.rs)
  haproxy                                  # several qala serve behind one address (deploy/, tests/multi_server.rs)
  python3-qgis                             # QGIS 3.22 headless as a WMS/WMTS client (tests/ogc_clients.rs)
  ca-certificates curl
)
# Node.js 20+ builds the web map (web/, Vite). Debian 12's own nodejs is 18: when no node 20+ is on
# PATH, NodeSource's Debian packages are used.
node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
need_node=0
if [ "$(node_major)" -lt 20 ]; then need_node=1; fi
if [ "${QALA_SETUP_BENCH:-0}" = 1 ]; then
  packages+=(wrk hyperfine time)
  # bench-raster's peer: MapServer 8 (mapserv is in mapserver-bin) under FastCGI behind nginx.
  packages+=(mapserver-bin cgi-mapserver spawn-fcgi nginx-light)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "setup: Debian packages present"
fi

if [ "$need_node" = 1 ]; then
  echo "setup: installing Node.js 20 (NodeSource)"
  as_root apt-get install -y -qq --no-install-recommends ca-certificates curl gnupg
  curl -fsSL https://deb.nodesource.com/setup_20.x | as_root bash -
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs
fi

# Debian starts a system cluster on 5432 when postgresql-15 is installed; Qala does not use it.

if ! command -v cargo >/dev/null 2>&1; then
  if [ -x "$HOME/.cargo/bin/cargo" ]; then
    echo "setup: cargo is in $HOME/.cargo/bin; add it to PATH"
  else
    echo "setup: installing Rust with rustup"
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal --component clippy,rustfmt
  fi
fi
