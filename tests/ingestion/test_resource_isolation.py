"""Core vs auxiliary resources: an org without billing/dispositions still loads every conversation."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from flows.cli import app
from tests.ingestion.conftest import END, START, ids_between, query
from tests.ingestion.test_cli_and_resume import FAST_ENV, _args


@pytest.fixture
def fast_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI's tuning env for tests (fast client rate, millisecond backoff)."""
    for key, value in FAST_ENV.items():
        monkeypatch.setenv(key, value)


def _stats(db: Path) -> dict[str, tuple[Any, ...]]:
    rows = query(
        db, "select platform, unavailable_resources, failed_resources, error from raw.ingest_run_stats"
    )
    return {r[0]: r[1:] for r in rows}


def test_a_minimal_org_exits_0_loads_every_record_and_records_what_it_lacks(
    sim: Any, db: Path, fast_env: None, caplog: pytest.LogCaptureFixture
) -> None:
    sim.set_faults(minimal_org=True, rate_429=0.2, rate_5xx=0.05, token_ttl_s=1.0)
    with caplog.at_level(logging.WARNING, logger="ccfinops.ingest"):
        result = CliRunner().invoke(app, _args(db))
    assert result.exit_code == 0, result.output
    g_truth = sim.ground_truth("genesys", START, END, ids=True)
    c_truth = sim.ground_truth("cxone", START, END, ids=True)
    got = ids_between(db, "genesys_conversations", "conversation_id", "conversation_start", START, END)
    assert sorted(got) == sorted(g_truth["conversation_ids"])
    contacts = ids_between(db, "cxone_contacts", "contact_id", "contact_start", START, END)
    assert sorted(contacts) == sorted(str(i) for i in c_truth["contact_ids"])
    assert _stats(db) == {
        "genesys": ("genesys.billing_contracts,genesys.licence_usage", None, None),
        "cxone": ("cxone.dispositions", None, None),
    }
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    # one line per unavailable resource: billing, dispositions, and the WFM / agent-status sources
    assert len(warnings) == len(set(warnings)) and len(warnings) >= 2
    assert any(
        "/api/v2/billing/reports/billableusage" in w and "billing:subscription:view" in w for w in warnings
    )
    assert any("/dispositions" in w and "Dispositions" in w for w in warnings)
    assert "unavailable: genesys.billing_contracts, genesys.licence_usage" in result.output


def test_403_on_billing_is_unavailable_and_the_run_succeeds(sim: Any, db: Path, fast_env: None) -> None:
    sim.set_faults(forbidden_paths="/api/v2/billing/")
    result = CliRunner().invoke(app, _args(db, "genesys"))
    assert result.exit_code == 0, result.output
    assert _stats(db)["genesys"] == ("genesys.billing_contracts,genesys.licence_usage", None, None)
    assert query(db, "select count(*) from raw.genesys_conversations")[0][0] > 0


def test_a_5xx_storm_on_an_auxiliary_resource_commits_the_rest_and_exits_3(
    sim: Any, db: Path, fast_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CCFINOPS_HTTP_MAX_ATTEMPTS", "4")
    sim.set_faults(failing_paths="/api/v2/billing/")  # 503 every time: exhausted after bounded retries
    result = CliRunner().invoke(app, _args(db, "genesys"))
    assert result.exit_code == 3, result.output
    assert "partial" in result.output or "partial" in (result.stderr or "")
    truth = sim.ground_truth("genesys", START, END, ids=True)
    got = ids_between(db, "genesys_conversations", "conversation_id", "conversation_start", START, END)
    assert sorted(got) == sorted(truth["conversation_ids"])
    assert _stats(db)["genesys"][1] == "genesys.billing_contracts,genesys.licence_usage"
    assert not query(
        db, "select count(*) from information_schema.tables where table_name = 'genesys_licence_usage'"
    )[0][0]
    sim.set_faults(failing_paths="")  # the storm is over: the next run fetches the missed month
    rerun = CliRunner().invoke(app, _args(db, "genesys"))
    assert rerun.exit_code == 0, rerun.output
    months = query(db, "select distinct period_start from raw.genesys_licence_usage")
    assert [m[0].strftime("%Y-%m") for m in months] == ["2026-03"]


def test_a_core_failure_fails_loudly_but_the_other_platform_commits(
    sim: Any, db: Path, fast_env: None
) -> None:
    sim.set_faults(forbidden_paths="/api/v2/analytics/conversations/details/jobs")
    result = CliRunner().invoke(app, _args(db))
    assert result.exit_code == 2, result.output
    assert "403" in result.output
    assert not query(
        db, "select count(*) from information_schema.tables where table_name = 'genesys_conversations'"
    )[0][0]
    c_truth = sim.ground_truth("cxone", START, END, ids=True)
    contacts = ids_between(db, "cxone_contacts", "contact_id", "contact_start", START, END)
    assert sorted(contacts) == sorted(str(i) for i in c_truth["contact_ids"])
    assert _stats(db)["genesys"][2] is not None
