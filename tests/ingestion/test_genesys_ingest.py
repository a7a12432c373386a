"""Genesys ingestion against the simulator over loopback: completeness, idempotence, late data,
provisional windows, token expiry."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from ingestion.genesys_cloud.helpers import JobTuning
from ingestion.pipeline import ingest
from tests.ingestion.conftest import END, START, fast_options, ids_between, query, scalar

TABLE_KEYS = {
    "genesys_conversations": "conversation_id",
    "genesys_sessions": "session_id",
    "genesys_segments": "segment_id",
    "genesys_evaluations": "evaluation_id",
}


def assert_no_duplicates(db: Path) -> None:
    for table, key in TABLE_KEYS.items():
        total, distinct = query(db, f"select count(*), count(distinct {key}) from raw.{table}")[0]
        assert total == distinct, f"{table}: {total - distinct} duplicate {key}s"
    total, distinct = query(
        db,
        "select count(*), count(distinct (queue_id, interval_start, media_type)) "
        "from raw.genesys_queue_intervals",
    )[0]
    assert total == distinct


def assert_matches_truth(db: Path, truth: dict[str, Any], start: date = START, end: date = END) -> None:
    got = ids_between(db, "genesys_conversations", "conversation_id", "conversation_start", start, end)
    assert len(got) == len(set(got))
    assert sorted(got) == sorted(truth["conversation_ids"])
    lo = datetime.combine(start, datetime.min.time(), UTC)
    hi = datetime.combine(end, datetime.min.time(), UTC)
    window = [lo, hi]
    # the product never requests the voice usage CSV (no public API): see test_voice_usage_file
    assert not scalar(
        db, "select count(*) from information_schema.tables where table_name = 'genesys_voice_usage'"
    )
    assert (
        scalar(
            db,
            "select sum(transcription_ms) from raw.genesys_conversations "
            "where conversation_start >= ? and conversation_start < ?",
            window,
        )
        == truth["transcription_ms"]
    )
    assert (
        scalar(
            db,
            "select count(*) from raw.genesys_evaluations e join raw.genesys_conversations c "
            "using (conversation_id) where c.conversation_start >= ? and c.conversation_start < ?",
            window,
        )
        == truth["evaluations"]
    )
    assert (
        scalar(
            db,
            "select count(cost_center) from raw.genesys_conversations "
            "where conversation_start >= ? and conversation_start < ?",
            window,
        )
        == truth["explicit_cost_center_count"]
    )
    offered = dict(
        query(
            db,
            "select queue_id, sum(n_offered)::bigint from raw.genesys_queue_intervals "
            "where interval_start >= ? and interval_start < ? group by 1",
            window,
        )
    )
    assert offered == truth["per_queue_offered"]
    acd_hops = dict(
        query(
            db,
            "select queue_id, count(*) from raw.genesys_segments s "
            "join raw.genesys_conversations c using (conversation_id) "
            "where s.purpose = 'acd' and c.conversation_start >= ? "
            "and c.conversation_start < ? group by 1",
            window,
        )
    )
    assert acd_hops == truth["per_queue_offered"]


def test_complete_under_429_storm_5xx_and_an_expired_job(sim: Any, db: Path) -> None:
    sim.set_faults(rate_429=0.3, rate_5xx=0.05, expire_jobs=1, expire_after_pages=1, expire_cursors=1)
    options = fast_options(tuning=JobTuning(page_size=40, poll_initial_s=0.02, poll_max_s=0.1))
    summary = ingest(db, "genesys", START, END, options=options)
    truth = sim.ground_truth("genesys", START, END, ids=True)
    assert truth["conversation_count"] > 200
    p = summary.platforms["genesys"]
    assert p.status_429 > 0 and p.retries >= p.status_429
    assert p.provisional_windows == []  # the expired job and the expired cursor were pulled again
    assert sim.state()["counters"]["jobs"] >= 3 + 2
    assert_matches_truth(db, truth)
    assert_no_duplicates(db)
    licences = dict(query(db, "select charge_name, user_count from raw.genesys_licence_usage"))
    assert licences == truth["licences"]
    stats = query(
        db,
        "select platform, records, requests, status_429, retries, provisional_windows "
        "from raw.ingest_run_stats",
    )
    assert stats == [("genesys", p.total_records, p.requests, p.status_429, p.retries, 0)]


def test_rerun_is_idempotent(sim: Any, db: Path) -> None:
    ingest(db, "genesys", START, END, options=fast_options())
    counts = {t: scalar(db, f"select count(*) from raw.{t}") for t in TABLE_KEYS}
    ingest(db, "genesys", START, END, options=fast_options())
    assert {t: scalar(db, f"select count(*) from raw.{t}") for t in TABLE_KEYS} == counts
    assert_no_duplicates(db)
    assert scalar(db, "select count(*) from raw.ingest_run_stats") == 2
    assert_matches_truth(db, sim.ground_truth("genesys", START, END, ids=True))


def test_late_conversations_are_picked_up_by_the_trailing_window(sim: Any, db: Path) -> None:
    sim.set_faults(late_share=0.2, late_delay_s=20 * 3600)  # a late record shows up 20 h after it ended
    sim.set_clock(datetime(2026, 3, 5, 3, 0, tzinfo=UTC))
    ingest(db, "genesys", START, END, options=fast_options())
    first = sim.ground_truth("genesys", START, END, ids=True)
    assert first["late_pending_count"] > 5
    loaded = ids_between(db, "genesys_conversations", "conversation_id", "conversation_start", START, END)
    assert len(loaded) == first["conversation_count"] - first["late_pending_count"]
    assert scalar(db, "select count(*) from raw.genesys_conversations where is_late") == 0

    sim.set_clock(datetime(2026, 3, 7, 12, 0, tzinfo=UTC))  # every late record is now visible
    summary = ingest(db, "genesys", END, END + timedelta(days=1), options=fast_options())
    assert summary.platforms["genesys"].window.start == datetime(2026, 3, 3, tzinfo=UTC)  # 48 h trailing
    truth = sim.ground_truth("genesys", START, END + timedelta(days=1), ids=True)
    assert truth["late_pending_count"] == 0
    assert_matches_truth(db, truth, START, END + timedelta(days=1))
    assert_no_duplicates(db)
    late = scalar(db, "select count(*) from raw.genesys_conversations where is_late")
    assert late == first["late_pending_count"]


def test_expired_window_is_provisional_then_replaced_by_granular_data(sim: Any, db: Path) -> None:
    # jobs run one at a time (50 per page): the first window's job expires after one page, twice
    sim.set_faults(expire_jobs=2, expire_after_pages=1)
    options = fast_options(
        job_attempts=2, job_workers=1, tuning=JobTuning(page_size=50, poll_initial_s=0.02, poll_max_s=0.1)
    )
    summary = ingest(db, "genesys", START, END, options=options)
    p = summary.platforms["genesys"]
    first_day = (datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 3, tzinfo=UTC))
    assert [(w.start, w.end) for w in p.provisional_windows] == [first_day]
    ledger = query(
        db, "select platform, window_start, window_end, reason, status from raw.ingest_reconciliation_ledger"
    )
    assert ledger == [("genesys", *first_day, "job_expired", "open")]
    assert (
        scalar(
            db, "select count(*) from raw.genesys_conversations where conversation_start < ?", [first_day[1]]
        )
        == 0
    )
    prov = query(
        db,
        "select bool_and(is_provisional), sum(n_offered)::bigint "
        "from raw.genesys_queue_intervals where interval_start < ?",
        [first_day[1]],
    )[0]
    day_truth = sim.ground_truth("genesys", START, START + timedelta(days=1))
    assert prov == (True, sum(day_truth["per_queue_offered"].values()))
    assert (
        scalar(
            db,
            "select count(*) from raw.genesys_queue_intervals where is_provisional and interval_start >= ?",
            [first_day[1]],
        )
        == 0
    )
    assert scalar(db, "select provisional_windows from raw.ingest_run_stats") == 1

    sim.set_faults(expire_jobs=0)
    later = ingest(db, "genesys", END, END + timedelta(days=1), options=fast_options())
    assert [(w.start, w.end) for w in later.platforms["genesys"].replaced_windows] == [first_day]
    status, replaced_at = query(db, "select status, replaced_at from raw.ingest_reconciliation_ledger")[0]
    assert status == "replaced" and replaced_at is not None
    assert scalar(db, "select count(*) from raw.genesys_queue_intervals where is_provisional") == 0
    assert_matches_truth(
        db,
        sim.ground_truth("genesys", START, END + timedelta(days=1), ids=True),
        START,
        END + timedelta(days=1),
    )


def test_token_expiring_mid_run_is_refreshed(sim: Any, db: Path) -> None:
    sim.set_faults(token_ttl_s=0.05)
    summary = ingest(db, "genesys", START, END, options=fast_options(job_workers=1))
    assert summary.platforms["genesys"].token_fetches > 1
    assert_matches_truth(db, sim.ground_truth("genesys", START, END, ids=True))


def test_conversations_spanning_job_windows_are_kept_once(sim: Any, db: Path) -> None:
    # hour-long jobs: a conversation active across a boundary comes back in two windows, within
    # one streamed batch or across two (appended, then deduplicated on the key)
    options = fast_options(job_window=timedelta(hours=1), job_workers=4)
    summary = ingest(db, "genesys", START, END, options=options)
    truth = sim.ground_truth("genesys", START, END, ids=True)
    p = summary.platforms["genesys"]
    assert p.records["genesys_conversations"] > truth["conversation_count"]  # some were pulled twice
    assert_matches_truth(db, truth)
    assert_no_duplicates(db)
