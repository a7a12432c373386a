"""Fixtures for the guardrail tests: small registries, a baseline DuckDB, a live receiver on loopback."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest
import uvicorn

from guardrails.app import create_app
from guardrails.service import GuardrailService
from guardrails.settings import Settings

SECRET = "test-webhook-secret"
HMAC_KEY = "test-hmac-key"
COST_TOKEN = "test-cost-token"

SALES_Q = "d41a4916-e89a-57c0-aa86-60d147f9421a"
SALES_OVERFLOW_Q = "cfbdcd4d-4311-5cf1-8345-ffd56e99c532"
SUPPORT_Q = "f6f4dc19-f162-5861-b81a-7b73ad52bab4"
SUPPORT_T2_Q = "ed311929-3aff-59bd-9167-11b93317423f"
FALLBACK_Q = "afb9c573-890e-5ad6-bf01-61927ba30bf9"
COLLECTIONS_Q = "7fa856eb-9d8f-5326-844d-84b4737fd687"

MAPPINGS_HEADER = (
    "platform,key_type,key,key_name,cost_center,weight,parent_queue_id,"
    "effective_from,effective_to,mapping_version"
)
MAPPINGS_CSV = f"""{MAPPINGS_HEADER}
genesys,queue,{SALES_Q},Sales,CC-SALES,1,,2025-01-01,,m-2025.1
genesys,queue,{SALES_OVERFLOW_Q},Sales Overflow,,1,{SALES_Q},2025-01-01,,m-2025.1
genesys,queue,{SUPPORT_Q},Support Tier 1,CC-SUPPORT,1,,2025-01-01,,m-2025.1
genesys,queue,{SUPPORT_T2_Q},Support Tier 2,CC-SUPPORT,1,,2025-01-01,,m-2025.1
genesys,queue,{COLLECTIONS_Q},Collections Outbound,CC-COLLECTIONS,1,,2025-01-01,2026-01-01,m-2025.1
genesys,queue,{COLLECTIONS_Q},Collections Outbound,CC-FINANCE,1,,2026-01-01,,m-2026.1
genesys,campaign,21358f9d-148e-5b17-b2ee-5d84d3bb28db,spring-promo,CC-MARKETING,1,,2025-01-01,,m-2025.1
cxone,queue,4102,Inbound Support,CC-SUPPORT,1,,2025-01-01,,m-2025.1
cxone,queue,4103,Support Overflow,,1,4102,2025-01-01,,m-2025.1
"""

#: owner of CC-SALES (a@example.com) and finance; the test env sets these variables only where needed
ROUTES_CSV = """recipient,scope,target_env
a@example.com,owner,CCFINOPS_TEST_NOTIFY_SALES_OWNER
finance,finance,CCFINOPS_TEST_NOTIFY_FINANCE
"""

CENTERS_CSV = """cost_center,name,owner,guardrail_band_pct,is_active
CC-SALES,Sales,a@example.com,,true
CC-SUPPORT,Support,b@example.com,,true
CC-COLLECTIONS,Collections,c@example.com,10,true
CC-FINANCE,Finance,d@example.com,20,true
CC-MARKETING,Marketing,e@example.com,,true
CC-PLATFORM,Platform (shared),f@example.com,,true
"""

# 0.0150/min toll-free inbound is the highest Genesys voice rate -> the seed template's estimate.
RATES_HEADER = (
    "usage_type,carrier,direction,number_type,rate,unit,increment_seconds,minimum_seconds,currency,"
    "effective_from,effective_to,rate_card_version"
)
RATES_CSV = f"""{RATES_HEADER}
voice,genesys_cloud_voice,inbound,local,0.0040,minute,6,0,USD,2025-01-01,,t1
voice,genesys_cloud_voice,inbound,toll_free,0.0150,minute,6,0,USD,2025-01-01,,t1
voice,genesys_cloud_voice,outbound,local,0.0119,minute,6,0,USD,2025-01-01,,t1
voice,nice_cxone_voice,inbound,local,0.0090,minute,6,12,USD,2025-01-01,,t1
voice,nice_cxone_voice,inbound,toll_free,0.0180,minute,6,12,USD,2025-01-01,,t1
transcription,*,*,*,0.0160,minute,6,0,USD,2025-01-01,,t1
"""

POLICIES_YAML = """
policy_version: "test-1"
defaults:
  warn_at_pct: "90"
cost_centers:
  CC-SALES:
    mitigations: [disable_premium_skill, pause_wem]
    planned_events:
      - {name: launch, start: "2026-03-02", end: "2026-03-09", uplift_pct: "40", approved_by: cab@example.com,
         reason: CAB-12 spring launch, expires: "2026-03-09"}
  CC-SUPPORT:
    exempt_queues:
      - {queue: ed311929-3aff-59bd-9167-11b93317423f, approved_by: cab@example.com,
         reason: CAB-7 escalations never throttled, expires: "2099-01-01"}
    mitigations: [pause_survey_branch]
  CC-COLLECTIONS:
    mitigations: [support_t2_routing]
  CC-FINANCE:
    mitigations: [pause_cxone_skill]
mitigations:
  disable_premium_skill:
    kind: genesys_skill
    target: e4bfe94e-d401-5166-a256-fc11794a3afd
    set: {state: inactive}
  pause_wem:
    kind: genesys_wem_policy
    target: 17386d63-f2bd-5e29-938d-c7f069ed36c8
    set: {enabled: false}
  pause_survey_branch:
    kind: genesys_datatable_row
    target: 6961f567-4f5e-5737-9d21-f473342971e1/survey_branch
    set: {enabled: false}
  support_t2_routing:
    kind: genesys_queue
    target: ed311929-3aff-59bd-9167-11b93317423f
    set: {skillEvaluationMethod: NONE}
  pause_cxone_skill:
    kind: cxone_skill
    target: "4201"
    set: {isActive: false}
"""


def today() -> date:
    """The receiver's 'today' (UTC)."""
    return datetime.now(UTC).date()


SHIPPED_REGISTRIES = Path(__file__).resolve().parents[2] / "ingestion" / "registries" / "files"


def write_registry_files(d: Path, mappings: str = MAPPINGS_CSV, rates: str = RATES_CSV) -> Path:
    """Small registry files in the production format (cost pools: the shipped file)."""
    d.mkdir(parents=True, exist_ok=True)
    (d / "cost_center_mappings.csv").write_text(mappings)
    (d / "cost_centers.csv").write_text(CENTERS_CSV)
    (d / "notification_routes.csv").write_text(ROUTES_CSV)
    (d / "rate_cards.csv").write_text(rates)
    (d / "cost_pools.csv").write_text((SHIPPED_REGISTRIES / "cost_pools.csv").read_text())
    return d


def build_rules(workdir: Path, registries: Path, **export: Any) -> Path:
    """Load ``registries`` into an empty warehouse, build the guardrail export models, export the rules."""
    from flows.dbt_runner import run_dbt
    from guardrails.rulebook import export_rulebook
    from ingestion.registries import load_registries
    from simulator.synthetic_raw import create_raw_tables

    db = workdir / "rules.duckdb"
    load_registries(db, registries)
    con = duckdb.connect(str(db))
    try:
        create_raw_tables(con)
    finally:
        con.close()
    run_dbt(["run", "--select", "+path:models/marts/guardrails"], db, quiet=True, **export)
    out = workdir / "rules.json"
    export_rulebook(db, out)
    return out


@pytest.fixture(scope="session")
def rules_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test registries as the receiver gets them: exported by dbt (no usage yet: no baselines)."""
    work = tmp_path_factory.mktemp("rules")
    return build_rules(work, write_registry_files(work / "registries"))


def baseline_row(
    cost_center: str,
    day: date,
    expected: str,
    *,
    band: str = "15",
    floor: str = "1.00",
    weeks: int = 8,
    daily_cost: str = "0",
    baseline_30d: str | None = None,
    history_days: int = 30,
) -> dict[str, Any]:
    """One fct_guardrail_baselines row as dbt would export it (expected mode, dispersion 0)."""
    exp = Decimal(expected)
    flat = Decimal(baseline_30d) if baseline_30d is not None else exp
    b = Decimal(band)
    return {
        "baseline_id": f"{cost_center}|{day}",
        "cost_date": day.isoformat(),
        "cost_center": cost_center,
        "currency": "USD",
        "daily_cost": daily_cost,
        "baseline_30d": str(flat),
        "guardrail_band_pct": band,
        "lower_bound": str(exp * (1 - b / 100)),
        "upper_bound": str(exp * (1 + b / 100)),
        "history_days": history_days,
        "status": "within",
        "policy_mode": "expected",
        "expected_daily_cost": expected,
        "weekday_history_weeks": weeks,
        "dispersion_pct": "0",
        "effective_band_pct": band,
        "floor_amount": floor,
        "expected_lower_bound": str(exp * (1 - b / 100)),
        "expected_upper_bound": str(exp * (1 + b / 100)),
        "expected_status": "within" if weeks >= 1 else "insufficient_history",
        "seed_lower_bound": str(flat * (1 - b / 100)),
        "seed_upper_bound": str(flat * (1 + b / 100)),
        "seed_status": "within" if history_days >= 7 else "insufficient_history",
    }


def write_rules(
    template: Path,
    out: Path,
    baselines: list[dict[str, Any]],
    *,
    profiles: dict[str, list[str]] | None = None,
    settings: dict[str, Any] | None = None,
    intraday: dict[str, tuple[str | None, str | None, str | None]] | None = None,
) -> Path:
    """A copy of ``template`` with hand-made baseline rows (and optional cumulative profiles / settings /
    intraday bands: cost center -> (cumulative, window, pace) band % at every hour of both day types)."""
    import orjson

    from guardrails.rulebook import artifact_bytes

    tables = orjson.loads(template.read_bytes())["tables"]
    cols = tables["baselines"]["columns"]
    tables["baselines"]["rows"] = [[row.get(c) for c in cols] for row in baselines]
    if profiles is not None:
        rows = []
        for cc, cumulative in profiles.items():
            for day_type in ("weekday", "weekend"):
                rows += [
                    [f"{cc}|{day_type}|{h}", cc, day_type, h, "0", share, "cost_center"]
                    for h, share in enumerate(cumulative)
                ]
        tables["hourly_profiles"]["rows"] = rows
    if intraday is not None:
        icols = tables["intraday_bands"]["columns"]
        rows = []
        for cc, (cum, win, pace) in intraday.items():
            for day_type in ("weekday", "weekend"):
                for h in range(24):
                    row = {
                        "intraday_band_id": f"{cc}|{day_type}|{h}",
                        "cost_center": cc,
                        "day_type": day_type,
                        "hour_of_day": h,
                        "sample_days": 40,
                        "cumulative_band_pct": cum,
                        "window_band_pct": win,
                        "pace_band_pct": pace,
                    }
                    rows.append([row.get(c) for c in icols])
        tables["intraday_bands"]["rows"] = rows
    if settings:
        scols = tables["settings"]["columns"]
        tables["settings"]["rows"] = [
            [settings.get(c, v) for c, v in zip(scols, row, strict=True)]
            for row in tables["settings"]["rows"]
        ]
    tmp = out.with_suffix(".tmp")
    tmp.write_bytes(artifact_bytes(tables, "test"))
    tmp.replace(out)
    return out


def flat_baselines(cost_center: str, expected: str, days: int = 3, **kw: Any) -> list[dict[str, Any]]:
    """Baseline rows for yesterday, today and tomorrow (UTC) with the same expected daily cost."""
    return [
        baseline_row(cost_center, today() + timedelta(days=i), expected, **kw) for i in range(-1, days - 1)
    ]


@pytest.fixture
def policies_path(tmp_path: Path) -> Path:
    """The test policies (same schema as guardrails/policies.yaml)."""
    p = tmp_path / "policies.yaml"
    p.write_text(POLICIES_YAML)
    return p


@pytest.fixture
def rules_path(tmp_path: Path, rules_template: Path) -> Path:
    """CC-SALES / CC-SUPPORT / CC-COLLECTIONS / CC-FINANCE expect 1.00 a day (band 15 %, floor 1.00);
    CC-MARKETING has no history (insufficient)."""
    rows = (
        flat_baselines("CC-SALES", "1.00")
        + flat_baselines("CC-SUPPORT", "1.00")
        + flat_baselines("CC-COLLECTIONS", "1.00")
        + flat_baselines("CC-FINANCE", "1.00", band="5")
        + flat_baselines("CC-MARKETING", "1.00", weeks=0, history_days=3)
    )
    return write_rules(rules_template, tmp_path / "rules.json", rows, settings={"window_hours": 0})


@pytest.fixture
def settings(tmp_path: Path, policies_path: Path, rules_path: Path) -> Settings:
    """Receiver settings on tmp paths (dry-run, no HMAC)."""
    return Settings(
        spool_dir=tmp_path / "spool",
        webhook_secret=SECRET,
        cost_api_token=COST_TOKEN,
        rules_path=rules_path,
        policies_path=policies_path,
        refresh_interval_s=0.2,
    )


@dataclass
class Receiver:
    """A live receiver on 127.0.0.1."""

    base_url: str
    service: GuardrailService
    settings: Settings
    client: httpx.Client

    def post(self, body: Any, *, secret: str = SECRET, **kw: Any) -> httpx.Response:
        """POST an event with the shared secret."""
        headers = {"X-Platform-Secret": secret, **kw.pop("headers", {})}
        return self.client.post("/api/v1/evaluate-usage", json=body, headers=headers, **kw)


def free_port() -> int:
    """A free loopback port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerThread:
    """uvicorn in a background thread (real HTTP on loopback)."""

    def __init__(self, app: Any) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # TCP_NODELAY
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.server = uvicorn.Server(
            uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
        )
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("receiver did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)
        self.sock.close()


@pytest.fixture
def make_receiver() -> Iterator[Any]:
    """Factory: start a receiver with given settings (and optional platform writer)."""
    stack: list[tuple[ServerThread, httpx.Client]] = []

    def start(s: Settings, **overrides: Any) -> Receiver:
        writer = overrides.pop("writer", None)
        if overrides:
            s = replace(s, **overrides)
        app = create_app(s, writer=writer)
        server = ServerThread(app).__enter__()
        client = httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=30)
        stack.append((server, client))
        return Receiver(f"http://127.0.0.1:{server.port}", app.state.service, s, client)

    yield start
    for server, client in reversed(stack):
        client.close()
        server.__exit__(None, None, None)


@pytest.fixture
def receiver(make_receiver: Any, settings: Settings) -> Receiver:
    """A receiver with the default test settings."""
    return make_receiver(settings)


def seed_event(
    event_id: str,
    *,
    queue: str = SALES_Q,
    duration_ms: int = 60_000,
    when: datetime | None = None,
    cost_center: str | None = None,
    event_type: str = "telephony.call.completed",
) -> dict[str, Any]:
    """A seed-template event (60 s at 0.0150/min = 0.015000 by default)."""
    body: dict[str, Any] = {
        "event_id": event_id,
        "event_type": event_type,
        "queue_id": queue,
        "duration_ms": duration_ms,
        "timestamp": (when or datetime.now(UTC)).isoformat().replace("+00:00", "Z"),
    }
    if cost_center:
        body["cost_center"] = cost_center
    return body


def spool_bytes(spool_dir: Path) -> int:
    """Total bytes in the spool segments."""
    return sum(p.stat().st_size for p in spool_dir.glob("events-*.jsonl"))


def spool_ids(spool_dir: Path) -> list[str]:
    """Every event_id in the spool, in file order (duplicates kept, to prove 'stored once')."""
    import orjson

    from guardrails.spool import iter_complete_lines

    out = []
    for p in sorted(spool_dir.glob("events-*.jsonl")):
        out += [orjson.loads(line)["event_id"] for _, line in iter_complete_lines(p)]
    return out


def install_rules(db: Path, rules: Path, schema: str = "analytics") -> None:
    """Write an artifact's tables into a warehouse as the export models (replacing hand-made marts)."""
    import orjson

    from guardrails.rulebook import TABLES

    tables = orjson.loads(rules.read_bytes())["tables"]
    con = duckdb.connect(str(db))
    try:
        con.execute(f"create schema if not exists {schema}")
        for name, model in TABLES.items():
            cols = tables[name]["columns"]
            con.execute(f"drop table if exists {schema}.{model}")
            types = {c: "date" if c in ("cost_date", "date_day") else "varchar" for c in cols}
            con.execute(f"create table {schema}.{model} ({', '.join(f'{c} {types[c]}' for c in cols)})")
            if tables[name]["rows"]:
                marks = ", ".join("?" for _ in cols)
                con.executemany(
                    f"insert into {schema}.{model} values ({marks})",
                    [[None if v is None else str(v) for v in row] for row in tables[name]["rows"]],
                )
    finally:
        con.close()


@pytest.fixture(scope="session")
def backtest_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """8 000 synthetic conversations over 6 weeks, built through the guardrail marts (the backtests)."""
    from flows.dbt_runner import run_dbt
    from ingestion.registries import load_registries
    from simulator.synthetic_raw import create_raw_tables, write_synthetic_raw

    db = tmp_path_factory.mktemp("backtest") / "wh.duckdb"
    load_registries(db)
    con = duckdb.connect(str(db))
    try:
        create_raw_tables(con)
    finally:
        con.close()
    write_synthetic_raw(db, 8000, start=datetime(2026, 9, 1, tzinfo=UTC), days=42, seed=5,
                        load_registries=False)  # fmt: skip
    run_dbt(["run", "--select", "+path:models/marts/guardrails"], db, quiet=True)
    return db
