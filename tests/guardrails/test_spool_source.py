"""The dlt spool source loads ``raw.webhook_events`` (merge on event_id) while the receiver appends."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

import dlt
import duckdb

from guardrails.spool import segment_name
from ingestion.spool import webhook_spool_source
from tests.guardrails.conftest import seed_event, today


def _load(spool: Path, db: Path, pipelines: Path) -> None:
    pipe = dlt.pipeline(
        pipeline_name="guardrail_spool_test",
        destination=dlt.destinations.duckdb(str(db)),
        dataset_name="raw",
        pipelines_dir=str(pipelines),
    )
    pipe.run(webhook_spool_source(spool))


def _rows(db: Path) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(
            "select event_id, event_type, platform, queue_id, cost_center, duration_ms, event_time, decision,"
            " policy_version, payload from raw.webhook_events order by event_id"
        ).fetchall()
    finally:
        con.close()


def test_spool_to_raw_webhook_events(receiver, tmp_path):
    spool = receiver.settings.spool_dir
    when = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
    for i in range(5):
        assert receiver.post(seed_event(f"s-{i}", when=when)).status_code == 200
    receiver.post(seed_event("s-0", when=when))  # duplicate: stored once
    db, pipes = tmp_path / "wh.duckdb", tmp_path / "pipelines"
    _load(spool, db, pipes)
    rows = _rows(db)
    assert [r[0] for r in rows] == [f"s-{i}" for i in range(5)]
    first = rows[0]
    assert first[1:6] == (
        "telephony.call.completed",
        "genesys",
        "d41a4916-e89a-57c0-aa86-60d147f9421a",
        "CC-SALES",
        60_000,
    )
    assert first[6] == when and first[7] == "allow" and first[8] == "test-1"
    assert '"event_id":"s-0"' in first[9].replace(" ", "")

    # load while the receiver keeps appending, with a torn (unacknowledged) tail present
    stop = threading.Event()

    def writer() -> None:
        i = 0
        while not stop.is_set() and i < 200:
            receiver.post(seed_event(f"live-{i:03d}", when=when))
            i += 1

    t = threading.Thread(target=writer)
    t.start()
    try:
        _load(spool, db, pipes)
    finally:
        stop.set()
        t.join()
    with (spool / segment_name(today())).open("ab") as fh:
        fh.write(b'{"event_id": "torn"')
    _load(spool, db, pipes)
    ids = [r[0] for r in _rows(db)]
    live = sorted(i for i in ids if i.startswith("live-"))
    assert "torn" not in ids and len(ids) == len(set(ids))
    assert live == [f"live-{i:03d}" for i in range(len(live))] and len(live) >= 1
    spooled = len(receiver.service.index)
    assert len(ids) == spooled
    _load(spool, db, pipes)  # nothing new: same rows
    assert len(_rows(db)) == spooled


def test_prune_keeps_the_retention_window(tmp_path: Path) -> None:
    from datetime import date, timedelta

    from guardrails.spool import prune_segments

    day = date(2026, 12, 3)
    for back in (0, 7, 35, 36, 90):
        (tmp_path / segment_name(day - timedelta(days=back))).write_text("{}\n")
    (tmp_path / "events-notadate.jsonl").write_text("")
    removed = prune_segments(tmp_path, day, 35)
    assert sorted(p.name for p in removed) == [
        segment_name(date(2026, 9, 4)),
        segment_name(date(2026, 10, 28)),
    ]
    assert len(list(tmp_path.glob("events-*.jsonl"))) == 4  # 0, 7 and 35 days back, and the stray file
