"""Check the FOCUS export against the FinOps Foundation's ``focus-validator``.

The validator (``focus-validator`` 2.x, Python >= 3.12) lives in its own venv, ``.venv-focus``,
installed by ``.ci/focus-validator.sh``. This module exports the ``focus_cost_and_usage`` mart from a
DuckDB warehouse to CSV in FOCUS formats (UTC ``YYYY-MM-DDTHH:MM:SSZ`` date-times, plain decimals,
NULL as an empty field), runs the validator offline against the bundled FOCUS 1.2 rules, and gates on
its JUnit XML report: the validator itself exits 0 even when rules fail.

A rule that fails while an alternative of an OR-composite rule passed is not a failure (e.g.
``InvoiceId`` MUST be null when there is no invoice *or* MUST NOT be null when there is one: exactly
one of the two leaves always fails). Such rules are reported as ``waived``.

Run: ``python -m ingestion.focus_validator --db warehouse/ccfinops.duckdb --out reports/focus``
(exit status 1 when a rule fails).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ingestion import warehouse as _warehouse
from ingestion.warehouse import REPO_ROOT, resolve_db_path

FOCUS_RELATION = "focus_cost_and_usage"
FOCUS_VERSION = "1.2"
# What the CCaaS data supports (see --show-applicability-criteria): named billing accounts
# (org / tenant), sub accounts (division / business unit), measured usage (minutes,
# evaluations), unit prices from the rate cards, and tags (cost center, queue, campaign).
APPLICABILITY_CRITERIA: tuple[str, ...] = (
    "ACCOUNT_NAMING_SUPPORTED",
    "SUB_ACCOUNT_SUPPORTED",
    "USAGE_MEASUREMENT_SUPPORTED",
    "UNIT_PRICING_SUPPORTED",
    "TAGGING_SUPPORTED",
)
DEFAULT_TIMEOUT_SECONDS = 600


class FocusValidatorError(RuntimeError):
    """The validator could not be run or produced no usable report."""


class FocusValidatorMissing(FocusValidatorError):
    """The validator venv is not installed (run ``.ci/focus-validator.sh``)."""


@dataclass(frozen=True)
class RuleResult:
    """One rule outcome from the JUnit report."""

    rule_id: str
    check: str
    status: str  # passed | failed | error | skipped
    message: str = ""


@dataclass(frozen=True)
class FocusValidation:
    """Outcome of one validator run."""

    rows: int
    data_file: Path
    report_file: Path
    results: tuple[RuleResult, ...]
    failures: tuple[RuleResult, ...]
    waived: tuple[RuleResult, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """True when no rule failed (waived OR-alternatives excluded)."""
        return not self.failures

    def count(self, status: str) -> int:
        """Number of rules with this status."""
        return sum(1 for r in self.results if r.status == status)

    def summary(self) -> str:
        """One line for logs and reports."""
        return (
            f"FOCUS {FOCUS_VERSION}: {self.rows} rows, {len(self.results)} rules: "
            f"{self.count('passed')} passed, {len(self.failures)} failed, "
            f"{len(self.waived)} waived (OR alternative passed), {self.count('skipped')} skipped"
        )


# ----------------------------------------------------------------------------- locating the tool


def validator_venv(venv: Path | None = None) -> Path:
    """The validator venv: ``venv``, else ``$CCFINOPS_FOCUS_VENV``, else ``<repo>/.venv-focus``."""
    raw = venv or os.environ.get("CCFINOPS_FOCUS_VENV") or ".venv-focus"
    path = Path(raw)
    return path if path.is_absolute() else REPO_ROOT / path


def find_validator(venv: Path | None = None) -> tuple[Path, Path]:
    """Return ``(executable, site_packages)`` of the installed validator or raise FocusValidatorMissing."""
    root = validator_venv(venv)
    exe = root / "bin" / "focus-validator"
    packages = sorted(root.glob("lib/python3*/site-packages/focus_validator"))
    if not exe.exists() or not packages:
        raise FocusValidatorMissing(
            f"focus-validator is not installed in {root}; run .ci/focus-validator.sh (needs Python 3.12)"
        )
    return exe, packages[-1].parent


def _rules_model(site_packages: Path, version: str) -> dict:
    """The FOCUS requirements model the validator bundles for ``version``."""
    rules_dir = site_packages / "focus_validator" / "rules"
    candidates = sorted(rules_dir.glob(f"model-{version}*.json"))
    if not candidates:
        raise FocusValidatorError(f"no bundled rules model for FOCUS {version} in {rules_dir}")
    return json.loads(candidates[-1].read_text())


# ----------------------------------------------------------------------------- export


def _find_relation(con, relation: str, schema: str | None) -> str:
    """Fully qualified name of ``relation`` (the dbt target schema, wherever it is)."""
    rows = con.execute(
        "select table_schema from information_schema.tables where table_name = ? order by table_schema",
        [relation],
    ).fetchall()
    schemas = [r[0] for r in rows]
    if schema is not None:
        schemas = [s for s in schemas if s == schema]
    if not schemas:
        where = f"schema {schema!r}" if schema else "any schema"
        raise FocusValidatorError(f"table {relation!r} not found in {where}; run `ccfinops build` first")
    if len(schemas) > 1:
        preferred = [s for s in schemas if s == "analytics"]
        if not preferred:
            raise FocusValidatorError(f"table {relation!r} exists in several schemas {schemas}; pass schema")
        schemas = preferred
    return f'"{schemas[0]}"."{relation}"'


def _formatted_column(name: str, data_type: str) -> str:
    """SELECT expression writing one column in FOCUS text formats."""
    quoted = '"' + name.replace('"', '""') + '"'
    upper = data_type.upper()
    if upper.startswith("TIMESTAMP WITH TIME ZONE") or upper == "TIMESTAMPTZ":
        return f"strftime({quoted} at time zone 'UTC', '%Y-%m-%dT%H:%M:%SZ') as {quoted}"
    if upper.startswith("TIMESTAMP") or upper == "DATE":
        return f"strftime(cast({quoted} as timestamp), '%Y-%m-%dT%H:%M:%SZ') as {quoted}"
    if upper == "BOOLEAN":
        return f"case when {quoted} then 'true' when not {quoted} then 'false' end as {quoted}"
    if upper.startswith(("DECIMAL", "NUMERIC", "HUGEINT", "BIGINT", "INTEGER")):
        return f"cast({quoted} as varchar) as {quoted}"
    return quoted


def export_focus_csv(
    db_path: str | os.PathLike[str],
    out_file: str | os.PathLike[str],
    *,
    relation: str = FOCUS_RELATION,
    schema: str | None = None,
) -> int:
    """Write the FOCUS mart of a DuckDB warehouse to ``out_file`` as CSV; return the row count.

    The file is written to a temporary name and renamed, so a failed export leaves nothing behind.
    """

    db = Path(db_path)
    if not db.exists():
        raise FocusValidatorError(f"warehouse {db} does not exist")
    out = Path(out_file)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    con = _warehouse.connect(str(db), read_only=True)
    try:
        qualified = _find_relation(con, relation, schema)
        table_schema = qualified.split(".")[0].strip('"')
        columns = con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = ? and table_name = ? order by ordinal_position",
            [table_schema, relation],
        ).fetchall()
        select_list = ",\n    ".join(_formatted_column(n, t) for n, t in columns)
        order_by = ", ".join(
            f'"{c}"'
            for c in ("BillingPeriodStart", "ChargePeriodStart", "x_ChargeId")
            if c in {n for n, _ in columns}
        )
        query = f"select\n    {select_list}\nfrom {qualified}"
        if order_by:
            query += f"\norder by {order_by}"
        path_literal = str(tmp).replace("'", "''")
        con.execute(f"copy ({query}) to '{path_literal}' (format csv, header true)")
        rows = con.execute(f"select count(*) from {qualified}").fetchone()[0]
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        con.close()
    tmp.replace(out)
    return int(rows)


# ----------------------------------------------------------------------------- running + parsing


def _or_alternatives(model: dict) -> dict[str, set[str]]:
    """Map rule id -> OR-composite rules that list it as one alternative."""
    parents: dict[str, set[str]] = {}

    def walk(owner: str, node: object) -> None:
        if not isinstance(node, dict):
            return
        items = node.get("Items") or []
        if node.get("CheckFunction") == "OR":
            for item in items:
                if isinstance(item, dict) and item.get("CheckFunction") == "CheckModelRule":
                    parents.setdefault(item["ModelRuleId"], set()).add(owner)
        for item in items:
            walk(owner, item)

    for rule_id, rule in model.get("ModelRules", {}).items():
        criteria = rule.get("ValidationCriteria") or {}
        walk(rule_id, criteria.get("Requirement"))
    return parents


RuleLists = tuple[list[RuleResult], list[RuleResult], list[RuleResult]]


def parse_junit(report_file: Path, model: dict | None = None) -> RuleLists:
    """Parse the validator's JUnit XML into ``(results, failures, waived)``."""
    try:
        tree = ET.parse(report_file)
    except (ET.ParseError, OSError) as exc:
        raise FocusValidatorError(f"cannot read validator report {report_file}: {exc}") from exc
    results: list[RuleResult] = []
    for case in tree.iter("testcase"):
        name = case.get("name", "")
        rule_id, _, check = name.partition(" :: ")
        status, message = "passed", ""
        for child in case:
            if child.tag in ("failure", "error", "skipped"):
                status = {"failure": "failed", "error": "error", "skipped": "skipped"}[child.tag]
                message = child.get("message") or (child.text or "")
                break
        results.append(RuleResult(rule_id.strip(), check.strip(), status, message))
    if not results:
        raise FocusValidatorError(f"validator report {report_file} lists no rules")
    passed = {r.rule_id for r in results if r.status == "passed"}
    alternatives = _or_alternatives(model or {})

    def waived(rule_id: str) -> bool:
        return any(parent in passed for parent in alternatives.get(rule_id, ()))

    bad = [r for r in results if r.status in ("failed", "error")]
    failures = [r for r in bad if not waived(r.rule_id)]
    waived_list = [r for r in bad if waived(r.rule_id)]
    return results, failures, waived_list


def run_focus_validator(
    data_file: str | os.PathLike[str],
    report_file: str | os.PathLike[str],
    *,
    rows: int | None = None,
    venv: Path | None = None,
    version: str = FOCUS_VERSION,
    applicability_criteria: Sequence[str] = APPLICABILITY_CRITERIA,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
) -> FocusValidation:
    """Run ``focus-validator`` offline on a CSV/Parquet file and gate on its JUnit report."""
    exe, site_packages = find_validator(venv)
    data = Path(data_file).resolve()
    report = Path(report_file).resolve()
    report.parent.mkdir(parents=True, exist_ok=True)
    report.unlink(missing_ok=True)
    cmd = [
        str(exe),
        "--data-file",
        str(data),
        "--block-download",
        "--validate-version",
        version,
        "--output-type",
        "unittest",
        "--output-destination",
        str(report),
    ]
    if applicability_criteria:
        cmd += ["--applicability-criteria", ",".join(applicability_criteria)]
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    # v2.2.1 opens its currency list by a path relative to the working directory: run it from
    # its site-packages folder.
    try:
        proc = subprocess.run(
            cmd, cwd=site_packages, env=env, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise FocusValidatorError(f"focus-validator did not finish within {timeout:.0f} s") from exc
    if proc.returncode != 0 or not report.exists():
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-15:])
        raise FocusValidatorError(f"focus-validator failed (exit {proc.returncode}) on {data}:\n{tail}")
    model = _rules_model(site_packages, version)
    results, failures, waived_list = parse_junit(report, model)
    return FocusValidation(
        rows=rows if rows is not None else _count_data_rows(data),
        data_file=data,
        report_file=report,
        results=tuple(results),
        failures=tuple(failures),
        waived=tuple(waived_list),
    )


def _count_data_rows(data: Path) -> int:
    if data.suffix.lower() != ".csv":
        return -1
    with data.open("rb") as fh:
        return max(sum(1 for _ in fh) - 1, 0)


def validate_warehouse(
    db_path: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    schema: str | None = None,
    venv: Path | None = None,
) -> FocusValidation:
    """Export ``focus_cost_and_usage`` from the warehouse to ``out_dir`` and validate it."""
    out = Path(out_dir)
    find_validator(venv)  # fail before exporting when the tool is missing
    data = out / f"{FOCUS_RELATION}.csv"
    rows = export_focus_csv(db_path, data, schema=schema)
    if rows == 0:
        raise FocusValidatorError(f"{FOCUS_RELATION} is empty in {db_path}: nothing to validate")
    return run_focus_validator(data, out / "focus-validator-junit.xml", rows=rows, venv=venv)


def main(argv: Sequence[str] | None = None) -> int:
    """CLI: validate a warehouse's FOCUS export; exit 1 on any failed rule."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="DuckDB warehouse (default: $CCFINOPS_DB, ./warehouse/ccfinops.duckdb)")
    parser.add_argument("--out", default="reports/focus", help="folder for the CSV and the JUnit report")
    parser.add_argument("--schema", default=None, help="schema holding the mart (default: found)")
    args = parser.parse_args(argv)
    try:
        result = validate_warehouse(resolve_db_path(args.db), args.out, schema=args.schema)
    except FocusValidatorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(result.summary())
    for failure in result.failures:
        print(f"FAILED {failure.rule_id} ({failure.check}): {failure.message}")
    print(f"report: {result.report_file}")
    return 0 if result.ok else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
