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

CENTERS_CSV = """cost_center,name,owner,guardrail_band_pct,is_active
CC-SALES,Sales,a@example.com,,true
CC-SUPPORT,Support,b@example.com,,true
CC-COLLECTIONS,Collections,c@example.com,10,true
CC-FINANCE,Finance,d@example.com,20,true
CC-MARKETING,Marketing,e@example.com,,true
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
  band_pct: "15"
  window_days: 30
  min_history_days: 7
  floor_amount: "1.00"
  warn_at_pct: "90"
  exclude_statuses: [breach, planned]
cost_centers:
  CC-SALES:
    mitigations: [disable_premium_skill, pause_wem]
    planned_events:
      - {name: launch, start: "2026-03-02", end: "2026-03-09", uplift_pct: "40"}
  CC-SUPPORT:
    exempt_queues: [ed311929-3aff-59bd-9167-11b93317423f]
    mitigations: [pause_survey_branch]
  CC-COLLECTIONS:
    mitigations: [support_t2_routing]
  CC-FINANCE:
    band_pct: "5"
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


@pytest.fixture
def registry_dir(tmp_path: Path) -> Path:
    """Small registry files in the production format."""
    d = tmp_path / "registries"
    d.mkdir()
    (d / "cost_center_mappings.csv").write_text(MAPPINGS_CSV)
    (d / "cost_centers.csv").write_text(CENTERS_CSV)
    (d / "rate_cards.csv").write_text(RATES_CSV)
    return d


@pytest.fixture
def policies_path(tmp_path: Path) -> Path:
    """The test policies (same schema as guardrails/policies.yaml)."""
    p = tmp_path / "policies.yaml"
    p.write_text(POLICIES_YAML)
    return p


def write_baselines(db: Path, rows: list[tuple[date, str, Decimal, str | None]]) -> None:
    """(Re)create ``analytics.fct_guardrail_baselines`` with the mart's columns."""
    con = duckdb.connect(str(db))
    try:
        con.execute("create schema if not exists analytics")
        con.execute(
            "create or replace table analytics.fct_guardrail_baselines (cost_date date, cost_center varchar,"
            " daily_cost decimal(18,6), baseline_30d decimal(18,6), lower_bound decimal(18,6),"
            " upper_bound decimal(18,6), history_days integer, status varchar)"
        )
        if rows:
            con.executemany(
                "insert into analytics.fct_guardrail_baselines values (?, ?, ?, null, null, null, null, ?)",
                [(d, cc, cost, status) for d, cc, cost, status in rows],
            )
    finally:
        con.close()


def flat_history(cost_center: str, amount: str, days: int, end: date | None = None) -> list[tuple]:
    """``days`` days of the same daily cost ending the day before ``end`` (default today)."""
    end = end or today()
    return [(end - timedelta(days=i), cost_center, Decimal(amount), "ok") for i in range(1, days + 1)]


@pytest.fixture
def baseline_db(tmp_path: Path) -> Path:
    """CC-SALES / CC-SUPPORT / CC-COLLECTIONS / CC-FINANCE: 30 days at 1.00; CC-MARKETING: 3 days only."""
    db = tmp_path / "warehouse.duckdb"
    rows = (
        flat_history("CC-SALES", "1.00", 30)
        + flat_history("CC-SUPPORT", "1.00", 30)
        + flat_history("CC-COLLECTIONS", "1.00", 30)
        + flat_history("CC-FINANCE", "1.00", 30)
        + flat_history("CC-MARKETING", "1.00", 3)
    )
    write_baselines(db, rows)
    return db


@pytest.fixture
def settings(tmp_path: Path, registry_dir: Path, policies_path: Path, baseline_db: Path) -> Settings:
    """Receiver settings on tmp paths (dry-run, no HMAC)."""
    return Settings(
        spool_dir=tmp_path / "spool",
        webhook_secret=SECRET,
        cost_api_token=COST_TOKEN,
        db_path=baseline_db,
        registry_dir=registry_dir,
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
