#!/usr/bin/env bash
# dbt-project-evaluator 1.3.2 (+ dbt-utils 1.4.1) on a copy of this dbt project, packages kept outside the repo.
# usage: dbt_project/evaluator/run.sh PACKAGES_DIR
#   PACKAGES_DIR holds git checkouts `dbt_project_evaluator` (tag v1.3.2) and `dbt_utils` (tag 1.4.1);
#   the evaluator's own packages.yml is emptied there (dbt Hub is unreachable). Needs `dbt` on PATH.
set -euo pipefail
PKGS=$(cd "${1:?usage: run.sh PACKAGES_DIR}" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cp -a "$SRC"/. "$WORK"/ && rm -rf "$WORK/target" "$WORK/dbt_packages" "$WORK/logs"
printf 'packages: []\n' > "$PKGS/dbt_project_evaluator/packages.yml"
printf 'packages:\n  - local: %s\n  - local: %s\n' "$PKGS/dbt_utils" "$PKGS/dbt_project_evaluator" > "$WORK/packages.yml"
mkdir -p "$WORK/seeds/evaluator" && cp "$SRC/evaluator/dbt_project_evaluator_exceptions.csv" "$WORK/seeds/evaluator/"
cat >> "$WORK/dbt_project.yml" <<'YML'

seeds:
  dbt_project_evaluator:
    dbt_project_evaluator_exceptions:
      +enabled: false
  ccfinops:
    evaluator:
      +column_types: {fct_name: varchar, column_name: varchar, id_to_exclude: varchar, comment: varchar}
YML
cd "$WORK"
export CCFINOPS_DB="$WORK/evaluator.duckdb" DBT_SEND_ANONYMOUS_USAGE_STATS=false
dbt deps --profiles-dir . >/dev/null
dbt seed --profiles-dir . --select dbt_project_evaluator_exceptions >/dev/null
dbt build --profiles-dir . --threads 1 --select package:dbt_project_evaluator | grep -vF '[WARNING]'
