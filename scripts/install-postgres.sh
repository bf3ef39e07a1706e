#!/usr/bin/env bash
# Installs PostgreSQL from Debian's packages, for scripts/capture-reference-gateway.ts only: the
# reference implementation of Claude Code's gateway protocol (`claude gateway`) needs it. The test
# suite does not (it compares against the fixtures the capture wrote). The script starts its own
# throwaway server; the system service the package may start is not used.
# Prints PG_BIN=<directory of initdb, pg_ctl, postgres> at the end.
set -euo pipefail

find_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && { echo "$d"; return 0; }
  done
  return 1
}

if ! bin="$(find_bin)"; then
  bash "$(dirname "$0")/apt-install.sh" postgresql
  bin="$(find_bin)" || { echo "error: postgresql installed but initdb not found" >&2; exit 1; }
fi
echo "PG_BIN=$bin"
echo "PG_VERSION=$("$bin/postgres" --version)"
