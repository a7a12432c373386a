"""``ccfinops ingest`` end to end: bad credentials, the closing summary, and resume after kill -9."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from flows.cli import app
from ingestion.dlt_pipeline import pipelines_dir_for
from simulator.server import run_simulator
from tests.ingestion.conftest import CLOCK, END, START, ids_between, query, small_config

FAST_ENV = {
    "GENESYS_RATE_LIMIT_PER_MIN": "60000",
    "CXONE_RATE_LIMIT_PER_MIN": "60000",
    "CCFINOPS_HTTP_BACKOFF_BASE": "0.005",
    "CCFINOPS_HTTP_BACKOFF_MAX": "0.05",
    "CCFINOPS_HTTP_RETRY_AFTER_MAX": "0.05",
    "CCFINOPS_GENESYS_JOB_POLL_SECONDS": "0.02",
    "CCFINOPS_GENESYS_JOB_WINDOW_HOURS": "24",
}


def _args(db: Path, platform: str = "all") -> list[str]:
    return [
        "ingest",
        "--platform",
        platform,
        "--start",
        START.isoformat(),
        "--end",
        END.isoformat(),
        "--db",
        str(db),
        "--no-progress",
    ]


def test_wrong_credentials_exit_non_zero_with_the_vendor_text_and_write_nothing(
    sim: Any, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GENESYS_CLIENT_SECRET", "not-the-secret")
    result = CliRunner().invoke(app, _args(db))
    assert result.exit_code != 0
    text = result.output + (result.stderr or "")
    assert "invalid_client" in text and "client authentication failed" in text
    assert not db.exists()
    assert not pipelines_dir_for(db).exists()


def test_cli_prints_the_closing_summary(sim: Any, db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in FAST_ENV.items():
        monkeypatch.setenv(key, value)
    sim.set_faults(rate_429=0.2)
    result = CliRunner().invoke(app, _args(db))
    assert result.exit_code == 0, result.output
    for word in ("records", "pages", "x 429", "retries", "provisional windows", "genesys", "cxone"):
        assert word in result.output
    truth = sim.ground_truth("genesys", START, END, ids=True)
    assert sorted(
        ids_between(db, "genesys_conversations", "conversation_id", "conversation_start", START, END)
    ) == sorted(truth["conversation_ids"])


def test_kill_9_during_the_load_then_rerun_equals_ground_truth(tmp_path: Path) -> None:
    db = tmp_path / "wh" / "ccfinops.duckdb"
    config = small_config(conversations_per_month=150_000)  # ~5 000 conversations a day
    with run_simulator(seed=11, port=0, config=config) as sim:
        sim.set_clock(CLOCK)
        env = {**os.environ, **sim.genesys_env(), **sim.cxone_env(), **FAST_ENV}
        cmd = [sys.executable, "-m", "flows.cli", *_args(db, "genesys")]
        normalized = pipelines_dir_for(db) / "ccfinops_genesys" / "load" / "normalized"
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        killed_in_load = False
        deadline = time.monotonic() + 120
        while proc.poll() is None and time.monotonic() < deadline:
            done_jobs = list(normalized.glob("*/completed_jobs/*")) if normalized.exists() else []
            if any(not j.name.startswith("_") for j in done_jobs):
                proc.send_signal(signal.SIGKILL)  # some tables of the package are loaded, others not
                killed_in_load = True
                break
            time.sleep(0.005)
        proc.wait(timeout=30)
        assert killed_in_load, "the run finished before the load step could be interrupted"
        assert proc.returncode == -signal.SIGKILL

        rerun = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
        assert rerun.returncode == 0, rerun.stderr
        truth = sim.ground_truth("genesys", START, END, ids=True)
    got = ids_between(db, "genesys_conversations", "conversation_id", "conversation_start", START, END)
    assert len(got) == len(set(got)) == truth["conversation_count"] > 10_000
    assert sorted(got) == sorted(truth["conversation_ids"])
    for table, key in (
        ("genesys_sessions", "session_id"),
        ("genesys_segments", "segment_id"),
    ):
        total, distinct = query(db, f"select count(*), count(distinct {key}) from raw.{table}")[0]
        assert total == distinct
