#!/usr/bin/env bash
# One command for the benchmarks of issue 8: installs what is missing (idempotent), then runs
# bench/run.ts, which starts the fake upstream, the gateway and the baselines on 127.0.0.1, runs the
# scenarios with bounded durations, stops everything and writes bench/RESULTS.md, bench/results.json
# and bench/results.png.
#
#   bash bench/run.sh                 # everything (about 10 minutes)
#   BENCH_SECONDS=3 BENCH_REQUESTS=20000 bash bench/run.sh      # a quick pass
#   BENCH_SKIP=litellm,ccr bash bench/run.sh                    # leave baselines out
#
# Installs: wrk, nginx, redis-server (Debian packages); Portkey's gateway and claude-code-router
# (npm, into .cache/bench/baselines from bench/baselines/package.json); LiteLLM and matplotlib
# (PyPI, into the venv .cache/bench/venv from bench/requirements.txt). A baseline that fails to
# install is skipped, with the reason in RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CACHE=$ROOT/.cache/bench
mkdir -p "$CACHE"
say() { printf '[bench setup] %s\n' "$*" >&2; }

command -v bun >/dev/null || { say "bun is required (npm install -g bun)"; exit 1; }
[ -d node_modules/elysia ] || bun install --frozen-lockfile

missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v nginx >/dev/null || missing+=(nginx-light)
command -v redis-server >/dev/null || missing+=(redis-server)
if [ ${#missing[@]} -gt 0 ]; then
  say "apt-get install ${missing[*]}"
  SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # the nginx package may start a system service: this benchmark runs its own nginx, stop that one
  if command -v systemctl >/dev/null && systemctl is-active --quiet nginx 2>/dev/null; then $SUDO systemctl stop nginx || true; fi
fi
command -v wrk >/dev/null || { say "wrk is required"; exit 1; }

# npm baselines, in their own directory (never the project's package.json)
BL=$CACHE/baselines
if ! cmp -s bench/baselines/package.json "$BL/package.json" || [ ! -d "$BL/node_modules/@portkey-ai/gateway" ]; then
  say "npm install baselines into $BL"
  mkdir -p "$BL"
  cp bench/baselines/package.json "$BL/package.json"
  (cd "$BL" && npm install --no-audit --no-fund --loglevel=error >/dev/null) || say "npm install failed: Portkey and claude-code-router will be skipped"
fi
if ! command -v node >/dev/null; then say "node not found: Portkey and claude-code-router will be skipped"; export BENCH_SKIP="${BENCH_SKIP:+$BENCH_SKIP,}portkey,ccr"; fi

# Python venv: LiteLLM and matplotlib
VENV=$CACHE/venv
if ! cmp -s bench/requirements.txt "$VENV/requirements.txt" 2>/dev/null; then
  say "pip install -r bench/requirements.txt into $VENV"
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
  if "$VENV/bin/pip" install -q -r bench/requirements.txt; then cp bench/requirements.txt "$VENV/requirements.txt"; else say "pip install failed: LiteLLM may be skipped"; fi
fi
[ -x "$VENV/bin/litellm" ] || export BENCH_SKIP="${BENCH_SKIP:+$BENCH_SKIP,}litellm"

exec bun bench/run.ts
