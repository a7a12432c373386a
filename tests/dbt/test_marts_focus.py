"""focus_cost_and_usage against the FinOps Foundation's focus-validator (FOCUS 1.2).

Needs the validator venv made by ``.ci/focus-validator.sh`` (``.ci/run`` calls it first); the
tests are skipped, with that reason, only when the venv is missing.
"""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from ingestion.focus_validator import (
    FocusValidatorMissing,
    export_focus_csv,
    find_validator,
    run_focus_validator,
    validate_warehouse,
)
from simulator.synthetic_raw import write_synthetic_raw
from tests.dbt.conftest import build_marts, query, template_copy


def _validator_or_skip() -> None:
    try:
        find_validator()
    except FocusValidatorMissing as exc:
        pytest.skip(f"{exc} (the FOCUS conformance gate needs it)")


@pytest.fixture(scope="module")
def focus_warehouse(registry_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """1 500 synthetic conversations (both platforms, all attribution paths) over 10 days, built."""
    db = template_copy(registry_template, tmp_path_factory, "focus")
    write_synthetic_raw(
        db, 1500, start=dt.datetime(2026, 9, 27, tzinfo=dt.UTC), days=10, seed=5, load_registries=False
    )
    build_marts(db)
    return db


def test_focus_rows_conserve_every_cost(focus_warehouse: Path) -> None:
    (billed, usage_rows, pool_rows) = query(
        focus_warehouse,
        'select sum("BilledCost"), count(*) filter (where "x_ChargeSource" = \'usage\'),'
        " count(*) filter (where \"x_ChargeSource\" = 'pool') from analytics.focus_cost_and_usage",
    )[0]
    (rated,) = query(focus_warehouse, "select sum(cost) from analytics.fct_usage_cost")[0]
    (allocated,) = query(
        focus_warehouse, "select sum(allocated_shared_cost) from analytics.fct_cost_allocation_monthly"
    )[0]
    assert usage_rows > 0 and pool_rows > 0
    assert billed == rated + allocated


def test_export_writes_focus_formats(focus_warehouse: Path, tmp_path: Path) -> None:
    out = tmp_path / "focus.csv"
    rows = export_focus_csv(focus_warehouse, out)
    with out.open(newline="") as fh:
        records = list(csv.DictReader(fh))
    assert rows == len(records) > 0
    first = records[0]
    assert first["BillingPeriodStart"].endswith("T00:00:00Z") and len(first["BillingPeriodStart"]) == 20
    assert Decimal(first["BilledCost"]) >= 0
    assert first["ChargeClass"] == ""  # NULL is an empty field, never a placeholder
    assert (
        sum(Decimal(r["BilledCost"]) for r in records)
        == query(focus_warehouse, 'select sum("BilledCost") from analytics.focus_cost_and_usage')[0][0]
    )


def test_focus_validator_passes(focus_warehouse: Path, tmp_path: Path) -> None:
    _validator_or_skip()
    result = validate_warehouse(focus_warehouse, tmp_path / "focus")
    assert result.rows > 0
    assert result.count("passed") > 150, result.summary()
    assert result.failures == (), "\n".join(f"{f.rule_id}: {f.message}" for f in result.failures)
    assert result.report_file.exists()


def test_focus_validator_gate_catches_a_broken_export(focus_warehouse: Path, tmp_path: Path) -> None:
    """The gate fails on real rule failures: a null BilledCost, a non-ISO currency, Tags not JSON."""
    _validator_or_skip()
    good = tmp_path / "good.csv"
    export_focus_csv(focus_warehouse, good)
    with good.open(newline="") as fh:
        reader = csv.DictReader(fh)
        fields = list(reader.fieldnames or [])
        records = list(reader)
    records[0]["BilledCost"] = ""
    records[1]["BillingCurrency"] = "DOLLARS"
    records[2]["Tags"] = "cost_center=CC-SALES"
    bad = tmp_path / "bad.csv"
    with bad.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(records)
    result = run_focus_validator(bad, tmp_path / "bad.xml")
    failed = {f.rule_id for f in result.failures}
    assert not result.ok
    for column in ("BilledCost", "BillingCurrency", "Tags"):
        assert any(rule.startswith(f"{column}-") for rule in failed), (column, failed)
