"""Demo hook: replay one day of usage through a live guardrail receiver (``ccfinops demo``).

``replay_day`` exports the warehouse's guardrail rule book, reads the latest complete day of voice and
transcription usage from ``analytics.fct_usage_cost`` (then closes the warehouse), starts the real
receiver (uvicorn on 127.0.0.1, random port, generated secret, mitigation mode ``approve``, writer
pointed at the simulator), posts the day as seed-template webhooks over HTTP plus a synthetic
outbound-campaign spike on one mitigable cost center, stops the receiver and summarises what it
decided and which mitigations wait for approval.
"""

from __future__ import annotations

import math
import os
import random
import re
import secrets
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

MAX_EVENTS = 2_000  # whole replay, spike included (keeps the demo step within seconds)
MAX_SPIKE_EVENTS = 400
CONCURRENCY = 16  # in-flight requests: lets the receiver group-commit its fsyncs
SPIKE_MARGIN = Decimal("1.30")  # the spike takes its cost center to 130 % of the upper bound
MAX_CALL_MS = 4 * 3_600_000
#: the preferred spike: the collections-q4 outbound campaign (its id) dialling from Collections Outbound
SPIKE_CAMPAIGN = "06b42ef4-36b0-52bd-9230-af81df0b9763"
SPIKE_QUEUE = "7fa856eb-9d8f-5326-844d-84b4737fd687"
NOT_EVALUATED = ("UNATTRIBUTED", "UNALLOCATED")
_ID_SAFE = re.compile(r"[^A-Za-z0-9._:\-]")


def default_baseline_json(db_path: str | os.PathLike[str]) -> Path:
    """Where the flows export the rule book: ``$CCFINOPS_GUARDRAIL_RULES``, else beside the warehouse."""
    from guardrails.rulebook import default_rulebook_path

    return default_rulebook_path(Path(db_path).expanduser().resolve()).expanduser().resolve()


@dataclass
class ReplayResult:
    """What the replay sent and what the receiver answered."""

    day: date
    lines: list[str] = field(default_factory=list)
    sent_ids: list[str] = field(default_factory=list)
    status: Counter[int] = field(default_factory=Counter)
    decisions: Counter[str] = field(default_factory=Counter)
    duplicates: int = 0
    spike_cost_center: str | None = None
    spike_upper_bound: Decimal | None = None
    breached: dict[str, dict[str, Any]] = field(default_factory=dict)
    actions: list[Any] = field(default_factory=list)
    spool_dir: Path | None = None
    audit_db: Path | None = None
    baseline_json: Path | None = None


# ---------------------------------------------------------------- warehouse read (then closed)
_USAGE_SQL = """
with usage as (
    select usage_id, platform, usage_type, usage_start, coalesce(queue_id, originating_queue_id) as queue_id,
           campaign, carrier, direction, number_type, duration_ms, cost_center, cost
    from analytics.fct_usage_cost
    where usage_date = ? and usage_type in ('voice', 'transcription')
      and not coalesce(is_provisional, false) and duration_ms > 0 and duration_ms <= 86400000
      and coalesce(queue_id, originating_queue_id) is not null
),
numbered as (
    select *, row_number() over (order by usage_start, usage_id) as rn from usage
)
select usage_id, platform, usage_type, usage_start, queue_id, campaign, carrier, direction, number_type,
       duration_ms, cost_center, cost
from numbered
where (rn - 1) % ? = 0
order by usage_start, usage_id
"""


def _latest_day(con: Any, before: date) -> date | None:
    row = con.execute(
        "select max(usage_date) from analytics.fct_usage_cost "
        "where usage_date < ? and usage_type in ('voice', 'transcription')",
        [before],
    ).fetchone()
    if row and row[0] is not None:
        return row[0]
    row = con.execute("select max(usage_date) from analytics.fct_usage_cost").fetchone()
    return row[0] if row else None


def _read_warehouse(db_path: Path, baseline_json: Path, today: date, cap: int) -> dict[str, Any]:
    """Export baselines and read the replay day under the warehouse lock; the file is closed after."""
    import duckdb

    from flows.locks import warehouse_lock
    from guardrails.rulebook import export_rulebook

    with warehouse_lock(db_path):
        exported = len(export_rulebook(db_path, baseline_json).baselines)
        con = duckdb.connect(str(db_path), read_only=True)
        try:
            day = _latest_day(con, today)
            if day is None:
                raise RuntimeError(f"{db_path}: analytics.fct_usage_cost has no usage to replay")
            total = con.execute(
                "select count(*) from analytics.fct_usage_cost where usage_date = ? "
                "and usage_type in ('voice', 'transcription') and not coalesce(is_provisional, false) "
                "and duration_ms > 0 and duration_ms <= 86400000 "
                "and coalesce(queue_id, originating_queue_id) is not null",
                [day],
            ).fetchone()[0]
            step = max(1, math.ceil(total / cap))
            rows = con.execute(_USAGE_SQL, [day, step]).fetchall()
            queues = con.execute(
                "select cost_center, queue_id, count(*) as n from analytics.fct_usage_cost "
                "where usage_date = ? and usage_type = 'voice' and queue_id is not null "
                "group by all order by cost_center, n desc, queue_id",
                [day],
            ).fetchall()
        finally:
            con.close()
    top_queue: dict[str, list[str]] = {}
    for cc, queue, _n in queues:
        top_queue.setdefault(str(cc), []).append(str(queue))
    return {
        "day": day,
        "rows": rows,
        "total": total,
        "step": step,
        "exported": exported,
        "queues": top_queue,
    }


# ---------------------------------------------------------------- events
def _iso(ts: datetime) -> str:
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    return ts.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _usage_event(row: tuple, day: date) -> dict[str, Any]:
    usage_id, platform, usage_type, start, queue, campaign, carrier, direction, number_type, ms, cc, _ = row
    kind = "ai.transcription.completed" if usage_type == "transcription" else "telephony.call.completed"
    body: dict[str, Any] = {
        "event_id": _ID_SAFE.sub("-", f"replay-{day:%Y%m%d}-{usage_id}")[:200],
        "event_type": kind,
        "queue_id": str(queue),
        "duration_ms": int(ms),
        "timestamp": _iso(start),
        "platform": platform if platform in ("genesys", "cxone") else None,
    }
    if cc and cc not in NOT_EVALUATED:
        body["cost_center"] = str(cc)  # the platform stamped it (explicit attribute / cost-mapping API)
    if campaign:
        body["campaign"] = str(campaign)[:100]
    if carrier:
        body["carrier"] = str(carrier)[:100]
    if direction in ("inbound", "outbound"):
        body["direction"] = direction
    if number_type in ("local", "toll_free"):
        body["number_type"] = number_type
    return {k: v for k, v in body.items() if v is not None}


@dataclass
class _Context:
    """What the spike planner needs: the receiver's policies and the exported rule book."""

    policies: Any
    book: Any


def _estimate(ctx: _Context, body: dict[str, Any]) -> Decimal:
    from guardrails.events import parse_usage_event
    from guardrails.rulebook import USAGE_TYPE

    ev = parse_usage_event(body)
    line = ctx.book.rate_line(
        USAGE_TYPE[ev.event_type], ev.platform, ev.carrier, ev.direction, ev.number_type, ev.event_time.date()
    )
    return line.cost(ev.duration_ms) if line else Decimal(0)


def _resolve(ctx: _Context, explicit: str | None, queue: str | None, campaign: str | None, day: date) -> str:
    platform = "cxone" if (queue or "").isdigit() else "genesys"
    inputs = {
        "explicit_cost_center": explicit,
        "campaign": campaign,
        "queue_id": queue,
        "originating_queue_id": None,
    }
    hit = ctx.book.resolve(inputs, platform, day)
    return hit.cost_center if hit else ctx.book.unattributed


def _cost_center(ctx: _Context, body: dict[str, Any], day: date) -> str:
    return _resolve(ctx, body.get("cost_center"), body.get("queue_id"), body.get("campaign"), day)


def _spike_candidates(
    ctx: _Context, day: date, queues: dict[str, list[str]]
) -> Iterator[tuple[str, str, str | None, Any]]:
    """(cost center, queue, campaign, bound): the campaign scenario first, then the cheapest bound."""

    def bound(cc: str) -> Any:
        pol = ctx.policies.for_center(cc)
        if not pol.mitigations:
            return None
        row = ctx.book.baseline(cc, day)
        upper = None
        if row is not None:
            upper = row.seed_upper_bound if ctx.book.policy_mode == "flat" else row.expected_upper_bound
        return (row, upper) if upper is not None else None

    campaign_cc = _resolve(ctx, None, SPIKE_QUEUE, SPIKE_CAMPAIGN, day)
    if campaign_cc:
        b = bound(campaign_cc)
        if b is not None and SPIKE_QUEUE not in ctx.policies.for_center(campaign_cc).exempt_queues:
            yield campaign_cc, SPIKE_QUEUE, SPIKE_CAMPAIGN, b
    others = []
    for cc in sorted(ctx.policies.centers):
        b = bound(cc)
        exempt = ctx.policies.for_center(cc).exempt_queues
        queue = next((q for q in queues.get(cc, []) if q not in exempt), None)
        if b is not None and queue is not None and cc != campaign_cc:
            others.append((b[1], cc, queue, b))
    for _upper, cc, queue, b in sorted(others):
        yield cc, queue, None, b


def _spike_events(
    ctx: _Context, day: date, base: list[dict[str, Any]], queues: dict[str, list[str]], limit: int
) -> tuple[list[dict[str, Any]], str | None, Any]:
    """Outbound campaign calls (13:00–16:00 UTC) taking one cost center past its upper bound."""
    from guardrails.policy import UNATTRIBUTED

    for cc, queue, campaign, bound in _spike_candidates(ctx, day, queues):
        if cc == UNATTRIBUTED:
            continue
        upper = bound[1]
        floor = bound[0].floor_amount
        already = sum((_estimate(ctx, b) for b in base if _cost_center(ctx, b, day) == cc), Decimal(0))
        target = max(upper, floor) * SPIKE_MARGIN
        needed = target - already
        template = {
            "event_type": "telephony.call.completed",
            "queue_id": queue,
            "platform": "cxone" if queue.isdigit() else "genesys",
            "direction": "outbound",
            "number_type": "local",
        }
        if campaign:
            template["campaign"] = campaign  # attributed through the registry's campaign mapping
        else:
            template |= {"cost_center": cc, "campaign": "demo-spike"}
        probe = {
            **template,
            "event_id": "probe",
            "duration_ms": 60_000,
            "timestamp": _iso(datetime(day.year, day.month, day.day, 13, tzinfo=UTC)),
        }
        per_minute = _estimate(ctx, probe)
        if per_minute <= 0 or _cost_center(ctx, probe, day) != cc:
            continue
        mean_minutes = Decimal(12)
        calls = max(20, math.ceil(needed / (per_minute * mean_minutes))) if needed > 0 else 20
        if calls > limit:
            mean_minutes = needed / (per_minute * limit)
            calls = limit
        rng = random.Random(f"{day}:{cc}")
        events, total = [], Decimal(0)
        start = datetime(day.year, day.month, day.day, 13, tzinfo=UTC)
        for i in range(calls):
            minutes = float(mean_minutes) * rng.uniform(0.6, 1.4)
            ms = min(MAX_CALL_MS, max(30_000, int(minutes * 60_000)))
            when = start + timedelta(seconds=int(i * 3 * 3600 / calls))
            body = {
                **template,
                "event_id": f"replay-{day:%Y%m%d}-spike-{cc}-{i:04d}",
                "duration_ms": ms,
                "timestamp": _iso(when),
            }
            events.append(body)
            total += _estimate(ctx, body)
        while already + total <= target and len(events) < limit + 50:  # random draw fell short
            body = {
                **events[-1],
                "event_id": f"replay-{day:%Y%m%d}-spike-{cc}-{len(events):04d}",
                "duration_ms": MAX_CALL_MS,
            }
            events.append(body)
            total += _estimate(ctx, body)
        if already + total > upper:
            return events, cc, bound
    return [], None, None


# ---------------------------------------------------------------- receiver
class _Receiver:
    """The real receiver app under uvicorn in a background thread, on a random loopback port."""

    def __init__(self, app: Any) -> None:
        import uvicorn

        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
        self.server = uvicorn.Server(config)
        self.server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, name="ccfinops-replay", daemon=True
        )

    def __enter__(self) -> _Receiver:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                self.server.should_exit = True
                raise RuntimeError("guardrail receiver did not start (see the log above)")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=60)
        self.sock.close()
        if self.thread.is_alive():
            raise RuntimeError("guardrail receiver did not stop within 60 s")


def _post_all(url: str, secret: str, events: list[dict[str, Any]]) -> list[tuple[int, dict[str, Any]]]:
    """POST every event (bounded concurrency; a 503 or a dropped connection is retried twice)."""
    import httpx

    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    with httpx.Client(base_url=url, timeout=30, limits=limits) as client:

        def post(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
            for attempt in range(3):
                try:
                    resp = client.post(
                        "/api/v1/evaluate-usage", json=body, headers={"X-Platform-Secret": secret}
                    )
                except httpx.TransportError:
                    if attempt == 2:
                        raise
                    time.sleep(0.2 * (attempt + 1))
                    continue
                if resp.status_code == 503 and attempt < 2:
                    time.sleep(0.2 * (attempt + 1))
                    continue
                return resp.status_code, (resp.json() if resp.content else {})
            raise AssertionError("unreachable")

        with ThreadPoolExecutor(max_workers=CONCURRENCY, thread_name_prefix="replay-post") as pool:
            return list(pool.map(post, events))


# ---------------------------------------------------------------- the hook
def _sim_today(sim: Any) -> date:
    try:
        return datetime.fromisoformat(str(sim.state()["clock"])).astimezone(UTC).date()
    except Exception:  # a handle without a clock: real time
        return datetime.now(UTC).date()


def _money(value: Any) -> str:
    return "n/a" if value is None else f"{Decimal(str(value)).quantize(Decimal('0.01')):,}"


def run_replay(
    db_path: str | os.PathLike[str],
    *,
    sim: Any,
    spool_dir: str | os.PathLike[str],
    mode: str = "approve",
    max_events: int = MAX_EVENTS,
) -> ReplayResult:
    """Replay the warehouse's latest complete day through a live receiver; see :func:`replay_day`."""
    from guardrails.app import create_app
    from guardrails.executor import MitigationExecutor
    from guardrails.platform import ApiPlatformWriter
    from guardrails.policy import PolicySet
    from guardrails.rulebook import RuleBook
    from guardrails.settings import DEFAULT_POLICIES, Settings

    db = Path(db_path).expanduser().resolve()
    if not db.exists():
        raise FileNotFoundError(f"warehouse {db} does not exist; run the ingest and build first")
    spool = Path(spool_dir).expanduser().resolve()
    spool.mkdir(parents=True, exist_ok=True)
    baseline_json = default_baseline_json(db)
    spike_cap = min(MAX_SPIKE_EVENTS, max_events // 5)
    data = _read_warehouse(db, baseline_json, _sim_today(sim), max_events - spike_cap)
    day: date = data["day"]

    policies_path = Path(os.environ.get("CCFINOPS_GUARDRAIL_POLICIES") or DEFAULT_POLICIES)
    ctx = _Context(PolicySet.load(policies_path), RuleBook.load(baseline_json))
    base = [_usage_event(r, day) for r in data["rows"]]
    spike, spike_cc, bound = _spike_events(ctx, day, base, data["queues"], spike_cap)
    events = sorted(base + spike, key=lambda b: (b["timestamp"], b["event_id"]))

    settings = Settings(
        spool_dir=spool,
        webhook_secret=secrets.token_urlsafe(32),
        rules_path=baseline_json,
        policies_path=policies_path,
        mitigation_mode=mode,
        refresh_interval_s=3600.0,
    )
    sim_env = sim.genesys_env() | sim.cxone_env()
    writer = ApiPlatformWriter(sim_env)
    result = ReplayResult(day, spool_dir=spool, audit_db=settings.audit_db, baseline_json=baseline_json)
    result.spike_cost_center, result.spike_upper_bound = spike_cc, bound[1] if bound else None
    started = time.monotonic()
    try:
        with _Receiver(create_app(settings, writer=writer)) as receiver:
            answers = _post_all(receiver.url, settings.webhook_secret, events)
    finally:
        writer.close()
    elapsed = time.monotonic() - started

    estimate = Decimal(0)
    for body, (status, answer) in zip(events, answers, strict=True):
        result.status[status] += 1
        if status != 200:
            continue
        result.sent_ids.append(body["event_id"])
        result.duplicates += bool(answer.get("duplicate"))
        result.decisions[answer["decision"]] += 1
        estimate += Decimal(answer["estimated_cost"])
        if answer["decision"] == "mitigate" or (
            answer["upper_bound"] is not None
            and Decimal(answer["consumption_today"]) > Decimal(answer["upper_bound"])
        ):
            cc = answer["cost_center"]
            seen = result.breached.get(cc)
            if seen is None or Decimal(answer["consumption_today"]) > Decimal(seen["consumption_today"]):
                result.breached[cc] = answer
    executor = MitigationExecutor(settings.audit_db)
    result.actions = [a for a in executor.list() if a.day == day.isoformat()]
    mart_cost = sum((Decimal(r[11] or 0) for r in data["rows"]), Decimal(0))
    result.lines = _summary(result, data, len(base), len(spike), estimate, mart_cost, elapsed, sim, mode)
    return result


def _summary(
    r: ReplayResult,
    data: dict[str, Any],
    n_base: int,
    n_spike: int,
    estimate: Decimal,
    mart_cost: Decimal,
    elapsed: float,
    sim: Any,
    mode: str,
) -> list[str]:
    accepted = r.status.get(200, 0)
    rejected = sum(n for s, n in r.status.items() if s != 200)
    sample = f"1 in {data['step']} of " if data["step"] > 1 else ""
    lines = [
        f"guardrail replay of {r.day}: {n_base + n_spike} events sent over HTTP in {elapsed:.1f}s "
        f"({n_base} usage records, {sample}{data['total']} that day; "
        f"{n_spike} campaign-spike calls on {r.spike_cost_center or 'no cost center'})",
        f"accepted {accepted} ({r.duplicates} duplicates of an earlier replay), rejected {rejected}",
        "decisions: " + ", ".join(f"{d} {r.decisions.get(d, 0)}" for d in ("allow", "warn", "mitigate")),
        f"receiver estimate USD {_money(estimate)} (mart cost of the replayed records USD {_money(mart_cost)}"
        " + the synthetic spike)",
    ]
    if not r.breached:
        lines.append("breached cost centers: none")
    for cc, a in sorted(r.breached.items(), key=lambda kv: (kv[1]["decision"] != "mitigate", kv[0])):
        why = ""
        if a["decision"] != "mitigate":  # above the band but not acted on: say why (floor, exempt, ...)
            why = f" ({a['reasons'][-1]})" if a.get("reasons") else ""
        lines.append(
            f"breach {cc}: consumption {_money(a['consumption_today'])} > upper bound "
            f"{_money(a['upper_bound'])} (baseline {_money(a['baseline'])}, band {a['band_pct']}%) "
            f"-> {a['decision']}{why}"
        )
    state = {}
    try:
        state = sim.state()
    except Exception:
        state = {}
    for a in r.actions:
        lines.append(
            f"action {a.action_id} [{a.state}, mode {a.mode}]: {a.mitigation} on {a.cost_center} "
            f"({a.method} {a.path} {a.set})"
        )
        current = _current(state, a)
        if current is not None:
            lines.append(
                f"  simulator now: {current} (changes only after `ccfinops guardrails approve "
                f"{a.action_id} --spool {r.spool_dir}`)"
                if a.state == "pending"
                else f"  simulator now: {current}"
            )
    if not r.actions:
        lines.append(f"actions proposed: none (mode {mode})")
    lines.append(
        f"spool {r.spool_dir} · audit {r.audit_db} · rules {r.baseline_json} "
        f"({data['exported']} baseline rows)"
    )
    return lines


def _current(state: dict[str, Any], action: Any) -> str | None:
    """The simulator's current value of the fields an action would set (None when unknown)."""
    target = action.target
    where = {
        "genesys_skill": state.get("skills", {}).get(target),
        "genesys_queue": state.get("queues", {}).get(target),
        "genesys_wem_policy": state.get("media_retention_policies", {}).get(target),
        "cxone_skill": state.get("cxone_skills", {}).get(target),
    }.get(action.kind)
    if action.kind == "genesys_datatable_row":
        table, _, row = target.partition("/")
        where = state.get("datatable_rows", {}).get(table, {}).get(row)
    if not isinstance(where, dict):
        return None
    return ", ".join(f"{k}={where.get(k)!r}" for k in action.set)


def replay_day(db_path: str | os.PathLike[str], *, sim: Any, spool_dir: str | os.PathLike[str]) -> list[str]:
    """Replay the latest complete day of usage (plus a campaign spike) through a live receiver.

    Exports the baselines JSON, reads what it needs from the warehouse and closes it, serves the
    receiver (mode ``approve``: mitigations wait, the simulator is not changed) on a random loopback
    port, posts ≤ 2 000 events with the generated secret, stops it and returns the lines to print.
    """
    return run_replay(db_path, sim=sim, spool_dir=spool_dir).lines
