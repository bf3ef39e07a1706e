#!/usr/bin/env bash
# Runs the whole test suite on a fresh Debian machine: installs what the tests need (Bun from npm,
# the project's packages, redis-server, Claude Code, the Codex CLI and the Python SDKs the client tests
# drive, tmux, a Java 21+ runtime and Keycloak, Chromium for the console's browser tests, helm and
# kubeconform),
# then `bun test`, and ends with one line "N passed, N failed". Safe to run again: every install
# step skips what is already there. Servers the tests use are started by the tests themselves,
# on 127.0.0.1, and stopped when they finish.
set -uo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }
fail_setup() {
  echo "setup failed: $*" >&2
  echo "0 passed, 1 failed"
  exit 1
}

step "Bun"
if ! command -v bun >/dev/null 2>&1; then
  npm install -g bun >/dev/null 2>&1 || fail_setup "npm install -g bun"
fi
bun --version || fail_setup "bun does not run"

step "packages (bun install --frozen-lockfile)"
bun install --frozen-lockfile || fail_setup "bun install"

step "redis-server"
bash scripts/install-redis.sh || fail_setup "scripts/install-redis.sh"

step "Java 21+ and Keycloak"
bash scripts/install-keycloak.sh || fail_setup "scripts/install-keycloak.sh"

step "real clients: Claude Code and Codex CLIs (npm), anthropic and openai (PyPI)"
bash scripts/install-clients.sh || fail_setup "scripts/install-clients.sh"

step "tmux (drives Claude Code's /login screens)"
bash scripts/install-tmux.sh || fail_setup "scripts/install-tmux.sh"
step "Chromium (Debian) for the console's browser tests"
bash scripts/install-chromium.sh || fail_setup "scripts/install-chromium.sh"

step "helm and kubeconform"
bash scripts/install-chart-tools.sh || fail_setup "scripts/install-chart-tools.sh"

step "bun test"
log=$(mktemp)
bun test --timeout 60000 "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
passed=$(grep -E '^ *[0-9]+ pass$' "$log" | tail -n 1 | grep -oE '[0-9]+' || true)
failed=$(grep -E '^ *[0-9]+ fail$' "$log" | tail -n 1 | grep -oE '[0-9]+' || true)
passed=${passed:-0}
failed=${failed:-0}
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
rm -f "$log"
echo
echo "${passed} passed, ${failed} failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
