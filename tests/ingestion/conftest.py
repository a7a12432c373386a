"""Fixtures for ingestion tests: a simulator on loopback, its env, fast retry/poll settings."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from ingestion.genesys_cloud import GenesysOptions
from ingestion.genesys_cloud.helpers import JobTuning
from ingestion.http import RetryPolicy
from ingestion.ingest_config import IngestOptions
from ingestion.nice_cxone import CxoneOptions
from simulator.config import SimConfig
from simulator.server import run_simulator

START = date(2026, 3, 2)  # a Monday
END = date(2026, 3, 5)  # exclusive: three days
CLOCK = datetime(2026, 3, 6, 12, 0, tzinfo=UTC)  # everything in [START, END) has ended and is available

FAST_RETRY = RetryPolicy(
    max_attempts=12, backoff_base=0.005, backoff_max=0.05, retry_after_max=0.05, timeout=30.0
)


def fast_options(**genesys: Any) -> IngestOptions:
    """Options for tests: high client rate, millisecond backoff, quick job polling, 1-day jobs."""
    g = {
        "rate_per_min": 60_000.0,
        "retry": FAST_RETRY,
        "job_window": timedelta(days=1),
        "job_attempts": 3,
        "job_workers": 2,
        "tuning": JobTuning(poll_initial_s=0.02, poll_max_s=0.1),
    }
    g.update(genesys)
    return IngestOptions(
        trailing=timedelta(hours=48),
        genesys=GenesysOptions(**g),
        cxone=CxoneOptions(rate_per_min=60_000.0, retry=FAST_RETRY, top=200),
    )


def small_config(**kw: Any) -> SimConfig:
    """A small org (about 100 conversations and 30 contacts a day) with fast jobs."""
    base: dict[str, Any] = {
        "conversations_per_month": 3000,
        "cxone_contacts_per_month": 900,
        "job_queued_s": 0.02,
        "job_ready_s": 0.05,
        "billing_in_progress_polls": 1,
        "genesys_quota_per_min": 100_000,
        "cxone_quota_per_min": 100_000,
    }
    base.update(kw)
    return SimConfig(**base)


@pytest.fixture
def sim(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A fresh simulator (seed 7, small org) with the clock frozen after the test window."""
    with run_simulator(seed=7, port=0, config=small_config()) as handle:
        handle.set_clock(CLOCK)
        for key, value in {**handle.genesys_env(), **handle.cxone_env()}.items():
            monkeypatch.setenv(key, value)
        yield handle


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A warehouse path in a temp folder."""
    return tmp_path / "wh" / "ccfinops.duckdb"


def query(db_path: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    """Run one read-only query against the warehouse."""
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def scalar(db_path: Path, sql: str, params: list[Any] | None = None) -> Any:
    """First column of the first row."""
    return query(db_path, sql, params)[0][0]


def ids_between(db_path: Path, table: str, id_col: str, ts_col: str, start: date, end: date) -> list[str]:
    """Ids whose timestamp falls in [start, end) (as strings, with duplicates kept)."""
    rows = query(
        db_path,
        f"select {id_col} from raw.{table} where {ts_col} >= ? and {ts_col} < ?",
        [datetime.combine(start, datetime.min.time(), UTC), datetime.combine(end, datetime.min.time(), UTC)],
    )
    return [str(r[0]) for r in rows]
