#!/usr/bin/env bash
# Install Debian packages quietly, as root or through sudo: `.ci/apt-install.sh WHY PACKAGE...`.
# Used by java.sh and bench-deps.sh; fails with WHY when neither root nor sudo is available.
set -euo pipefail
why="$1"; shift
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "$why missing and not root (no sudo): apt-get install -y $*" >&2
    exit 1
  fi
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
