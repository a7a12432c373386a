"""The shipped registry files validate and load into raw.config_* exactly."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
import yaml

from ingestion.registries import FILES_DIR, RegistryError, load_registries
from ingestion.warehouse import REPO_ROOT
from tests.registries.conftest import read_rows, set_cell, table_state, write_rows

ORG = yaml.safe_load((REPO_ROOT / "simulator" / "org.yaml").read_text())
EMERGENCY_FALLBACK = "afb9c573-890e-5ad6-bf01-61927ba30bf9"


def _version(name: str, folder: Path = FILES_DIR) -> str:
    return hashlib.sha256((folder / name).read_bytes()).hexdigest()[:12]


def test_shipped_registries_load_exactly(tmp_path: Path) -> None:
    db = tmp_path / "wh.duckdb"
    result = load_registries(db)
    assert result.row_counts == {
        "config_cost_centers": 8,
        "config_cost_center_mappings": 17,
        "config_rate_cards": 15,
        "config_cost_pools": 48,
        "config_budgets": 7,
        "config_notification_routes": 8,
    }
    assert result.versions["config_rate_cards"] == _version("rate_cards.csv")
    state = table_state(db)
    assert state["config_rate_cards"] == (15, _version("rate_cards.csv"))
    assert state["config_cost_pools"] == (48, _version("cost_pools.csv"))

    con = duckdb.connect(str(db), read_only=True)
    try:
        rate, rate_type = con.execute(
            "select rate, typeof(rate) from raw.config_rate_cards where carrier = 'genesys_cloud_voice'"
            " and direction = 'outbound' and number_type = 'local'"
        ).fetchone()
        assert rate == Decimal("0.0119") and rate_type == "DECIMAL(18,6)"
        # 34 s outbound → 36 s billed → 0.6 min × 0.0119 = 0.00714 (the reference's $0.0071)
        increment = con.execute(
            "select increment_seconds from raw.config_rate_cards where carrier = 'genesys_cloud_voice'"
            " and direction = 'outbound' and number_type = 'local'"
        ).fetchone()[0]
        billed_seconds = -(-34 // increment) * increment
        assert billed_seconds == 36
        cost = rate * Decimal(billed_seconds) / Decimal(60)
        assert cost == Decimal("0.00714") and cost.quantize(Decimal("0.0001")) == Decimal("0.0071")
        cxone = con.execute(
            "select increment_seconds, minimum_seconds from raw.config_rate_cards"
            " where carrier = 'nice_cxone_voice' and direction = 'inbound' and number_type = 'toll_free'"
        ).fetchone()
        assert cxone == (6, 12)
        byoc = con.execute(
            "select effective_from::varchar, coalesce(effective_to::varchar, 'open'), rate"
            " from raw.config_rate_cards where carrier = 'byoc_bandwidth' and direction = 'inbound'"
            " and number_type = 'local' order by effective_from"
        ).fetchall()
        assert byoc == [
            ("2025-01-01", "2026-07-01", Decimal("0.0045")),
            ("2026-07-01", "open", Decimal("0.0038")),
        ]
        retention = con.execute(
            "select cost_center, effective_from::varchar, effective_to::varchar"
            " from raw.config_cost_center_mappings where key_name = 'Retention' order by effective_from"
        ).fetchall()
        assert retention == [("CC-SALES", "2025-01-01", "2026-09-01"), ("CC-RETENTION", "2026-09-01", None)]
        bands = con.execute(
            "select cost_center, guardrail_band_pct from raw.config_cost_centers"
            " where guardrail_band_pct is not null"
        ).fetchall()
        assert bands == [("CC-COLLECTIONS", Decimal("10"))]
        shared = con.execute(
            "select sum(least(monthly_amount, coalesce(cap, monthly_amount))), count(*)"
            " from raw.config_cost_pools where pool_name = 'shared_ivr_routing'"
        ).fetchone()
        assert shared == (Decimal("36000.00"), 12)
        nulls = con.execute(
            "select count(*) from raw.config_cost_center_mappings"
            " where loaded_at is null or registry_version is null"
        ).fetchone()[0]
        assert nulls == 0
        mapped = {
            (platform, key)
            for platform, key in con.execute(
                "select platform, key from raw.config_cost_center_mappings where key_type = 'queue'"
            ).fetchall()
        }
        overflow = con.execute(
            "select key_name, parent_queue_id from raw.config_cost_center_mappings"
            " where cost_center is null order by platform, key_name"
        ).fetchall()
    finally:
        con.close()
    org_queues = {("genesys", q["id"]) for q in ORG["genesys"]["queues"]}
    org_skills = {("cxone", str(s["id"])) for s in ORG["nice_cxone"]["skills"]}
    assert mapped == (org_queues | org_skills) - {("genesys", EMERGENCY_FALLBACK)}
    assert overflow == [
        ("Support Overflow", "4102"),
        ("Sales Overflow", "d41a4916-e89a-57c0-aa86-60d147f9421a"),
        ("Support Overflow", "f6f4dc19-f162-5861-b81a-7b73ad52bab4"),
    ]


def test_reload_replaces_and_bad_load_keeps_previous(tmp_path: Path, reg_dir: Path) -> None:
    db = tmp_path / "wh.duckdb"
    load_registries(db, reg_dir)
    # a good edit replaces the whole table (one pool month fewer, new version), no duplicates
    header, rows = read_rows(reg_dir / "cost_pools.csv")
    write_rows(reg_dir / "cost_pools.csv", header, rows[:-1])
    second = load_registries(db, reg_dir)
    good = table_state(db)
    assert good["config_cost_pools"] == (47, _version("cost_pools.csv", reg_dir))
    assert second.row_counts["config_cost_pools"] == 47
    assert good["config_rate_cards"][0] == 15

    # an invalid registry changes nothing, even in the files that were valid
    header, rows = read_rows(reg_dir / "cost_centers.csv")
    write_rows(reg_dir / "cost_centers.csv", header, rows[:-1])  # a valid edit ...
    set_cell(reg_dir / "rate_cards.csv", 3, "rate", "-0.0040")  # ... next to an invalid one
    with pytest.raises(RegistryError, match=r"rate_cards.csv: row 3, field 'rate'"):
        load_registries(db, reg_dir)
    assert table_state(db) == good
