#!/usr/bin/env bash
# What `make bench` needs beyond the Python venv, on a fresh Debian/Ubuntu machine: wrk (the
# guardrail receiver's load generator) and Java >= 17 (the Spark build in benchmarks/transform.py).
# Installs only what is missing (needs root or sudo for apt). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
.ci/java.sh
if command -v wrk >/dev/null 2>&1; then
  echo "wrk already installed ($(command -v wrk))"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "wrk missing and not root (no sudo): apt-get install -y wrk" >&2
    exit 1
  fi
fi
echo "installing wrk"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends wrk >/dev/null
echo "wrk installed: $(command -v wrk)"
