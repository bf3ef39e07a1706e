#!/usr/bin/env bash
# Installs redis-server and redis-cli on a Debian/Ubuntu machine (CI), for the quota tests and
# benchmark, which start their own servers on 127.0.0.1. Does nothing when both are present.
# The Debian package starts a system service on 6379; the tests do not use it.
set -euo pipefail

if command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1; then
  echo "redis already installed: $(redis-server --version)"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends redis-server redis-tools

# The tests need `--cluster-port` (Redis 7 or later).
version="$(redis-server --version | sed -n 's/.*v=\([0-9]*\).*/\1/p')"
if [ "${version:-0}" -lt 7 ]; then
  echo "warning: redis-server ${version} is older than 7; the Redis Cluster tests need 7 or later" >&2
fi
echo "installed: $(redis-server --version)"
