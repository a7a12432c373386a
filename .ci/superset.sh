#!/usr/bin/env bash
# Install Apache Superset into its own Python 3.11 venv (.venv-superset) for the BI end-to-end test.
# Superset pins many libraries the project also uses (Flask, SQLAlchemy, pandas...), hence the separate venv.
# Pins measured 2026-12 (shared stack notes, "BI clients"): the 6.1.0 package misses `rich` and `cachetools`;
# flask-caching 2.5.1 breaks app start (2.3.1 works); apache-superset[duckdb] pins duckdb<2, so the DuckDB
# driver is installed explicitly.
# Idempotent: a venv whose superset already imports with the DuckDB driver is left as it is.
# Usage: .ci/superset.sh            (venv path from CCFINOPS_SUPERSET_VENV, default .venv-superset)
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${CCFINOPS_SUPERSET_VENV:-.venv-superset}"
SPEC="${CCFINOPS_SUPERSET_SPEC:-apache-superset==6.1.0}"
EXTRA=(rich cachetools "flask-caching==2.3.1" "duckdb-engine==0.17.0" "duckdb==2.0.1" gunicorn)

smoke() {
  "$VENV/bin/python" -c "import superset, duckdb_engine, duckdb, gunicorn" >/dev/null 2>&1 \
    && [ -x "$VENV/bin/superset" ]
}

if smoke; then
  echo "superset already installed in $VENV ($("$VENV/bin/pip" show apache-superset 2>/dev/null | sed -n 's/^Version: //p'))"
  exit 0
fi

start=$(date +%s)
rm -rf "$VENV"
echo "creating $VENV (Python 3.11)" >&2
python3.11 -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
echo "installing $SPEC ${EXTRA[*]}" >&2
"$VENV/bin/python" -m pip install -q "$SPEC" "${EXTRA[@]}" 2>&1 | grep -v "^WARNING: Location" >&2 || true
if ! smoke; then
  echo "superset in $VENV does not import with duckdb-engine" >&2
  exit 1
fi
echo "superset $("$VENV/bin/pip" show apache-superset | sed -n 's/^Version: //p') installed in $VENV in $(( $(date +%s) - start )) s"
