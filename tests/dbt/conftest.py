"""Fixtures for the dbt tests: small synthetic warehouses built with the real dbt project.

The registries are loaded once (with the real registry loader) into a template warehouse that
every test copies; synthetic raw data is written with ``simulator.synthetic_raw``.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from flows.dbt_runner import run_dbt
from ingestion.registries import load_registries
from simulator.synthetic_raw import create_raw_tables, write_synthetic_raw

#: the dbt nodes this area owns (the efficiency / guardrail / FOCUS marts are tested by their own area)
CORE_SELECT = [
    # the efficiency intermediates need the seeds (built with the marts below)
    "--exclude",
    "path:models/intermediate/efficiency",
    "--select",
    "path:models/staging",
    "path:models/intermediate",
    "path:models/marts/usage",
    "path:models/marts/allocation",
    "path:snapshots",
    "path:tests/singular",
    "--indirect-selection",
    "cautious",
]
#: the efficiency / guardrail / FOCUS marts with everything upstream, and their data tests
MART_SELECT = [
    "--select",
    "+path:models/marts/efficiency",
    "+path:models/marts/guardrails",
    "+path:models/marts/focus",
    "path:tests/marts_ext",
    "--indirect-selection",
    "cautious",
]
START = dt.datetime(2026, 8, 25, tzinfo=dt.UTC)
DAYS = 10
#: the Sales queue of the synthetic org (simulator/org.yaml)
SALES = "d41a4916-e89a-57c0-aa86-60d147f9421a"


def build(db: Path, *extra: str) -> None:
    """``dbt build`` of the core models on ``db`` (raises with the failing nodes)."""
    run_dbt(["build", *extra, *CORE_SELECT], db, quiet=True)


def build_marts(db: Path) -> None:
    """``dbt build`` of the marts and everything upstream on ``db`` (raises with the failing nodes)."""
    run_dbt(["build", *MART_SELECT], db, quiet=True)


def template_copy(template: Path, factory: pytest.TempPathFactory, name: str) -> Path:
    """A copy of ``template`` at ``<fresh tmp dir>/<name>.duckdb`` (for module/session fixtures)."""
    db = factory.mktemp(name) / f"{name}.duckdb"
    shutil.copy(template, db)
    return db


def ts(text: str) -> dt.datetime:
    """An ISO timestamp without offset, read as UTC."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def add_genesys_leg(
    con: duckdb.DuckDBPyConnection,
    cid: str,
    start: dt.datetime,
    end: dt.datetime,
    *,
    carrier: str = "genesys_cloud_voice",
    dnis: str = "+13125550100",
    wrapup: str = "RESOLVED",
    transcription_ms: int = 0,
) -> None:
    """The conversation row and the customer's carrier session of one inbound voice call."""
    con.execute(
        "insert into raw.genesys_conversations (conversation_id, conversation_start, conversation_end,"
        " originating_direction, media_type, division_id, cost_center, campaign_id, final_wrapup_code,"
        " transcription_ms, is_late) values (?, ?, ?, 'inbound', 'voice', 'div', null, null, ?, ?, false)",
        [cid, start, end, wrapup, transcription_ms],
    )
    con.execute(
        "insert into raw.genesys_sessions (session_id, conversation_id, participant_id, purpose, media_type,"
        " direction, provider, protocol_call_id, ani, dnis, user_id, session_start, session_end)"
        " values (?, ?, ?, 'customer', 'voice', 'inbound', ?, ?, '+14155550000', ?, null, ?, ?)",
        [f"{cid}-cust", cid, f"{cid}-p1", carrier, f"sip-{cid}", dnis, start, end],
    )


def add_cxone_phone_contact(
    con: duckdb.DuckDBPyConnection,
    contact_id: int,
    start: dt.datetime,
    seconds: int,
    *,
    skill: int,
    skill_name: str,
    dnis: str,
    number_type: str,
    master: int | None = None,
    campaign: int | None = None,
    outbound: bool = False,
    disposition: str = "Resolved",
) -> None:
    """One CXone phone contact from +12125550100 to ``dnis``, with agent 9001 for all ``seconds``."""
    con.execute(
        "insert into raw.cxone_contacts (contact_id, master_contact_id, contact_start, contact_end, skill_id,"
        " skill_name, campaign_id, campaign_name, agent_id, team_id, media_type, is_outbound, from_addr,"
        " to_addr, point_of_contact, total_duration_seconds, in_queue_seconds, agent_seconds, hold_seconds,"
        " acw_seconds, disposition, abandoned, transfer_indicator, end_reason, number_type, carrier)"
        " values (?, ?, ?, ?, ?, ?, ?, null, 9001, 100, 'PhoneCall', ?, '+12125550100', ?, ?, ?, 0, ?, 0, 0,"
        " ?, false, false, 'done', ?, 'nice_cxone_voice')",
        [
            contact_id,
            contact_id if master is None else master,
            start,
            start + dt.timedelta(seconds=seconds),
            skill,
            skill_name,
            campaign,
            outbound,
            dnis,
            dnis,
            seconds,
            seconds,
            disposition,
            number_type,
        ],
    )


def query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    """Rows of one query on a closed warehouse file."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def execute(db: Path, *statements: str) -> None:
    """Run statements read-write on a warehouse file."""
    con = duckdb.connect(str(db))
    try:
        for sql in statements:
            con.execute(sql)
    finally:
        con.close()


@pytest.fixture(scope="session")
def registry_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse with only the shipped registries (and empty raw tables) loaded."""
    db = tmp_path_factory.mktemp("template") / "template.duckdb"
    load_registries(db)
    con = duckdb.connect(str(db))
    try:
        create_raw_tables(con)
    finally:
        con.close()
    return db


@pytest.fixture()
def new_warehouse(registry_template: Path, tmp_path: Path) -> Callable[[str], Path]:
    """Factory: a fresh copy of the registry template named ``<name>.duckdb`` under tmp_path."""

    def make(name: str = "warehouse") -> Path:
        db = tmp_path / f"{name}.duckdb"
        shutil.copy(registry_template, db)
        return db

    return make


@pytest.fixture(scope="session")
def built_warehouse(registry_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3 000 synthetic conversations over 10 days (2 provisional intervals), fully built."""
    db = template_copy(registry_template, tmp_path_factory, "built")
    write_synthetic_raw(
        db, 3000, start=START, days=DAYS, seed=11, provisional_intervals=2, load_registries=False
    )
    build(db)
    return db
