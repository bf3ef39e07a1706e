#!/usr/bin/env bash
# Installs Debian's Chromium for the console's browser tests (test/console-browser.test.ts), which
# drive it with puppeteer-core from npm; nothing downloads a browser of its own. Does nothing when
# /usr/bin/chromium is already there.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  echo "chromium already installed: $(/usr/bin/chromium --version 2>/dev/null || echo unknown version)"
  exit 0
fi

bash "$(dirname "$0")/apt-install.sh" chromium fonts-dejavu-core
echo "installed: $(/usr/bin/chromium --version)"
