#!/usr/bin/env bash
# Installs tmux on a Debian/Ubuntu machine (CI): test/claude-code-sign-in.test.ts drives Claude
# Code's own /login screens in a tmux pane, reading the screen as a developer would. Does nothing
# when tmux is present.
set -euo pipefail

if command -v tmux >/dev/null 2>&1; then
  echo "tmux already installed: $(tmux -V)"
  exit 0
fi

bash "$(dirname "$0")/apt-install.sh" tmux
echo "installed: $(tmux -V)"
