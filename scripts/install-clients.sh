#!/usr/bin/env bash
# Installs the real clients that test/claude-code.test.ts, test/codex.test.ts and
# test/sdk-python.test.ts drive, into ./.cache/clients (never globally):
#   - Claude Code from the npm package @anthropic-ai/claude-code (the registry package ships its
#     native binary, so nothing else is downloaded): .cache/clients/node_modules/.bin/claude
#   - the Codex CLI from the npm package @openai/codex (its Linux binary ships in the package's
#     optional dependency, nothing else is downloaded): .cache/clients/node_modules/.bin/codex
#   - the PyPI packages `anthropic` and `openai` in a venv: .cache/clients/venv/bin/python
# Versions are pinned so that a new client release cannot change a test run unannounced; raise them
# here (or override with CLAUDE_CODE_VERSION, CODEX_VERSION, PY_ANTHROPIC_VERSION, PY_OPENAI_VERSION).
# Safe to run again: each step is skipped when the pinned version is already there and runs.
# CLIENTS_DIR overrides the target folder.
set -euo pipefail
cd "$(dirname "$0")/.."

CLAUDE_CODE_VERSION="${CLAUDE_CODE_VERSION:-2.1.332}"
CODEX_VERSION="${CODEX_VERSION:-0.171.0}"
PY_ANTHROPIC_VERSION="${PY_ANTHROPIC_VERSION:-2.14.0}"
PY_OPENAI_VERSION="${PY_OPENAI_VERSION:-3.57.0}"

dir="${CLIENTS_DIR:-.cache/clients}"
mkdir -p "$dir"

# --- Claude Code and Codex (npm) ---
# install_npm_client PACKAGE VERSION BIN: skipped when BIN reports VERSION. --prefix keeps the
# clients out of the project's package.json; a stub package.json there keeps npm from walking up to
# the project's.
install_npm_client() {
  local package="$1" version="$2" bin="$dir/node_modules/.bin/$3"
  if [ -x "$bin" ] && "$bin" --version 2>/dev/null | grep -qE "(^| )${version//./\\.}( |$)"; then
    echo "$3 already installed: $("$bin" --version)"
    return
  fi
  if ! command -v npm >/dev/null 2>&1; then
    echo "npm is required to install $package" >&2
    exit 1
  fi
  [ -f "$dir/package.json" ] || echo '{"name":"llm-gateway-test-clients","private":true}' >"$dir/package.json"
  local start
  start=$(date +%s)
  npm install --prefix "$dir" --no-audit --no-fund --loglevel=error "${package}@${version}"
  echo "installed $3 $("$bin" --version) in $(($(date +%s) - start)) s"
}
install_npm_client @anthropic-ai/claude-code "$CLAUDE_CODE_VERSION" claude
install_npm_client @openai/codex "$CODEX_VERSION" codex

# --- anthropic and openai (PyPI) in a venv ---
venv="$dir/venv"
py="$venv/bin/python"
versions='import anthropic, openai; print(f"anthropic=={anthropic.__version__} openai=={openai.__version__}")'
want="anthropic==${PY_ANTHROPIC_VERSION} openai==${PY_OPENAI_VERSION}"
if [ -x "$py" ] && [ "$("$py" -c "$versions" 2>/dev/null)" = "$want" ]; then
  echo "python clients already installed: $want"
else
  if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' >/dev/null 2>&1; then
    bash scripts/apt-install.sh python3-venv
  fi
  start=$(date +%s)
  [ -x "$py" ] || python3 -m venv "$venv"
  "$py" -m pip install --quiet --disable-pip-version-check $want
  echo "installed $("$py" -c "$versions") in $(($(date +%s) - start)) s"
fi
