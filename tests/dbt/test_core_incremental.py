"""Incremental builds end exactly where a full refresh does, and re-mappings restate only their period."""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
from pathlib import Path

import duckdb

from flows.dbt_runner import HOURLY_SELECTOR, artifacts_dir, run_dbt
from ingestion.registries import FILES_DIR, load_registries
from simulator.synthetic_raw import append_hour, write_synthetic_raw
from tests.dbt.conftest import CORE_SELECT, DAYS, START, query

TABLES = [
    "intermediate.int_conversations",
    "analytics.fct_usage_cost",
    "analytics.reconciliation_queue",
    "analytics.fct_cost_allocation_monthly",
    "analytics.fct_cost_center_daily",
    "analytics.fct_cost_center_hourly",
    "analytics.fct_guardrail_baselines",
]
#: the core models plus the incremental daily mart and the baselines built on it
SELECT = [*CORE_SELECT[:-2], "path:models/marts/guardrails", *CORE_SELECT[-2:]]


def build(db: Path, *extra: str) -> None:
    """``dbt build`` of the core models and the guardrail marts on ``db``."""
    run_dbt(["build", *extra, *SELECT], db, quiet=True)


BILLING = "65015bd5-eedc-5f73-a422-30f5d5b15933"


def differences(a: Path, b: Path) -> dict[str, int]:
    """Rows in one warehouse's marts but not the other's (both directions), per table."""
    con = duckdb.connect(str(a), read_only=True)
    try:
        con.execute(f"attach '{b}' as other (read_only)")
        out = {}
        for table in TABLES:
            schema, name = table.split(".")
            left = con.execute(
                f"select count(*) from (select * from {table} except all select * from other.{schema}.{name})"
            ).fetchone()[0]
            right = con.execute(
                f"select count(*) from (select * from other.{schema}.{name} except all select * from {table})"
            ).fetchone()[0]
            out[table] = left + right
        return out
    finally:
        con.close()


def compiled_fct(db: Path, folder: str = "usage", model: str = "fct_usage_cost") -> str:
    """The SQL dbt compiled for a mart (default fct_usage_cost) in the last build of ``db``."""
    path = artifacts_dir(db, "duckdb") / "target" / "compiled" / "ccfinops" / "models" / "marts" / folder
    return (path / f"{model}.sql").read_text()


def compiled_daily(db: Path) -> str:
    """The SQL dbt compiled for fct_cost_center_daily in the last build of ``db``."""
    return compiled_fct(db, "guardrails", "fct_cost_center_daily")


def data_test_sql(db: Path, test_prefix: str) -> str:
    """The SQL a data test ran in the last build of ``db`` (from run_results.json)."""
    results = json.loads((artifacts_dir(db, "duckdb") / "target" / "run_results.json").read_text())
    for item in results["results"]:
        uid = item["unique_id"]
        # generic tests carry a hash suffix, singular tests do not
        if uid == f"test.ccfinops.{test_prefix}" or uid.startswith(f"test.ccfinops.{test_prefix}."):
            return " ".join(item["compiled_code"].split())
    raise AssertionError(f"no test {test_prefix} in the last build")


def test_incremental_after_one_more_hour_equals_full_refresh(new_warehouse, tmp_path: Path) -> None:
    db = new_warehouse("incremental")
    write_synthetic_raw(
        db, 2000, start=START, days=DAYS, seed=3, provisional_intervals=1, load_registries=False
    )
    build(db)
    before = query(db, "select count(*), max(usage_date) from analytics.fct_usage_cost")[0]
    added = append_hour(db, 60, seed=3)
    assert added.row_counts["genesys_conversations"] + added.row_counts["cxone_contacts"] >= 60
    build(db)
    newest = before[1]
    # the incremental run only re-processed the lookback window (3 days before the newest built day)
    assert f"usage_date >= cast('{newest - dt.timedelta(days=3)}' as date)" in compiled_fct(db)
    # the daily mart too: only its window is recomputed, older days stay as built
    assert f"date_day >= cast('{newest - dt.timedelta(days=3)}' as date)" in compiled_daily(db)
    # ... and the key tests checked that window only (uniqueness across the whole window)
    window = f"where usage_date >= cast('{newest - dt.timedelta(days=3)}' as date)"
    assert window in data_test_sql(db, "unique_fct_usage_cost_usage_id")
    assert "where cost_date >= cast(" in data_test_sql(db, "unique_fct_cost_center_daily_cost_center_day_id")
    after = query(db, "select count(*) from analytics.fct_usage_cost")[0][0]
    assert after > before[0]

    full = tmp_path / "full.duckdb"
    shutil.copy(db, full)
    build(full, "--full-refresh")
    assert "usage_date >=" not in compiled_fct(full)
    assert "date_day >=" not in compiled_daily(full)
    assert "usage_date >=" not in data_test_sql(full, "unique_fct_usage_cost_usage_id")
    assert differences(db, full) == dict.fromkeys(TABLES, 0)


def test_hourly_selector_rebuilds_touched_days_only_and_equals_full_refresh(
    new_warehouse, tmp_path: Path
) -> None:
    db = new_warehouse("hourly")
    write_synthetic_raw(
        db, 2000, start=START, days=DAYS, seed=5, provisional_intervals=1, load_registries=False
    )
    build(db)
    newest = query(db, "select max(usage_date) from analytics.fct_usage_cost")[0][0]
    append_hour(db, 60, seed=5)
    run_dbt(["build", "--selector", HOURLY_SELECTOR], db, quiet=True)
    results = json.loads((artifacts_dir(db, "duckdb") / "target" / "run_results.json").read_text())
    ran = {item["unique_id"] for item in results["results"]}
    models = {uid.split(".")[-1] for uid in ran if uid.startswith("model.")}
    # the incremental models and the guardrail rule book; no view, no monthly / weekly mart
    incremental = {"int_conversations", "fct_usage_cost", "fct_cost_center_daily", "fct_cost_center_hourly"}
    assert incremental | {"fct_guardrail_baselines"} <= models
    assert not models & {"fct_cost_allocation_monthly", "reconciliation_queue", "int_usage_items"}
    assert not [uid for uid in ran if uid.startswith("unit_test.")]
    # models built from the registries / vars alone are rebuilt, their tests left to the daily build
    tests_ran = {uid.split(".")[2] for uid in ran if uid.startswith("test.")}
    assert {"int_cost_center_mappings_daily", "dim_guardrail_cost_center_lookup"} <= models
    assert "unique_fct_usage_cost_usage_id" in tests_ran
    assert not {
        t
        for t in tests_ran
        if "mappings_daily" in t or "registry" in t or "_snap_" in t or "attribution_rules" in t
    }
    # every test of an incremental model checked the rebuilt window only
    window = f"cast('{newest - dt.timedelta(days=3)}' as date)"
    assert window in data_test_sql(db, "unique_fct_usage_cost_usage_id")
    assert window in data_test_sql(db, "unique_fct_cost_center_hourly_cost_center_hour_id")
    assert window in data_test_sql(db, "assert_rated_usage_has_cost")

    full = tmp_path / "full.duckdb"
    shutil.copy(db, full)
    build(full, "--full-refresh")
    hourly_tables = [t for t in TABLES if t.split(".")[1] in models]
    assert {t: n for t, n in differences(db, full).items() if t in hourly_tables} == dict.fromkeys(
        hourly_tables, 0
    )


def test_remapping_restates_only_from_its_effective_date(new_warehouse, tmp_path: Path) -> None:
    db = new_warehouse("remap")
    write_synthetic_raw(db, 2000, start=START, days=DAYS, seed=5, load_registries=False)
    build(db)
    before = dict(
        query(
            db,
            "select usage_id, cost_center || '/' || mapping_version from analytics.fct_usage_cost"
            " where queue_id = ? and attribution_method = 'direct' and conversation_id in"
            " (select conversation_id from raw.genesys_conversations where cost_center is null)",
            [BILLING],
        )
    )
    assert before and set(before.values()) == {"CC-FINANCE/2025.1"}

    # Billing moves to CC-SUPPORT from day 4 - older than the 3-day lookback
    switch = (START + dt.timedelta(days=4)).date()
    files = tmp_path / "registry"
    shutil.copytree(FILES_DIR, files)
    mapping_file = files / "cost_center_mappings.csv"
    with mapping_file.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        if row["key"] == BILLING:
            row["effective_to"] = switch.isoformat()
    new_row = dict(next(r for r in rows if r["key"] == BILLING))
    new_row.update(
        cost_center="CC-SUPPORT", effective_from=switch.isoformat(), effective_to="", mapping_version="2026.9"
    )
    rows.append(new_row)
    with mapping_file.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    load_registries(db, files)

    build(db)
    assert f"usage_date >= cast('{switch}' as date)" in compiled_fct(db)
    assert f"date_day >= cast('{switch}' as date)" in compiled_daily(db)
    after = dict(
        query(
            db,
            "select usage_id, cost_center || '/' || mapping_version || '/' || usage_date"
            " from analytics.fct_usage_cost where queue_id = ? and attribution_method = 'direct'"
            " and conversation_id in"
            " (select conversation_id from raw.genesys_conversations where cost_center is null)",
            [BILLING],
        )
    )
    assert after.keys() == before.keys()
    for usage_id, value in after.items():
        cost_center, version, day = value.split("/")
        expected = (
            ("CC-SUPPORT", "2026.9") if dt.date.fromisoformat(day) >= switch else ("CC-FINANCE", "2025.1")
        )
        assert (cost_center, version) == expected, usage_id

    full = tmp_path / "remap_full.duckdb"
    shutil.copy(db, full)
    build(full, "--full-refresh")
    assert differences(db, full) == dict.fromkeys(TABLES, 0)
