"""Feedback loop: decisions, actions and reviewers' labels reach the warehouse; a label moves the weekly
trigger mart and the backtest; an unknown id is refused and nothing is written."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import dlt
import duckdb
import orjson
import pytest
from typer.testing import CliRunner

from flows.cli import app as cli
from flows.dbt_runner import run_dbt
from flows.guardrail_backtest import plan_injections, run_backtest
from guardrails.executor import MitigationExecutor
from guardrails.policy import MitigationSpec
from ingestion.spool import webhook_spool_source

MONDAY = date(2026, 11, 16)
TRIGGER_MODELS = [
    "stg_guardrails__webhook_events",
    "stg_guardrails__actions",
    "stg_guardrails__labels",
    "fct_guardrail_trigger_days",
    "fct_guardrail_triggers_weekly",
]


def _event(event_id: str, day: date, decision: str, cc: str = "CC-SALES") -> dict:
    return {
        "event_id": event_id,
        "event_type": "telephony.call.completed",
        "platform": "genesys",
        "queue_id": "q-1",
        "cost_center": cc,
        "duration_ms": 60_000,
        "event_time": f"{day}T10:00:00+00:00",
        "received_at": f"{day}T10:00:01+00:00",
        "decision": decision,
        "policy_version": "test-1",
    }


@pytest.fixture
def spool(tmp_path: Path) -> Path:
    """Two mitigate days of CC-SALES in the week of 2026-11-16 (one with an action), one allow."""
    d = tmp_path / "spool"
    d.mkdir()
    tue, thu = MONDAY + timedelta(days=1), MONDAY + timedelta(days=3)
    lines = [_event("e-tue", tue, "mitigate"), _event("e-thu", thu, "mitigate"), _event("e-ok", thu, "allow")]
    (d / "events-20261120.jsonl").write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in lines))
    ex = MitigationExecutor(d / "audit" / "actions.sqlite")
    spec = MitigationSpec("disable_premium_skill", "genesys_skill", "e4bf", {"state": "inactive"})
    ex.plan(cost_center="CC-SALES", day=thu, specs=[spec], policy_version="test-1", mode="dry-run")
    return d


def _label(spool: Path, *args: str):
    return CliRunner().invoke(
        cli, ["guardrails", "label", *args, "--spool", str(spool), "--db", str(spool / "no.duckdb")]
    )


def _load_and_build(spool: Path, db: Path) -> dict[str, int]:
    pipe = dlt.pipeline(
        pipeline_name="feedback_test",
        destination=dlt.destinations.duckdb(str(db)),
        dataset_name="raw",
        pipelines_dir=str(db.parent / "pipelines"),
    )
    pipe.run(webhook_spool_source(spool))
    run_dbt(["run", "--select", *TRIGGER_MODELS], db, quiet=True)
    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute(
            "select triggers, labelled_true, labelled_false, unlabelled, actions "
            "from analytics.fct_guardrail_triggers_weekly where cost_center = 'CC-SALES' and week_start = ?",
            [MONDAY],
        ).fetchone()
    finally:
        con.close()
    return dict(zip(("triggers", "true", "false", "unlabelled", "actions"), row, strict=True))


def test_unknown_id_is_refused_and_nothing_written(spool: Path):
    res = _label(spool, "e-nope", "true", "--by", "alice")
    assert res.exit_code == 1
    assert "unknown event or action id 'e-nope'" in res.output and "nothing written" in res.output
    assert not (spool / "labels").exists()
    bad = _label(spool, "e-tue", "maybe", "--by", "alice")
    assert bad.exit_code != 0 and not (spool / "labels").exists()


def test_a_label_changes_the_weekly_trigger_counts(spool: Path, tmp_path: Path):
    db = tmp_path / "wh.duckdb"
    assert _load_and_build(spool, db) == {"triggers": 2, "true": 0, "false": 0, "unlabelled": 2, "actions": 1}

    res = _label(spool, "e-tue", "true", "--by", "alice", "--note", "real spike, campaign misrouted")
    assert res.exit_code == 0, res.output
    assert "event e-tue (CC-SALES, 2026-11-17) labelled true by alice" in res.output
    assert _load_and_build(spool, db) == {"triggers": 2, "true": 1, "false": 0, "unlabelled": 1, "actions": 1}

    action_id = MitigationExecutor(spool / "audit" / "actions.sqlite").list()[0].action_id
    assert _label(spool, action_id, "false", "--by", "bob").exit_code == 0
    assert _load_and_build(spool, db) == {"triggers": 2, "true": 1, "false": 1, "unlabelled": 0, "actions": 1}

    # a relabel appends a newer record; the newest label of the day wins
    assert _label(spool, "e-thu", "true", "--by", "carol").exit_code == 0
    assert _load_and_build(spool, db) == {"triggers": 2, "true": 2, "false": 0, "unlabelled": 0, "actions": 1}
    con = duckdb.connect(str(db), read_only=True)
    try:
        n = con.execute("select count(*) from raw.guardrail_labels").fetchone()[0]
        who = con.execute(
            "select labelled_by, label_count from analytics.fct_guardrail_trigger_days where cost_date = ?",
            [MONDAY + timedelta(days=3)],
        ).fetchone()
    finally:
        con.close()
    assert n == 3 and who == ("carol", 2)


def test_backtest_counts_real_labels(tmp_path: Path, backtest_warehouse: Path):  # noqa: PLR0914
    """A day labelled true joins the overruns to detect; a day labelled false is a false alert."""
    db = tmp_path / "labelled.duckdb"
    shutil.copy(backtest_warehouse, db)
    con = duckdb.connect(str(db))
    try:
        newest = con.execute("select max(cost_date) from analytics.fct_cost_center_daily").fetchone()[0]
        last = newest - timedelta(days=1)  # the backtest replays complete days
        centers = [
            r[0]
            for r in con.execute(
                "select distinct cost_center from analytics.fct_cost_center_daily "
                "where cost_date >= ? and cost_center <> 'UNATTRIBUTED' order by 1",
                [last - timedelta(days=29)],
            ).fetchall()
        ]
        days = [last - timedelta(days=29) + timedelta(days=i) for i in range(30)]
        plan = plan_injections(centers, days, 11)
        free = [(cc, d) for cc in centers for d in days[10:] if (cc, d) not in plan]
        (cc_t, day_t), (cc_f, day_f) = free[0], free[1]
        con.execute(
            "create table raw.guardrail_labels (label_id varchar, target_id varchar, target_kind varchar,"
            " cost_center varchar, cost_date date, is_true_alert boolean, labelled_by varchar, note varchar,"
            " labelled_at timestamp with time zone)"
        )
        con.execute(
            "insert into raw.guardrail_labels values"
            " ('l1', 'e1', 'event', ?, ?, true, 'alice', null, now()),"
            " ('l2', 'e2', 'event', ?, ?, false, 'bob', null, now())",
            [cc_t, day_t, cc_f, day_f],
        )
    finally:
        con.close()
    run_dbt(["run", "--select", *TRIGGER_MODELS], db, quiet=True)
    before = run_backtest(backtest_warehouse, months=1, seed=11)
    after = run_backtest(db, months=1, seed=11)
    assert len(after.ours.labelled_true) == 1 and len(after.ours.labelled_false) == 1
    detected_b = sum(1 for _, d in before.ours.counted() if d is not None)
    detected_a = sum(1 for _, d in after.ours.counted() if d is not None) + sum(after.ours.labelled_true)
    # the injections are the same; the true label adds one overrun to detect
    assert after.ours.overruns == before.ours.overruns
    hit_t, hit_f = after.ours.labelled_true[0], after.ours.labelled_false[0]
    assert detected_a == detected_b + hit_t
    assert after.ours.false_alerts == before.ours.false_alerts - (1 if hit_t else 0)
    lines = after.table().splitlines()
    assert f"labels used 2 (1 true: {int(hit_t)} detected; 1 false: {int(hit_f)} alerted again)" in lines
    assert any(line.startswith("detection rate ") and "1 of them labelled true" in line for line in lines)
