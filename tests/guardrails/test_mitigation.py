"""Mitigations on the simulator's write endpoints: dry-run, approve, auto, rollback, exemptions, audit."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from typing import Any

import pytest
from typer.testing import CliRunner

from flows.cli import app as cli
from guardrails.executor import ActionError, MitigationExecutor
from guardrails.platform import ApiPlatformWriter
from simulator.server import run_simulator
from tests.guardrails.conftest import seed_event

SKILL = "e4bfe94e-d401-5166-a256-fc11794a3afd"
WEM = "17386d63-f2bd-5e29-938d-c7f069ed36c8"
T2_QUEUE = "ed311929-3aff-59bd-9167-11b93317423f"


@pytest.fixture(scope="module")
def sim() -> Iterator[Any]:
    with run_simulator(seed=7) as handle:
        yield handle


@pytest.fixture
def sim_env(sim, monkeypatch) -> dict[str, str]:
    env = sim.genesys_env() | sim.cxone_env()
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    return env


@pytest.fixture
def writer(sim_env) -> Iterator[ApiPlatformWriter]:
    w = ApiPlatformWriter(sim_env)
    yield w
    w.close()
    # leave the shared simulator as found
    w2 = ApiPlatformWriter(sim_env)
    w2.write("genesys", "PUT", f"/api/v2/routing/skills/{SKILL}", {"state": "active"})
    w2.write("genesys", "PATCH", f"/api/v2/recording/mediaretentionpolicies/{WEM}", {"enabled": True})
    w2.write("cxone", "PUT", "/incontactapi/services/v30.0/skills/4201", {"isActive": True})
    w2.close()


def _skill(w) -> str:
    return w.read("genesys", f"/api/v2/routing/skills/{SKILL}")["state"]


def _wem(w) -> bool:
    return w.read("genesys", f"/api/v2/recording/mediaretentionpolicies/{WEM}")["enabled"]


def _wait_actions(executor: MitigationExecutor, n: int) -> list:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        items = executor.list()
        if len(items) >= n:
            return items
        time.sleep(0.05)
    raise AssertionError(f"expected {n} actions, have {executor.list()}")


def _breach(receiver, cost_center: str, prefix: str) -> dict:
    # expected 1.00/day, floor 1.00: 12000 s at 0.0150/min = 3.00 breaches at any hour
    return receiver.post(seed_event(f"{prefix}-1", duration_ms=12_000_000, cost_center=cost_center)).json()


def test_approve_then_rollback_restores_the_simulator(make_receiver, settings, writer, sim_env):
    rec = make_receiver(settings, mitigation_mode="approve")
    out = _breach(rec, "CC-SALES", "ap")
    assert out["decision"] == "mitigate" and len(out["actions"]) == 2
    items = _wait_actions(rec.service.executor, 2)
    assert {a.state for a in items} == {"pending"} and _skill(writer) == "active" and _wem(writer) is True
    # another breach the same day plans nothing new (one action per day, cost center, mitigation)
    assert (
        rec.post(seed_event("ap-2", duration_ms=60_000, cost_center="CC-SALES")).json()["actions"]
        == out["actions"]
    )

    runner = CliRunner()
    spool = ["--spool", str(settings.spool_dir)]
    by_name = {a.mitigation: a.action_id for a in items}
    res = runner.invoke(cli, ["guardrails", "approve", by_name["disable_premium_skill"], *spool])
    assert res.exit_code == 0, res.output
    res = runner.invoke(cli, ["guardrails", "approve", by_name["pause_wem"], *spool])
    assert res.exit_code == 0, res.output
    assert _skill(writer) == "inactive" and _wem(writer) is False
    # idempotent: approving again changes nothing and audits nothing new
    before = len(rec.service.executor.audit())
    assert runner.invoke(cli, ["guardrails", "approve", by_name["pause_wem"], *spool]).exit_code == 0
    assert len(rec.service.executor.audit()) == before

    for action_id in by_name.values():
        res = runner.invoke(cli, ["guardrails", "rollback", action_id, *spool])
        assert res.exit_code == 0, res.output
    assert _skill(writer) == "active" and _wem(writer) is True
    assert runner.invoke(cli, ["guardrails", "rollback", by_name["pause_wem"], *spool]).exit_code == 0

    trail = rec.service.executor.audit(by_name["disable_premium_skill"])
    assert [t["event"] for t in trail] == ["planned", "applied", "rolled_back"]
    applied = trail[1]
    assert applied["policy_version"] == "test-1" and applied["actor"] == "cli:cli"
    assert '"state": "active"' in applied["before_json"] and '"state": "inactive"' in applied["after_json"]
    listing = runner.invoke(cli, ["guardrails", "actions", *spool])
    assert listing.exit_code == 0 and listing.output.count("rolled_back") == 2
    # the audit log is append-only
    with sqlite3.connect(settings.audit_db) as con, pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("delete from audit_log")


def test_dry_run_is_the_default_and_changes_nothing(receiver, writer):
    out = _breach(receiver, "CC-SALES", "dr")
    assert out["decision"] == "mitigate"
    items = _wait_actions(receiver.service.executor, 2)
    assert {a.state for a in items} == {"dry_run"} and {a.mode for a in items} == {"dry-run"}
    assert _skill(writer) == "active" and _wem(writer) is True


def test_auto_mode_applies_at_once(make_receiver, settings, writer):
    rec = make_receiver(settings, mitigation_mode="auto", writer=writer)
    out = _breach(rec, "CC-FINANCE", "au")
    assert out["decision"] == "mitigate"
    (action,) = _wait_actions(rec.service.executor, 1)
    deadline = time.monotonic() + 15
    while action.state != "applied" and time.monotonic() < deadline:
        time.sleep(0.05)
        action = rec.service.executor.get(action.action_id)
    assert (
        action.state == "applied" and action.before["isActive"] is True and action.after["isActive"] is False
    )
    assert writer.read("cxone", "/incontactapi/services/v30.0/skills/4201")["isActive"] is False
    rec.service.executor.rollback(action.action_id, actor="test")
    assert writer.read("cxone", "/incontactapi/services/v30.0/skills/4201")["isActive"] is True


def test_exempt_queue_is_never_touched(make_receiver, settings, writer):
    rec = make_receiver(settings, mitigation_mode="auto", writer=writer)
    before = writer.read("genesys", f"/api/v2/routing/queues/{T2_QUEUE}")["skillEvaluationMethod"]
    out = _breach(rec, "CC-COLLECTIONS", "ex")  # its mitigation targets the exempt Support Tier 2 queue
    assert out["decision"] == "mitigate"
    (action,) = _wait_actions(rec.service.executor, 1)
    assert action.state == "skipped_exempt"
    assert writer.read("genesys", f"/api/v2/routing/queues/{T2_QUEUE}")["skillEvaluationMethod"] == before
    with pytest.raises(ActionError, match="skipped_exempt"):
        rec.service.executor.apply(action.action_id, actor="test")


def test_unknown_action_is_a_clear_cli_error(settings):
    res = CliRunner().invoke(cli, ["guardrails", "approve", "act-nope", "--spool", str(settings.spool_dir)])
    assert res.exit_code == 1 and "unknown action 'act-nope'" in res.output
