#!/usr/bin/env bash
# Make sure a Java runtime >= 17 is on PATH (Apache Spark 4, used by the dbt `spark` target and its
# tests, runs in a JVM). Installs Debian's openjdk-17-jre-headless when java is missing or older
# (needs root or sudo; ~1 min on a fresh Debian 12 machine). Idempotent.
set -euo pipefail

java_major() {
  java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1
}

if command -v java >/dev/null 2>&1 && [ "$(java_major)" -ge 17 ] 2>/dev/null; then
  echo "java $(java_major) already installed ($(command -v java))"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "java >= 17 missing and not root (no sudo): install openjdk-17-jre-headless, or the spark tests are skipped" >&2
    exit 1
  fi
fi
echo "installing openjdk-17-jre-headless (Spark needs Java >= 17)"
start=$(date +%s)
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless >/dev/null
echo "java $(java_major) installed in $(( $(date +%s) - start )) s"
