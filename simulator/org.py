"""The synthetic org from ``org.yaml``: identities, rates and derived agent ids."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

ORG_FILE = Path(__file__).with_name("org.yaml")
TOLL_FREE_PREFIXES = ("800", "833", "844", "855", "866", "877", "888")
_NS = uuid.UUID("8a4c0f3e-2b1d-5c6e-9f70-1a2b3c4d5e6f")


def stable_uuid(name: str) -> str:
    """A seed-independent identity (uuid5) for org objects such as agents."""
    return str(uuid.uuid5(_NS, name))


def is_toll_free(e164: str) -> bool:
    """True when a +1 number uses a North American toll-free prefix."""
    digits = e164.lstrip("tel:").lstrip("+")
    return digits[1:4] in TOLL_FREE_PREFIXES if digits.startswith("1") else False


@dataclass(frozen=True)
class Queue:
    id: str
    name: str
    share: float
    overflow_to: str | None = None
    transfer_to: str | None = None
    parent: str | None = None
    is_overflow: bool = False
    outbound: bool = False


@dataclass(frozen=True)
class GenesysOrg:
    division_id: str
    management_unit_id: str
    conversations_per_month: int
    agents: int
    queues: list[Queue]
    campaigns: list[dict[str, str]]
    carriers: list[str]
    carrier_mix: dict[str, float]
    voice_rates: dict[str, dict[str, dict[str, Decimal]]]
    currency: str
    numbers_local: list[str]
    numbers_toll_free: list[str]
    explicit_cost_centers: list[str]
    ivr_flow_id: str
    ivr_datatable_id: str
    wem_policy_id: str
    premium_skill_id: str
    licences: list[dict[str, str]]
    wrapups_resolved: list[str]
    wrapups_unresolved: list[str]
    agent_ids: list[str] = field(default_factory=list)

    def queue_index(self, queue_id: str) -> int:
        return next(i for i, q in enumerate(self.queues) if q.id == queue_id)


@dataclass(frozen=True)
class CxoneOrg:
    tenant_id: str
    business_unit_id: int
    contacts_per_month: int
    agents: int
    skills: list[dict[str, Any]]
    campaigns: list[dict[str, Any]]
    carrier: str
    dispositions_resolved: list[str]
    dispositions_unresolved: list[str]
    disposition_ids: dict[str, int]
    teams: list[dict[str, Any]]
    voice_rates: dict[str, dict[str, dict[str, Decimal]]]
    increment_s: int
    minimum_s: int
    currency: str
    numbers_local: list[str]
    numbers_toll_free: list[str]


@dataclass(frozen=True)
class Org:
    name: str
    genesys: GenesysOrg
    cxone: CxoneOrg


def _rates(raw: dict[str, Any]) -> dict[str, dict[str, dict[str, Decimal]]]:
    return {
        c: {d: {n: Decimal(str(r)) for n, r in nt.items()} for d, nt in dirs.items()}
        for c, dirs in raw.items()
    }


@lru_cache(maxsize=4)
def load_org(path: str | None = None) -> Org:
    """Parse ``org.yaml`` into typed objects (cached)."""
    raw = yaml.safe_load(Path(path or ORG_FILE).read_text())
    g, n = raw["genesys"], raw["nice_cxone"]
    queues = [
        Queue(
            id=q["id"],
            name=q["name"],
            share=float(q.get("share", 0)),
            overflow_to=q.get("overflow_to"),
            transfer_to=q.get("transfer_to"),
            parent=q.get("parent"),
            is_overflow=bool(q.get("is_overflow")),
            outbound=bool(q.get("outbound")),
        )
        for q in g["queues"]
    ]
    genesys = GenesysOrg(
        division_id=g["division_id"],
        management_unit_id=g["management_unit_id"],
        conversations_per_month=int(g["conversations_per_month"]),
        agents=int(g["agents"]),
        queues=queues,
        campaigns=list(g["campaigns"]),
        carriers=list(g["carriers"]),
        carrier_mix=dict(g["carrier_mix"]),
        voice_rates=_rates(g["voice_rates"]),
        currency=g.get("currency", "USD"),
        numbers_local=list(g["numbers"]["local"]),
        numbers_toll_free=list(g["numbers"]["toll_free"]),
        explicit_cost_centers=list(g["explicit_cost_centers"]),
        ivr_flow_id=g["ivr_flow_id"],
        ivr_datatable_id=g["ivr_datatable_id"],
        wem_policy_id=g["wem_policy_id"],
        premium_skill_id=g["premium_skill_id"],
        licences=list(g["licences"]),
        wrapups_resolved=list(g["wrapup_codes"]["resolved"]),
        wrapups_unresolved=list(g["wrapup_codes"]["unresolved"]),
        agent_ids=[stable_uuid(f"genesys-agent-{i:03d}") for i in range(1, int(g["agents"]) + 1)],
    )
    cxone = CxoneOrg(
        tenant_id=n["tenant_id"],
        business_unit_id=int(n["business_unit_id"]),
        contacts_per_month=int(n["contacts_per_month"]),
        agents=int(n["agents"]),
        skills=list(n["skills"]),
        campaigns=list(n["campaigns"]),
        carrier=n["carriers"][0],
        dispositions_resolved=list(n["dispositions"]["resolved"]),
        dispositions_unresolved=list(n["dispositions"]["unresolved"]),
        disposition_ids={str(k): int(v) for k, v in n["disposition_ids"].items()},
        teams=list(n["teams"]),
        voice_rates=_rates(n["voice_rates"]),
        increment_s=int(n["voice_increment_seconds"]),
        minimum_s=int(n["voice_minimum_seconds"]),
        currency=n.get("currency", "USD"),
        numbers_local=list(n["numbers"]["local"]),
        numbers_toll_free=list(n["numbers"]["toll_free"]),
    )
    return Org(name=raw["org_name"], genesys=genesys, cxone=cxone)
