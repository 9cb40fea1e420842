#!/usr/bin/env bash
# Prints a data directory for Qala's own PostgreSQL cluster: the wanted one ($1) when the
# `postgres` user can reach it (needed when running as root), otherwise one under /var/lib/qala.
set -euo pipefail
want=$1
mkdir -p "$want"
if [ "$(id -u)" != 0 ] || runuser -u postgres -- test -x "$want" 2>/dev/null; then
  echo "$want"
else
  alt=/var/lib/qala/$(echo "$want" | md5sum | cut -c1-12)
  mkdir -p "$alt"
  echo "$alt"
fi
