"""Helpers for the end-to-end quality tests: synthetic raw → dbt build → seeded defects."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import duckdb

EMERGENCY_FALLBACK = "afb9c573-890e-5ad6-bf01-61927ba30bf9"  # org.yaml: overflow queue, no parent, unmapped
SYNTH_START = dt.datetime(2026, 9, 20, tzinfo=dt.UTC)
SYNTH_DAYS = 20
SYNTH_CONVERSATIONS = 400


def dbt_build(db: Path, command: str = "build", *extra: str) -> None:
    """``dbt <command>`` on ``db`` through the project's helper (artefacts beside the file)."""
    from flows.dbt_runner import run_dbt

    old = os.environ.get("CCFINOPS_DB")
    try:
        run_dbt([command, *extra], db, quiet=True)
    finally:  # run_dbt points CCFINOPS_DB at the file; do not leak it into other tests
        if old is None:
            os.environ.pop("CCFINOPS_DB", None)
        else:
            os.environ["CCFINOPS_DB"] = old


def clone_conversation(
    con: duckdb.DuckDBPyConnection,
    conversation_id: str,
    prefix: str,
    provider: str | None = None,
    queue_id: str | None = None,
) -> str:
    """Copy a Genesys conversation (conversation, sessions, segments) under new ids.

    Returns the new customer-leg session id (the voice usage item's ``source_record_id``).

    ``provider`` replaces the carrier of the customer leg; ``queue_id`` replaces every queue of the
    conversation (an overflow chain ending in that queue).
    """
    sip = f"{prefix}-sip"
    con.execute(
        f"""insert into raw.genesys_conversations
        select '{prefix}-conv', conversation_start, conversation_end, originating_direction, media_type,
            division_id, null, null, final_wrapup_code, 0, is_late
        from raw.genesys_conversations where conversation_id = ?""",
        [conversation_id],
    )
    con.execute(
        f"""insert into raw.genesys_sessions
        select '{prefix}-' || session_id, '{prefix}-conv', participant_id, purpose, media_type, direction,
            case when protocol_call_id is not null then coalesce(?, provider) end,
            case when protocol_call_id is not null then '{sip}' end,
            ani, dnis, user_id, session_start, session_end
        from raw.genesys_sessions where conversation_id = ?""",
        [provider, conversation_id],
    )
    con.execute(
        f"""insert into raw.genesys_segments
        select '{prefix}-' || segment_id, '{prefix}-conv', '{prefix}-' || session_id, segment_index,
            segment_type, purpose, case when queue_id is not null then coalesce(?, queue_id) end, user_id,
            segment_start, segment_end, wrapup_code, disconnect_type
        from raw.genesys_segments where conversation_id = ?""",
        [queue_id, conversation_id],
    )
    return con.execute(
        "select session_id from raw.genesys_sessions "
        "where conversation_id = ? and protocol_call_id is not null",
        [f"{prefix}-conv"],
    ).fetchone()[0]


def pick_byoc_conversations(con: duckdb.DuckDBPyConnection, n: int) -> list[tuple[str, str]]:
    """``n`` October BYOC conversations attributed directly: (conversation_id, usage subject suffix)."""
    return con.execute(
        """select conversation_id, direction || '/' || number_type
        from analytics.fct_usage_cost
        where carrier = 'byoc_bandwidth' and attribution_method = 'direct' and usage_date >= date '2026-10-01'
        order by conversation_id limit ?""",
        [n],
    ).fetchall()


def duplicate_contact(con: duckdb.DuckDBPyConnection) -> str:
    """Replay one CXone contact (as an append-mode reload would): drop the PK, insert it again."""
    con.execute("create table raw.cxone_contacts_copy as select * from raw.cxone_contacts")
    con.execute("drop table raw.cxone_contacts")
    con.execute("alter table raw.cxone_contacts_copy rename to cxone_contacts")
    contact_id = con.execute(
        "select min(contact_id) from raw.cxone_contacts where contact_start >= timestamptz '2026-10-01'"
    ).fetchone()[0]
    con.execute(
        "insert into raw.cxone_contacts select * from raw.cxone_contacts where contact_id = ?", [contact_id]
    )
    return str(contact_id)
