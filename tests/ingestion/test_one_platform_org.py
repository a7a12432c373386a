"""``--platform all`` on an org that runs one platform: the configured one is pulled, the run succeeds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from flows.cli import app
from ingestion.ingest_config import CXONE_ENV, GENESYS_ENV
from tests.ingestion.conftest import END, START, ids_between, query
from tests.ingestion.test_cli_and_resume import FAST_ENV, _args


def test_all_pulls_only_the_platform_with_credentials(
    sim: Any, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in FAST_ENV.items():
        monkeypatch.setenv(key, value)
    for env in (*CXONE_ENV.values(), "CXONE_TENANT_ID"):
        monkeypatch.delenv(env, raising=False)
    result = CliRunner().invoke(app, _args(db, "all"))
    assert result.exit_code == 0, result.output
    truth = sim.ground_truth("genesys", START, END, ids=True)
    got = ids_between(db, "genesys_conversations", "conversation_id", "conversation_start", START, END)
    assert sorted(got) == sorted(truth["conversation_ids"])
    assert query(db, "select platform from raw.ingest_run_stats") == [("genesys",)]


def test_a_partial_credential_set_is_named(sim: Any, db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CXONE_CLIENT_SECRET")
    result = CliRunner().invoke(app, _args(db, "all"))
    assert result.exit_code == 2
    assert "missing CXONE_CLIENT_SECRET" in result.output
    assert not db.exists()


def test_no_credentials_at_all_is_an_error(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for env in (*GENESYS_ENV.values(), *CXONE_ENV.values()):
        monkeypatch.delenv(env, raising=False)
    result = CliRunner().invoke(app, _args(db, "all"))
    assert result.exit_code == 2
    assert "no platform credentials" in " ".join(result.output.split())
    assert not db.exists()
