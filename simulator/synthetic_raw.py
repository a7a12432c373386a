"""Write simulated conversations straight into the raw tables (CONTRACTS.md schema), in DuckDB SQL.

Used by the dbt tests and ``benchmarks/transform.py``: millions of conversations in seconds, with
the identities of ``simulator/org.yaml`` (queues, skills, campaigns, carriers, wrap-up
codes). The mix exercises every attribution rule: overflow and transfer chains (inherited cost
center), overflow queues reached first (parent_default), an unregistered fallback queue
(campaign or UNATTRIBUTED), explicit conversation cost centers (direct), toll-free and local
numbers on two Genesys carriers and CXone. Everything is a deterministic function of
``(seed, conversation index)``.

``write_synthetic_raw(db, n)`` creates the raw tables if needed and appends; ``append_hour(db)``
adds one more hour of traffic after the newest conversation; ``to_postgres(db, dsn)`` copies the
raw schema to PostgreSQL with ``COPY``.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ORG_FILE = Path(__file__).resolve().parent / "org.yaml"
DEFAULT_START = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
DEFAULT_DAYS = 122
#: share of conversations that are NICE CXone contacts (30 k of 130 k a month in org.yaml)
CXONE_PER_THOUSAND = 230

RAW_DDL: dict[str, str] = {
    "genesys_conversations": """
        conversation_id varchar, conversation_start timestamptz, conversation_end timestamptz,
        originating_direction varchar, media_type varchar, division_id varchar, cost_center varchar,
        campaign_id varchar, final_wrapup_code varchar, transcription_ms bigint, is_late boolean""",
    "genesys_sessions": """
        session_id varchar, conversation_id varchar, participant_id varchar, purpose varchar,
        media_type varchar, direction varchar, provider varchar, protocol_call_id varchar, ani varchar,
        dnis varchar, user_id varchar, session_start timestamptz, session_end timestamptz""",
    "genesys_segments": """
        segment_id varchar, conversation_id varchar, session_id varchar, segment_index integer,
        segment_type varchar, purpose varchar, queue_id varchar, user_id varchar,
        segment_start timestamptz, segment_end timestamptz, wrapup_code varchar, disconnect_type varchar""",
    "genesys_evaluations": """
        evaluation_id varchar, conversation_id varchar, user_id varchar,
        evaluated_at timestamptz, total_score decimal(9, 4)""",
    "genesys_voice_usage": """
        sip_call_id varchar, call_start timestamptz, direction varchar, usage_group varchar,
        duration_seconds bigint, rate_per_minute decimal(18, 6), cost decimal(18, 6), currency varchar""",
    "genesys_queue_intervals": """
        queue_id varchar, interval_start timestamptz, media_type varchar, interval_end timestamptz,
        n_offered bigint, n_answered bigint, t_handle_count bigint, t_handle_sum_ms bigint,
        t_talk_sum_ms bigint, t_acw_sum_ms bigint, is_provisional boolean""",
    "genesys_licence_usage": """
        period_start timestamptz, charge_name varchar, period_end timestamptz, user_count bigint""",
    "cxone_contacts": """
        contact_id bigint, master_contact_id bigint, contact_start timestamptz,
        contact_end timestamptz, skill_id bigint, skill_name varchar, campaign_id bigint,
        campaign_name varchar, agent_id bigint, team_id bigint, media_type varchar, is_outbound boolean,
        from_addr varchar, to_addr varchar, point_of_contact varchar, total_duration_seconds bigint,
        in_queue_seconds bigint, agent_seconds bigint, hold_seconds bigint, acw_seconds bigint,
        disposition varchar, abandoned boolean, transfer_indicator boolean, end_reason varchar,
        number_type varchar, carrier varchar""",
}

#: Genesys Cloud Voice list prices used for the simulated usage CSV (the vendor's own rating)
_CLOUD_VOICE_RATES = {
    ("inbound", "local"): "0.0040",
    ("inbound", "toll_free"): "0.0150",
    ("outbound", "local"): "0.0119",
    ("outbound", "toll_free"): "0.0119",
}


@dataclass(frozen=True)
class SyntheticLoad:
    """What one call wrote: conversation count, time range and rows per raw table."""

    conversations: int
    start: dt.datetime
    end: dt.datetime
    row_counts: dict[str, int]


def _org() -> dict[str, Any]:
    return yaml.safe_load(ORG_FILE.read_text())


def create_raw_tables(con: Any) -> None:
    """Create schema ``raw`` and every simulated raw table (typed per CONTRACTS.md) if missing."""
    con.execute("create schema if not exists raw")
    for table, columns in RAW_DDL.items():
        con.execute(f"create table if not exists raw.{table} ({columns})")


def _define_macros(con: Any, seed: int) -> None:
    # r(i, k): a uniform integer in [0, 1e6) for conversation i and draw k
    con.execute(f"create or replace temp macro r(i, k) as cast(hash(i, k, {seed}) % 1000000 as bigint)")
    # ids: one md5 per id (32 hex characters) - unique, opaque and cheap to generate
    con.execute("create or replace temp macro uid(s) as md5(s)")


def _explicit_cost_center(con: Any) -> str:
    try:
        row = con.execute(
            "select cost_center from raw.config_cost_centers where is_active order by cost_center limit 1"
        ).fetchone()
    except Exception:  # noqa: BLE001 - the registry may not be loaded yet
        row = None
    return row[0] if row else "CC-MARKETING"


def write_synthetic_raw(
    db_path: str | Path,
    conversations: int = 10_000_000,
    *,
    start: dt.datetime = DEFAULT_START,
    days: float = DEFAULT_DAYS,
    seed: int = 7,
    first_index: int = 0,
    provisional_intervals: int = 0,
    load_registries: bool = True,
) -> SyntheticLoad:
    """Append ``conversations`` simulated conversations spread evenly over ``days`` from ``start``.

    ``first_index`` offsets the conversation numbering so repeated calls never collide.
    ``provisional_intervals`` marks that many of the newest queue intervals provisional (their
    conversation details are then removed, as when an analytics job expired). Registries are
    loaded with ``ingestion.registries.load_registries`` when the tables are missing.
    """
    import duckdb

    db_path = Path(db_path)
    if load_registries:
        ensure_registries(db_path)
    org = _org()
    span_ms = int(days * 86_400_000)
    con = duckdb.connect(str(db_path))
    try:
        con.execute("set TimeZone = 'UTC'")
        create_raw_tables(con)
        _define_macros(con, seed)
        before = _counts(con)
        explicit_cc = _explicit_cost_center(con)
        _build_base(con, org, conversations, first_index, start, span_ms, explicit_cc)
        con.execute("begin")
        _insert_genesys(con, org)
        _insert_cxone(con, org)
        _insert_aggregates(con, org, start, days)
        if provisional_intervals:
            _make_provisional(con, provisional_intervals)
        con.execute("commit")
        after = _counts(con)
    finally:
        con.close()
    end = start + dt.timedelta(milliseconds=span_ms)
    return SyntheticLoad(conversations, start, end, {t: after[t] - before[t] for t in after})


def append_hour(db_path: str | Path, conversations: int, *, seed: int = 7) -> SyntheticLoad:
    """Append one hour of traffic (``conversations`` of them) right after the newest conversation."""
    import duckdb

    con = duckdb.connect(str(db_path), read_only=True)
    try:
        newest, count = con.execute(
            "select max(conversation_start), count(*) from raw.genesys_conversations"
        ).fetchone()
        cx_count = con.execute("select count(*) from raw.cxone_contacts").fetchone()[0]
    finally:
        con.close()
    start = newest.astimezone(dt.UTC) + dt.timedelta(minutes=1)
    return write_synthetic_raw(
        db_path,
        conversations,
        start=start,
        days=1 / 24,
        seed=seed,
        first_index=int(count) + int(cx_count) + 1_000_000_000,
        load_registries=False,
    )


def ensure_registries(db_path: Path) -> None:
    """Load the config registries with the registry loader unless the warehouse already has them."""
    import duckdb

    if db_path.exists():
        con = duckdb.connect(str(db_path), read_only=True)
        try:
            present = con.execute(
                "select count(*) from information_schema.tables "
                "where table_schema = 'raw' and table_name = 'config_rate_cards'"
            ).fetchone()[0]
        finally:
            con.close()
        if present:
            return
    from ingestion.registries import load_registries

    load_registries(db_path)


def _counts(con: Any) -> dict[str, int]:
    return {t: con.execute(f"select count(*) from raw.{t}").fetchone()[0] for t in RAW_DDL}


def _build_base(
    con: Any,
    org: dict[str, Any],
    n: int,
    first_index: int,
    start: dt.datetime,
    span_ms: int,
    explicit_cc: str,
) -> None:
    """One row per simulated conversation with every random draw it needs (temp table ``base``)."""
    q = {item["name"]: item["id"] for item in org["genesys"]["queues"]}
    camp = {item["name"]: item["id"] for item in org["genesys"]["campaigns"]}
    carriers = org["genesys"]["carriers"]
    start_iso = start.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
    con.execute(
        f"""
        create or replace temp table base as
        with idx as (
            select
                i,
                timestamptz '{start_iso}+00'
                    + to_milliseconds(cast((i - {first_index}) * {span_ms} // {max(n, 1)} as bigint)
                    + r(i, 1) % 20000) as t0,
                r(i, 2) % 1000 < {CXONE_PER_THOUSAND} as is_cxone,
                r(i, 3) % 1000 as queue_draw,
                r(i, 4) % 100 as path_draw,
                r(i, 5) % 100 as misc_draw
            from range({first_index}, {first_index + n}) as t(i)
        ),
        picked as (
            select
                *,
                case
                    when queue_draw < 240 then '{q["Sales"]}'
                    when queue_draw < 540 then '{q["Support Tier 1"]}'
                    when queue_draw < 600 then '{q["Support Tier 2"]}'
                    when queue_draw < 740 then '{q["Billing"]}'
                    when queue_draw < 840 then '{q["Retention"]}'
                    when queue_draw < 990 then '{q["Collections Outbound"]}'
                    else '{q["Emergency Fallback"]}'
                end as entry_queue
            from idx
        )
        select
            i,
            is_cxone,
            t0,
            uid('conv-' || i) as conversation_id,
            -- ACD path: first queue, optional second queue (overflow / transfer)
            case
                when entry_queue = '{q["Sales"]}' and path_draw < 3 then '{q["Sales Overflow"]}'
                when entry_queue = '{q["Support Tier 1"]}' and path_draw < 2 then '{q["Support Overflow"]}'
                else entry_queue
            end as q1,
            case
                when entry_queue = '{q["Sales"]}' and path_draw between 3 and 17 then '{q["Sales Overflow"]}'
                when entry_queue = '{q["Support Tier 1"]}' and path_draw between 2 and 13
                    then '{q["Support Overflow"]}'
                when entry_queue = '{q["Support Tier 1"]}' and path_draw between 14 and 23
                    then '{q["Support Tier 2"]}'
                when entry_queue = '{q["Support Tier 2"]}' and path_draw < 5 then '{q["Emergency Fallback"]}'
            end as q2,
            entry_queue = '{q["Collections Outbound"]}' as is_outbound,
            case
                when entry_queue = '{q["Collections Outbound"]}' then '{camp["collections-q4"]}'
                when entry_queue = '{q["Emergency Fallback"]}' and misc_draw < 30
                    then '{camp["spring-promo"]}'
                when entry_queue = '{q["Sales"]}' and misc_draw < 10 then '{camp["spring-promo"]}'
            end as campaign_id,
            case when misc_draw between 90 and 92 then '{explicit_cc}' end as cost_center,
            case when r(i, 6) % 100 < 97 then 'voice' else 'chat' end as media_type,
            case when r(i, 7) % 10 < 7 then '{carriers[0]}' else '{carriers[1]}' end as carrier,
            r(i, 8) % 100 < 40 as toll_free,
            case when entry_queue = '{q["Collections Outbound"]}' then 0 else 15 + r(i, 9) % 45 end as ivr_s,
            5 + r(i, 10) % 120 as wait1_s,
            5 + r(i, 11) % 90 as wait2_s,
            60 + r(i, 12) % 840 as talk_s,
            10 + r(i, 13) % 110 as acw_s,
            r(i, 14) % 100 < 30 as transcribed,
            r(i, 15) % 100 < 3 as evaluated,
            r(i, 16) % 100 < 2 as external_transfer,
            r(i, 17) % 100 as wrapup_draw,
            r(i, 18) % {org["genesys"]["agents"]} as agent_no,
            r(i, 19) % 1000 as skill_draw,
            r(i, 20) % 100 as cx_draw
        from picked
        """
    )
    con.execute("""
        create or replace temp table g as
        select
            *,
            t0 + to_seconds(ivr_s) as acd1_start,
            t0 + to_seconds(ivr_s + wait1_s) as acd1_end,
            t0 + to_seconds(ivr_s + wait1_s + case when q2 is null then 0 else wait2_s end) as talk_start
        from base where not is_cxone
    """)
    con.execute("""
        create or replace temp table g2 as
        select
            *,
            talk_start + to_seconds(talk_s) as talk_end,
            talk_start + to_seconds(talk_s + acw_s) as conv_end,
            coalesce(q2, q1) as final_queue
        from g
    """)


def _insert_genesys(con: Any, org: dict[str, Any]) -> None:
    wr = org["genesys"]["wrapup_codes"]
    resolved, unresolved = wr["resolved"], wr["unresolved"]
    division = org["genesys"]["division_id"]
    res_list = "[" + ", ".join(f"'{c}'" for c in resolved) + "]"
    unres_list = "[" + ", ".join(f"'{c}'" for c in unresolved) + "]"
    wrapup = (
        f"case when wrapup_draw < 65 then {res_list}[1 + wrapup_draw % {len(resolved)}] "
        f"else {unres_list}[1 + wrapup_draw % {len(unresolved)}] end"
    )
    con.execute(f"""
        insert into raw.genesys_conversations
        select conversation_id, t0, conv_end, case when is_outbound then 'outbound' else 'inbound' end,
            media_type, '{division}', cost_center, campaign_id, {wrapup},
            case when transcribed and media_type = 'voice' then talk_s * 1000 else 0 end, false
        from g2
    """)
    # customer leg (the carrier leg), acd sessions, agent session, optional external transfer leg
    con.execute("""
        insert into raw.genesys_sessions
        select uid('s-cust-' || i), conversation_id, uid('p-cust-' || i), 'customer', media_type,
            case when is_outbound then 'outbound' else 'inbound' end,
            case when media_type = 'voice' then carrier end,
            case when media_type = 'voice' then uid('sip-' || i) end,
            case when is_outbound then '+13125550100'
                else '+1415' || lpad(cast(i % 10000000 as varchar), 7, '0') end,
            case
                when is_outbound then '+1617' || lpad(cast(i % 10000000 as varchar), 7, '0')
                when toll_free then '+18005550' || lpad(cast(i % 1000 as varchar), 3, '0')
                else '+13125550' || lpad(cast(i % 1000 as varchar), 3, '0')
            end,
            null, t0, talk_end
        from g2
        union all
        select uid('s-acd1-' || i), conversation_id, uid('p-acd1-' || i), 'acd', media_type, 'inbound',
            null, null, null, null, null, acd1_start, acd1_end
        from g2
        union all
        select uid('s-acd2-' || i), conversation_id, uid('p-acd2-' || i), 'acd', media_type, 'inbound',
            null, null, null, null, null, acd1_end, talk_start
        from g2 where q2 is not null
        union all
        select uid('s-agent-' || i), conversation_id, uid('p-agent-' || i), 'agent', media_type,
            case when is_outbound then 'outbound' else 'inbound' end, null, null, null, null,
            uid('agent-' || agent_no), talk_start, conv_end
        from g2
        union all
        select uid('s-ext-' || i), conversation_id, uid('p-ext-' || i), 'external', media_type, 'outbound',
            carrier, uid('sip-ext-' || i), '+13125550100',
            '+1646' || lpad(cast(i % 10000000 as varchar), 7, '0'),
            null, talk_start + to_seconds(talk_s // 2), talk_end
        from g2 where external_transfer and media_type = 'voice'
    """)
    con.execute(f"""
        insert into raw.genesys_segments
        select uid('s-cust-' || i) || ':0', conversation_id, uid('s-cust-' || i), 0,
            case when ivr_s > 0 then 'ivr' else 'dialing' end, 'customer', null, null, t0, acd1_start,
            null, null
        from g2
        union all
        select uid('s-cust-' || i) || ':1', conversation_id, uid('s-cust-' || i), 1, 'interact', 'customer',
            null, null, acd1_start, talk_end, null, 'peer'
        from g2
        union all
        select uid('s-acd1-' || i) || ':0', conversation_id, uid('s-acd1-' || i), 0, 'interact', 'acd',
            q1, null, acd1_start, acd1_end, null, case when q2 is null then 'transfer' else 'transfer' end
        from g2
        union all
        select uid('s-acd2-' || i) || ':0', conversation_id, uid('s-acd2-' || i), 0, 'interact', 'acd',
            q2, null, acd1_end, talk_start, null, 'transfer'
        from g2 where q2 is not null
        union all
        select uid('s-agent-' || i) || ':0', conversation_id, uid('s-agent-' || i), 0, 'interact', 'agent',
            final_queue, uid('agent-' || agent_no), talk_start, talk_end, null, 'client'
        from g2
        union all
        select uid('s-agent-' || i) || ':1', conversation_id, uid('s-agent-' || i), 1, 'wrapup', 'agent',
            final_queue, uid('agent-' || agent_no), talk_end, conv_end, {wrapup}, null
        from g2
    """)
    con.execute("""
        insert into raw.genesys_evaluations
        select uid('eval-' || i), conversation_id, uid('agent-' || agent_no),
            conv_end + interval 2 day, cast(50 + r(i, 30) % 51 as decimal(9, 4))
        from g2 where evaluated and media_type = 'voice'
    """)
    rates = " ".join(
        f"when direction = '{d}' and usage_group = '{nt}' then cast('{rate}' as decimal(18, 6))"
        for (d, nt), rate in _CLOUD_VOICE_RATES.items()
    )
    con.execute(f"""
        insert into raw.genesys_voice_usage
        with legs as (
            select s.protocol_call_id as sip_call_id, s.session_start as call_start, s.direction,
                case when substr(regexp_replace(s.dnis, '[^0-9]', '', 'g'), 2, 3)
                    in ('800', '833', '844', '855', '866', '877', '888') then 'toll_free' else 'local' end
                    as usage_group,
                cast(ceil(epoch_ms(s.session_end - s.session_start) / 6000.0) * 6 as bigint)
                    as duration_seconds
            from raw.genesys_sessions as s
            where s.provider = 'genesys_cloud_voice'
                and s.conversation_id in (select conversation_id from g2)
        ),
        rated as (select *, case {rates} end as rate_per_minute from legs)
        select sip_call_id, call_start, direction, usage_group, duration_seconds, rate_per_minute,
            cast(duration_seconds * rate_per_minute / 60 as decimal(18, 6)), 'USD'
        from rated
    """)


def _insert_cxone(con: Any, org: dict[str, Any]) -> None:
    skills = {s["id"]: s for s in org["nice_cxone"]["skills"]}
    campaign = org["nice_cxone"]["campaigns"][0]
    disp = org["nice_cxone"]["dispositions"]
    res = "[" + ", ".join(f"'{c}'" for c in disp["resolved"]) + "]"
    unres = "[" + ", ".join(f"'{c}'" for c in disp["unresolved"]) + "]"
    carrier = org["nice_cxone"]["carriers"][0]
    skill_case = (
        "case " + " ".join(f"when skill_id = {k} then '{v['name']}'" for k, v in skills.items()) + " end"
    )
    con.execute("""
        create or replace temp table cx as
        select
            *,
            500000000000 + 2 * i as master_id,
            case
                when skill_draw < 350 then 4101
                when skill_draw < 750 then 4102
                when skill_draw < 850 then 4104
                else 4201
            end as first_skill
        from base where is_cxone
    """)
    con.execute(f"""
        insert into raw.cxone_contacts
        with legs as (
            select *, master_id as contact_id, first_skill as skill_id, 0 as leg,
                first_skill = 4102 and cx_draw < 15 as transferred
            from cx
            union all
            select *, master_id + 1, 4103, 1, false from cx where first_skill = 4102 and cx_draw < 15
        ),
        timed as (
            select *,
                t0 + to_seconds(leg * (wait1_s + talk_s)) as c_start,
                skill_id = 4201 as outbound,
                cx_draw >= 95 and leg = 0 and not transferred as abandoned_flag
            from legs
        )
        select contact_id, master_id, c_start,
            c_start + to_seconds(wait1_s + case when abandoned_flag then 0 else talk_s + acw_s end),
            skill_id, {skill_case},
            case when outbound then {campaign["id"]} end, case when outbound then '{campaign["name"]}' end,
            case when abandoned_flag then null else 9000 + agent_no % {org["nice_cxone"]["agents"]} end,
            case when abandoned_flag then null else 100 + agent_no % 6 end,
            'PhoneCall', outbound,
            case when outbound then '+12125550199'
                else '+1718' || lpad(cast(i % 10000000 as varchar), 7, '0') end,
            case when outbound then '+1917' || lpad(cast(i % 10000000 as varchar), 7, '0')
                when toll_free then '+18775550199' else '+12125550199' end,
            case when outbound then null when toll_free then '+18775550199' else '+12125550199' end,
            wait1_s + case when abandoned_flag then 0 else talk_s + acw_s end,
            wait1_s, case when abandoned_flag then 0 else talk_s end, 0,
            case when abandoned_flag then 0 else acw_s end,
            case when abandoned_flag then null when transferred then 'Escalated'
                when wrapup_draw < 65 then {res}[1 + wrapup_draw % {len(disp["resolved"])}]
                else {unres}[1 + wrapup_draw % {len(disp["unresolved"])}] end,
            abandoned_flag, transferred,
            case when abandoned_flag then 'Abandoned' when transferred then 'Transferred'
                else 'Contact Hung Up' end,
            case when toll_free and not outbound then 'toll_free' else 'local' end,
            '{carrier}'
        from timed
    """)


def _insert_aggregates(con: Any, org: dict[str, Any], start: dt.datetime, days: float) -> None:
    """Queue interval aggregates (30 min) and monthly licence usage for the appended range."""
    con.execute("""
        insert into raw.genesys_queue_intervals
        select * from (
            select q1 as queue_id, time_bucket(interval 30 minute, t0) as interval_start, media_type,
                time_bucket(interval 30 minute, t0) + interval 30 minute,
                count(*), count(*), count(*), sum((talk_s + acw_s) * 1000), sum(talk_s * 1000),
                sum(acw_s * 1000), false
            from g2
            group by 1, 2, 3
        ) as new_rows
        where not exists (
            select 1 from raw.genesys_queue_intervals as old
            where old.queue_id = new_rows.queue_id and old.interval_start = new_rows.interval_start
                and old.media_type = new_rows.media_type
        )
    """)
    users = {"genesys_cloud_cx_3": 150, "genesys_wem_add_on": 40, "genesys_speech_analytics": 25}
    first = dt.date(start.year, start.month, 1)
    last = (start + dt.timedelta(days=days)).date()
    month = first
    while month <= last:
        nxt = dt.date(month.year + (month.month == 12), month.month % 12 + 1, 1)
        for charge in org["genesys"]["licences"]:
            name = charge["charge_name"]
            con.execute(
                """insert into raw.genesys_licence_usage
                   select ?, ?, ?, ? where not exists (
                       select 1 from raw.genesys_licence_usage where period_start = ? and charge_name = ?)""",
                [month, name, nxt, users.get(name, 10), month, name],
            )
        month = nxt


def _make_provisional(con: Any, intervals: int) -> None:
    """Mark the newest voice intervals provisional and drop their conversation details."""
    con.execute(f"""
        create or replace temp table prov as
        select queue_id, interval_start, interval_end from raw.genesys_queue_intervals
        where media_type = 'voice' order by interval_start desc, queue_id limit {intervals}
    """)
    con.execute("""
        update raw.genesys_queue_intervals as qi set is_provisional = true
        from prov where qi.queue_id = prov.queue_id and qi.interval_start = prov.interval_start
            and qi.media_type = 'voice'
    """)
    con.execute("""
        create or replace temp table prov_conv as
        select g2.conversation_id from g2 join prov
            on g2.q1 = prov.queue_id and g2.t0 >= prov.interval_start and g2.t0 < prov.interval_end
        where g2.media_type = 'voice'
    """)
    for table in ("genesys_segments", "genesys_sessions", "genesys_evaluations", "genesys_conversations"):
        con.execute(
            f"delete from raw.{table} where conversation_id in (select conversation_id from prov_conv)"
        )
    con.execute("""
        delete from raw.genesys_voice_usage where sip_call_id not in
            (select protocol_call_id from raw.genesys_sessions where protocol_call_id is not null)
    """)


def to_postgres(db_path: str | Path, dsn: str, schema: str = "raw") -> dict[str, int]:
    """Copy every table of the DuckDB ``raw`` schema into PostgreSQL (replacing it) with COPY."""
    import duckdb
    import psycopg2

    src = duckdb.connect(str(db_path), read_only=True)
    counts: dict[str, int] = {}
    try:
        tables = [
            r[0]
            for r in src.execute(
                "select table_name from information_schema.tables where table_schema = ? order by 1", [schema]
            ).fetchall()
        ]
        pg = psycopg2.connect(dsn)
        try:
            with pg, pg.cursor() as cur:
                cur.execute(f'create schema if not exists "{schema}"')
                for table in tables:
                    cols = src.execute(
                        "select column_name, data_type from information_schema.columns "
                        "where table_schema = ? and table_name = ? order by ordinal_position",
                        [schema, table],
                    ).fetchall()
                    ddl = ", ".join(f'"{c}" {_pg_type(t)}' for c, t in cols)
                    cur.execute(f'drop table if exists "{schema}"."{table}" cascade')
                    cur.execute(f'create table "{schema}"."{table}" ({ddl})')
                    select = ", ".join(_csv_expr(c, t) for c, t in cols)
                    with tempfile.TemporaryDirectory() as tmp:
                        path = Path(tmp) / f"{table}.csv"
                        src.execute(
                            f'copy (select {select} from "{schema}"."{table}") to \'{path}\' (header false)'
                        )
                        with path.open() as fh:
                            cur.copy_expert(f'copy "{schema}"."{table}" from stdin with (format csv)', fh)
                    rows = src.execute(f'select count(*) from "{schema}"."{table}"').fetchall()
                    counts[table] = int(rows[0][0])
        finally:
            pg.close()
    finally:
        src.close()
    return counts


def _pg_type(duck_type: str) -> str:
    t = duck_type.upper()
    if t.startswith("DECIMAL"):
        return t.replace("DECIMAL", "numeric")
    return {
        "VARCHAR": "text",
        "BIGINT": "bigint",
        "INTEGER": "integer",
        "BOOLEAN": "boolean",
        "DATE": "date",
        "DOUBLE": "double precision",
        "TIMESTAMP WITH TIME ZONE": "timestamptz",
        "TIMESTAMP": "timestamp",
        "HUGEINT": "numeric",
    }.get(t, "text")


def _csv_expr(column: str, duck_type: str) -> str:
    if duck_type.upper() == "TIMESTAMP WITH TIME ZONE":
        return f"strftime(\"{column}\" at time zone 'UTC', '%Y-%m-%d %H:%M:%S.%f') || '+00'"
    return f'"{column}"'


def main() -> None:  # pragma: no cover - manual use
    """``python -m simulator.synthetic_raw DB [N]``."""
    import sys

    db = Path(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000_000
    print(write_synthetic_raw(db, n))


if __name__ == "__main__":  # pragma: no cover
    main()
