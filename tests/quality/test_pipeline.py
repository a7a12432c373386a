"""End to end on a real dbt build of synthetic raw data: clean passes, seeded defects are flagged
exactly, and export → apply → build moves the cost and empties the reconciliation queue."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from expectations.reconcile import apply_attributions, export_queue
from expectations.settings import load_settings
from flows.dbt_runner import DbtRunError
from tests.quality.pipeline import (
    EMERGENCY_FALLBACK,
    SYNTH_CONVERSATIONS,
    SYNTH_DAYS,
    SYNTH_START,
    clone_conversation,
    dbt_build,
    duplicate_contact,
    pick_byoc_conversations,
)

AS_OF = SYNTH_START + dt.timedelta(days=SYNTH_DAYS + 1)


@pytest.fixture(scope="module")
def built_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Synthetic raw data (400 conversations, 20 days from 2026-09-20) built once with dbt."""
    from simulator.synthetic_raw import write_synthetic_raw

    db = tmp_path_factory.mktemp("built") / "template.duckdb"
    write_synthetic_raw(db, SYNTH_CONVERSATIONS, start=SYNTH_START, days=SYNTH_DAYS)
    dbt_build(db)
    return db


@pytest.fixture
def built_db(built_template: Path, tmp_path: Path) -> Path:
    db = tmp_path / "w.duckdb"
    shutil.copy(built_template, db)
    return db


@pytest.fixture
def run(gx_project: Path, tmp_path: Path):
    from expectations.checkpoint import run_quality

    def _run(db: Path, **kw):
        return run_quality(
            db,
            site_dir=tmp_path / "site",
            project_root=gx_project,
            as_of=AS_OF,
            settings=load_settings(),
            **kw,
        )

    return _run


def _fetch(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def test_clean_build_passes(built_db, run):
    result = run(built_db)
    assert result.critical_failures == []
    assert [m.isoformat() for m in result.months] == ["2026-09-01", "2026-10-01"]
    queue = {
        (r[0], r[1])
        for r in _fetch(built_db, "select source_record_id, reason from analytics.reconciliation_queue")
    }
    assert queue  # the simulator's unregistered Emergency Fallback queue leaves some cost unattributed
    gaps = result.outcome("usage_has_cost_metadata")
    assert gaps.unexpected_subjects() == queue and gaps.severity == "warning"
    assert result.outcome("unattributed_usage_is_queued").success
    assert result.outcome("allocation_matches_registry").element_count == 8  # 4 pools x 2 months
    assert result.docs_index.exists() and "attribution" in result.docs_index.read_text()


def test_seeded_defects_flagged_exactly(built_db, run):
    baseline = run(built_db)
    con = duckdb.connect(str(built_db))
    (fb_conv, _), (rt_conv, rt_leg) = pick_byoc_conversations(con, 2)
    fallback_record = clone_conversation(con, fb_conv, "seed-fb", queue_id=EMERGENCY_FALLBACK)
    unrated_record = clone_conversation(con, rt_conv, "seed-rt", provider="byoc_acme_telco")
    duplicate_contact(con)
    con.close()
    # models only: dbt's own unique test on stg_cxone__contacts would (rightly) stop `build`
    dbt_build(built_db, "run", "--full-refresh")
    result = run(built_db)

    new_gaps = (
        result.outcome("usage_has_cost_metadata").unexpected_subjects()
        - baseline.outcome("usage_has_cost_metadata").unexpected_subjects()
    )
    assert new_gaps == {(fallback_record, "no_cost_center"), (unrated_record, "missing_rate")}
    assert result.outcome("unattributed_usage_is_queued").success  # dbt queued both
    rates = result.outcome("rate_card_covers_usage")
    assert {u["subject"] for u in rates.unexpected} == {f"genesys/voice/byoc_acme_telco/{rt_leg}"}
    assert rates.unexpected[0]["unrated_rows"] == 1
    assert {o.expectation for o in result.critical_failures} == {"rate_card_covers_usage"}
    # the duplicated contact is dbt's to catch (its unique tests), not repeated in the checkpoint
    with pytest.raises(DbtRunError) as info:
        dbt_build(built_db, "test", "--select", "stg_cxone__contacts", "fct_usage_cost")
    failed = {node.unique_id.split(".")[2] for node in info.value.failed}
    assert "unique_stg_cxone__contacts_contact_id" in failed


def test_export_apply_build_round_trip(built_db, run, tmp_path):
    before = dict(
        _fetch(
            built_db,
            """select source_record_id, sum(cost) from analytics.fct_usage_cost
                             where cost_center = 'UNATTRIBUTED' group by 1""",
        )
    )
    assert before
    path, n = export_queue(built_db, tmp_path / "queue.csv")
    assert n == len(before)
    with path.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["source_record_id"] for r in rows} == set(before)
    assert all(Decimal(r["cost"]) == before[r["source_record_id"]] for r in rows)
    for r in rows:
        r["cost_center"], r["why"] = "CC-SUPPORT", "Emergency Fallback serves the support line"
    filled = tmp_path / "filled.csv"
    with filled.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    applied = apply_attributions(built_db, filled, by="finops.lead")
    assert applied.applied == n

    dbt_build(built_db)
    assert _fetch(built_db, "select count(*) from analytics.reconciliation_queue") == [(0,)]
    moved = _fetch(
        built_db,
        """select source_record_id, cost_center, attribution_method, sum(cost) from analytics.fct_usage_cost
           where source_record_id in (select source_record_id from raw.manual_attributions)
           group by 1, 2, 3""",
    )
    assert {r[0]: (r[1], r[2], r[3]) for r in moved} == {
        rid: ("CC-SUPPORT", "manual", cost) for rid, cost in before.items()
    }
    assert _fetch(
        built_db, "select count(*) from analytics.fct_usage_cost where cost_center = 'UNATTRIBUTED'"
    ) == [(0,)]
    who = _fetch(built_db, "select distinct attributed_by, reason, batch_id from raw.manual_attributions")
    assert who == [("finops.lead", "Emergency Fallback serves the support line", applied.batch_id)]
    assert export_queue(built_db, tmp_path / "after.csv")[1] == 0
    result = run(built_db)
    assert result.outcome("usage_has_cost_metadata").success and result.critical_failures == []
    assert result.outcome("unattributed_share_within_warn").observed_value == "max 0.0000%"
