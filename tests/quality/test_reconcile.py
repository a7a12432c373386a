"""Reconciliation export/apply on a hand-made warehouse: valid files apply, invalid ones write nothing."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from expectations.reconcile import EXPORT_COLUMNS, ReconcileError, apply_attributions, export_queue
from tests.quality.handmade import insert_fallback_usage


@pytest.fixture
def queued_db(handmade_db: Path) -> Path:
    con = duckdb.connect(str(handmade_db))
    insert_fallback_usage(con, queued=("u10", "u11"))
    con.execute(
        "create table if not exists raw.manual_attributions (source_record_id varchar not null, "
        "cost_center varchar "
        "not null, attributed_by varchar, attributed_at timestamptz, reason varchar, batch_id varchar)"
    )
    con.close()
    return handmade_db


def _fill(
    src: Path,
    dst: Path,
    fills: dict[str, tuple[str, str, str]],
    extra: list[dict] | None = None,
    drop: str | None = None,
) -> Path:
    with src.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        if row["source_record_id"] in fills:
            row["cost_center"], row["why"], row["attributed_by"] = fills[row["source_record_id"]]
    rows += extra or []
    cols = [c for c in EXPORT_COLUMNS if c != drop]
    with dst.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=cols, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return dst


def _manual(db: Path) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(
            "select source_record_id, cost_center, attributed_by, reason "
            "from raw.manual_attributions order by 1"
        ).fetchall()
    finally:
        con.close()


def test_export_lists_open_queue(queued_db, tmp_path):
    path, n = export_queue(queued_db, tmp_path / "q.csv")
    with path.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert n == 2 and [r["source_record_id"] for r in rows] == ["sip-fb-1", "sip-fb-2"]
    assert rows[0]["cost"] == "0.006000" and rows[0]["reason"] == "no_cost_center"
    assert rows[0]["queue_path"] == "q-fallback" and rows[0]["conversation_id"] == "c-sip-fb-1"
    assert (rows[0]["cost_center"], rows[0]["why"], rows[0]["attributed_by"]) == ("", "", "")


def test_apply_records_who_when_why(queued_db, tmp_path):
    src, _ = export_queue(queued_db, tmp_path / "q.csv")
    filled = _fill(src, tmp_path / "f.csv", {"sip-fb-1": ("CC-SUPPORT", "fallback of Support IVR", "")})
    result = apply_attributions(queued_db, filled, by="finops.lead")
    assert (result.applied, result.skipped_blank) == (1, 1)
    assert _manual(queued_db) == [("sip-fb-1", "CC-SUPPORT", "finops.lead", "fallback of Support IVR")]
    # the applied record left the open queue export; the blank one stays
    _, n = export_queue(queued_db, tmp_path / "q2.csv")
    assert n == 1
    # applying the same file again: already attributed, nothing more written
    with pytest.raises(ReconcileError, match="sip-fb-1 is already attributed"):
        apply_attributions(queued_db, filled, by="finops.lead")
    assert len(_manual(queued_db)) == 1


@pytest.mark.parametrize(
    ("fills", "extra", "drop", "by", "expected"),
    [
        (
            {"sip-fb-1": ("CC-NOPE", "x", "ann")},
            None,
            None,
            None,
            "line 2, field cost_center: unknown cost center CC-NOPE",
        ),
        (
            {"sip-fb-1": ("CC-LEGACY-BPO", "x", "ann")},
            None,
            None,
            None,
            "line 2, field cost_center: cost center CC-LEGACY-BPO is inactive",
        ),
        (
            {"sip-fb-1": ("CC-SALES", "x", "ann")},
            [
                {
                    "source_record_id": "sip-ghost",
                    "cost_center": "CC-SALES",
                    "why": "x",
                    "attributed_by": "ann",
                }
            ],
            None,
            None,
            "line 4, field source_record_id: unknown record sip-ghost",
        ),
        (
            {"sip-fb-1": ("CC-SALES", "x", "ann")},
            [{"source_record_id": "sip-1", "cost_center": "CC-SALES", "why": "x", "attributed_by": "ann"}],
            None,
            None,
            "line 4, field source_record_id: sip-1 is not in the reconciliation queue",
        ),
        (
            {"sip-fb-1": ("CC-SALES", "x", "ann")},
            [
                {
                    "source_record_id": "sip-fb-1",
                    "cost_center": "CC-SUPPORT",
                    "why": "y",
                    "attributed_by": "bob",
                }
            ],
            None,
            None,
            "line 4, field source_record_id: sip-fb-1 duplicates line 2",
        ),
        ({"sip-fb-1": ("CC-SALES", "", "ann")}, None, None, None, "line 2, field why: is empty"),
        (
            {"sip-fb-1": ("CC-SALES", "x", "")},
            None,
            None,
            None,
            "line 2, field attributed_by: is empty and no --by",
        ),
        ({"sip-fb-1": ("", "x", "ann")}, None, None, None, "line 2, field cost_center: is empty"),
        ({"sip-fb-1": ("CC-SALES", "x", "ann")}, None, "why", None, "header, field why: column is missing"),
        ({}, None, None, "ann", "no filled rows"),
    ],
    ids=[
        "unknown-cc",
        "inactive-cc",
        "unknown-record",
        "not-queued",
        "duplicate",
        "no-why",
        "no-who",
        "no-cc",
        "missing-column",
        "nothing-filled",
    ],
)
def test_invalid_files_write_nothing(queued_db, tmp_path, fills, extra, drop, by, expected):
    src, _ = export_queue(queued_db, tmp_path / "q.csv")
    # a valid second row proves nothing is applied when any row is bad
    if fills:
        fills = {**fills, "sip-fb-2": ("CC-SUPPORT", "valid row", "ann")}
    filled = _fill(src, tmp_path / "bad.csv", fills, extra, drop)
    with pytest.raises(ReconcileError) as err:
        apply_attributions(queued_db, filled, by=by)
    assert expected in str(err.value)
    assert _manual(queued_db) == []


def test_cli_export_apply(queued_db, tmp_path):
    from flows.cli import app

    runner = CliRunner()
    out = tmp_path / "queue.csv"
    res = runner.invoke(app, ["reconcile", "export", "--db", str(queued_db), "--out", str(out)])
    assert res.exit_code == 0 and "wrote 2 open record(s)" in res.output
    bad = _fill(out, tmp_path / "bad.csv", {"sip-fb-1": ("CC-NOPE", "x", "")})
    res = runner.invoke(app, ["reconcile", "apply", str(bad), "--db", str(queued_db), "--by", "ann"])
    assert res.exit_code == 1 and "unknown cost center CC-NOPE" in res.output
    good = _fill(
        out, tmp_path / "good.csv", {"sip-fb-1": ("CC-SALES", "x", ""), "sip-fb-2": ("CC-SALES", "y", "")}
    )
    res = runner.invoke(app, ["reconcile", "apply", str(good), "--db", str(queued_db), "--by", "ann"])
    assert res.exit_code == 0 and "recorded 2 manual attribution(s)" in res.output
    assert [r[:3] for r in _manual(queued_db)] == [
        ("sip-fb-1", "CC-SALES", "ann"),
        ("sip-fb-2", "CC-SALES", "ann"),
    ]
