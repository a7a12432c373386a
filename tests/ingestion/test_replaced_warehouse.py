"""A warehouse file replaced while its dlt working folder stays beside it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from flows.cli import app
from ingestion.registries import load_registries
from tests.ingestion.conftest import query
from tests.ingestion.test_cli_and_resume import FAST_ENV, _args

TABLES = ("genesys_conversations", "genesys_queue_intervals", "cxone_contacts", "ingest_run_stats")


def _counts(db: Path) -> dict[str, int]:
    return {t: query(db, f"select count(*) from raw.{t}")[0][0] for t in TABLES}


def test_a_new_warehouse_file_gets_every_table_again(
    sim: Any, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The old folder's schema says tables exist; without a reset dlt skipped creating them and
    queue intervals, contacts and run stats were silently missing from the new file."""
    for key, value in FAST_ENV.items():
        monkeypatch.setenv(key, value)
    sim.set_faults(minimal_org=True)
    first = CliRunner().invoke(app, _args(db))
    assert first.exit_code == 0, first.output
    before = _counts(db)
    assert all(before.values()), before

    db.unlink()
    Path(f"{db}.wal").unlink(missing_ok=True)
    load_registries(db)  # another pipeline creates the raw dataset first
    again = CliRunner().invoke(app, _args(db))
    assert again.exit_code == 0, again.output
    assert _counts(db) == before
