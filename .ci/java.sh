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

echo "installing openjdk-17-jre-headless (Spark needs Java >= 17)"
start=$(date +%s)
"$(dirname "$0")/apt-install.sh" "java >= 17 (else the spark tests are skipped)" openjdk-17-jre-headless
echo "java $(java_major) installed in $(( $(date +%s) - start )) s"
