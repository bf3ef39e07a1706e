#!/usr/bin/env bash
# Installs tmux on a Debian/Ubuntu machine (CI): test/claude-code-sign-in.test.ts drives Claude
# Code's own /login screens in a tmux pane, reading the screen as a developer would. Does nothing
# when tmux is present.
set -euo pipefail

if command -v tmux >/dev/null 2>&1; then
  echo "tmux already installed: $(tmux -V)"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends tmux
echo "installed: $(tmux -V)"
