#!/usr/bin/env bash
# Installs redis-server, redis-sentinel and redis-cli on a Debian/Ubuntu machine (CI), for the
# quota tests, the soak run and the benchmark, which start their own servers (and Sentinels) on
# 127.0.0.1, and openssl, which makes the certificates of the TLS test. Does nothing when all are
# present. The Debian packages start system services
# on 6379 and 26379 where the machine runs services; the tests do not use them.
set -euo pipefail

if command -v redis-server >/dev/null 2>&1 && command -v redis-sentinel >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1 \
  && command -v openssl >/dev/null 2>&1; then
  echo "redis already installed: $(redis-server --version)"
  exit 0
fi

bash "$(dirname "$0")/apt-install.sh" redis-server redis-sentinel redis-tools openssl

# The tests need `--cluster-port` (Redis 7 or later).
version="$(redis-server --version | sed -n 's/.*v=\([0-9]*\).*/\1/p')"
if [ "${version:-0}" -lt 7 ]; then
  echo "warning: redis-server ${version} is older than 7; the Redis Cluster tests need 7 or later" >&2
fi
echo "installed: $(redis-server --version)"
