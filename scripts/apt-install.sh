#!/usr/bin/env bash
# Installs Debian packages non-interactively, without recommended extras, through sudo when not
# root: the one place the install scripts reach apt. Its output goes to stderr, so that scripts
# whose stdout is read (install-postgres.sh prints paths) stay clean.
#   bash scripts/apt-install.sh PACKAGE...
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q >&2
$SUDO apt-get install -y -q --no-install-recommends "$@" >&2
