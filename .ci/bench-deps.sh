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
echo "installing wrk"
.ci/apt-install.sh wrk wrk
echo "wrk installed: $(command -v wrk)"
