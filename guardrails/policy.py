"""Policy engine: rolling baseline ± band per cost center → allow | warn | mitigate.

See the header of ``guardrails/policies.yaml`` for the rules; every number is a ``Decimal``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from guardrails.baselines import BaselineHistory

MICRO = Decimal("0.000001")
MITIGATION_KINDS = (
    "genesys_skill",
    "genesys_queue",
    "genesys_datatable_row",
    "genesys_wem_policy",
    "cxone_skill",
)
UNATTRIBUTED = "UNATTRIBUTED"


class PolicyError(ValueError):
    """An invalid policies file (names the key)."""


def _dec(value: Any, where: str) -> Decimal:
    if isinstance(value, float):
        raise PolicyError(f"{where}: write decimals as strings (got float {value!r})")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise PolicyError(f"{where}: not a decimal: {value!r}") from None


def _day(value: Any, where: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise PolicyError(f"{where}: not an ISO date: {value!r}") from None


@dataclass(frozen=True)
class PlannedEvent:
    """A planned spike (campaign launch): [start, end) with an expected uplift."""

    name: str
    start: date
    end: date
    uplift_pct: Decimal


@dataclass(frozen=True)
class MitigationSpec:
    """A predefined platform change."""

    name: str
    kind: str
    target: str
    set: dict[str, Any]
    description: str = ""


@dataclass(frozen=True)
class CenterPolicy:
    """The resolved policy of one cost center."""

    band_pct: Decimal | None
    window_days: int
    min_history_days: int
    floor_amount: Decimal
    warn_at_pct: Decimal
    day_of_week: bool
    dow_weeks: int
    min_history_dow: int
    exclude_statuses: frozenset[str]
    exempt_queues: frozenset[str]
    mitigations: tuple[str, ...]
    planned_events: tuple[PlannedEvent, ...]


@dataclass
class Decision:
    """One evaluation result (the response body, minus transport fields)."""

    decision: str
    cost_center: str
    consumption_today: Decimal
    upper_bound: Decimal | None
    policy_version: str
    reasons: list[str] = field(default_factory=list)
    baseline: Decimal | None = None
    band_pct: Decimal | None = None
    history_days: int = 0
    mitigations: tuple[str, ...] = ()


class PolicySet:
    """All policies from one YAML file."""

    def __init__(self, data: dict[str, Any], content_hash: str) -> None:
        if not isinstance(data, dict) or "policy_version" not in data:
            raise PolicyError("policies file needs a top-level 'policy_version'")
        self.version = str(data["policy_version"])
        self.content_hash = content_hash
        self.mitigations: dict[str, MitigationSpec] = {}
        for name, spec in (data.get("mitigations") or {}).items():
            where = f"mitigations.{name}"
            if spec.get("kind") not in MITIGATION_KINDS:
                raise PolicyError(f"{where}.kind: must be one of {MITIGATION_KINDS}")
            if not spec.get("target") or not isinstance(spec.get("set"), dict) or not spec["set"]:
                raise PolicyError(f"{where}: needs 'target' and a non-empty 'set' mapping")
            if spec["kind"] == "genesys_datatable_row" and "/" not in str(spec["target"]):
                raise PolicyError(f"{where}.target: datatable rows are 'DATATABLE_ID/ROW_ID'")
            self.mitigations[name] = MitigationSpec(
                name, spec["kind"], str(spec["target"]), dict(spec["set"]), str(spec.get("description", ""))
            )
        self._defaults = data.get("defaults") or {}
        self._raw_centers: dict[str, dict[str, Any]] = data.get("cost_centers") or {}
        self.centers = {cc: self._resolve(cc) for cc in self._raw_centers}
        self.default = self._resolve(None)

    @classmethod
    def load(cls, path: Path) -> PolicySet:
        """Parse and validate ``policies.yaml``."""
        raw = path.read_bytes()
        try:
            data = yaml.safe_load(raw)
        except yaml.YAMLError as exc:
            raise PolicyError(f"{path}: invalid YAML: {exc}") from None
        return cls(data, hashlib.sha256(raw).hexdigest()[:12])

    def _resolve(self, cost_center: str | None) -> CenterPolicy:
        merged = {**self._defaults, **(self._raw_centers.get(cost_center, {}) if cost_center else {})}
        where = f"cost_centers.{cost_center}" if cost_center else "defaults"
        own = self._raw_centers.get(cost_center, {}) if cost_center else {}
        for name in merged.get("mitigations") or []:
            if name not in self.mitigations:
                raise PolicyError(f"{where}.mitigations: unknown mitigation {name!r}")
        planned = []
        for i, ev in enumerate(merged.get("planned_events") or []):
            w = f"{where}.planned_events[{i}]"
            start, end = _day(ev.get("start"), f"{w}.start"), _day(ev.get("end"), f"{w}.end")
            if end <= start:
                raise PolicyError(f"{w}.end: must be after start (the range is [start, end))")
            planned.append(
                PlannedEvent(str(ev.get("name", f"event {i}")), start, end, _dec(ev["uplift_pct"], w))
            )
        band = own.get("band_pct")
        return CenterPolicy(
            band_pct=_dec(band, f"{where}.band_pct") if band is not None else None,
            window_days=int(merged.get("window_days", 30)),
            min_history_days=int(merged.get("min_history_days", 7)),
            floor_amount=_dec(merged.get("floor_amount", "0"), f"{where}.floor_amount"),
            warn_at_pct=_dec(merged.get("warn_at_pct", "90"), f"{where}.warn_at_pct"),
            day_of_week=bool(merged.get("day_of_week", False)),
            dow_weeks=int(merged.get("dow_weeks", 8)),
            min_history_dow=int(merged.get("min_history_dow", 4)),
            exclude_statuses=frozenset(merged.get("exclude_statuses") or ()),
            exempt_queues=frozenset(str(q) for q in merged.get("exempt_queues") or ()),
            mitigations=tuple(merged.get("mitigations") or ()),
            planned_events=tuple(planned),
        )

    @property
    def default_band(self) -> Decimal:
        """The defaults' band (15 unless configured)."""
        return _dec(self._defaults.get("band_pct", "15"), "defaults.band_pct")

    def for_center(self, cost_center: str) -> CenterPolicy:
        """The cost center's policy, or the defaults."""
        return self.centers.get(cost_center, self.default)

    def exempt_queues(self) -> frozenset[str]:
        """Every queue exempt anywhere (mitigations never target them)."""
        out: set[str] = set(self.default.exempt_queues)
        for pol in self.centers.values():
            out |= pol.exempt_queues
        return frozenset(out)


def compute_bound(
    policies: PolicySet,
    history: BaselineHistory,
    cost_center: str,
    day: date,
    registry_band: Decimal | None = None,
) -> tuple[Decimal | None, Decimal | None, Decimal, int, list[str]]:
    """Return (baseline, upper_bound, band_pct, history_days, reasons) for a cost center and day."""
    pol = policies.for_center(cost_center)
    band = pol.band_pct if pol.band_pct is not None else (registry_band or policies.default_band)
    days = history.days(cost_center)
    if pol.day_of_week:
        candidates = [day - timedelta(weeks=w) for w in range(1, pol.dow_weeks + 1)]
        needed = pol.min_history_dow
        label = f"same weekday over {pol.dow_weeks} weeks"
    else:
        candidates = [day - timedelta(days=d) for d in range(1, pol.window_days + 1)]
        needed = pol.min_history_days
        label = f"{pol.window_days}-day window"
    samples = [
        days[d].daily_cost
        for d in candidates
        if d in days and (days[d].status or "") not in pol.exclude_statuses
    ]
    reasons: list[str] = []
    if len(samples) < needed:
        reasons.append(f"insufficient history: {len(samples)} of {needed} days needed ({label})")
        return None, None, band, len(samples), reasons
    baseline = (sum(samples, Decimal(0)) / len(samples)).quantize(MICRO, rounding=ROUND_HALF_UP)
    uplift = Decimal(0)
    for ev in pol.planned_events:
        if ev.start <= day < ev.end and ev.uplift_pct > uplift:
            uplift = ev.uplift_pct
            reasons.append(f"planned event {ev.name!r}: expected uplift {ev.uplift_pct}%")
    upper = (baseline * (1 + uplift / 100) * (1 + band / 100)).quantize(MICRO, rounding=ROUND_HALF_UP)
    return baseline, upper, band, len(samples), reasons


Bound = tuple[Decimal | None, Decimal | None, Decimal, int, list[str]]


def evaluate(
    policies: PolicySet,
    history: BaselineHistory,
    *,
    cost_center: str | None,
    day: date,
    consumption_today: Decimal,
    queue_id: str | None,
    registry_band: Decimal | None = None,
    bound: Bound | None = None,
) -> Decision:
    """Decide for one cost center's running total on ``day`` (``bound``: a memoised compute_bound)."""
    if not cost_center or cost_center == UNATTRIBUTED:
        return Decision(
            "allow",
            UNATTRIBUTED,
            consumption_today,
            None,
            policies.version,
            ["no cost center (explicit or via the registry): not evaluated"],
        )
    pol = policies.for_center(cost_center)
    baseline, upper, band, n, reasons = bound or compute_bound(
        policies, history, cost_center, day, registry_band
    )
    reasons = list(reasons)
    decision = Decision(
        "allow", cost_center, consumption_today, upper, policies.version, reasons, baseline, band, n
    )
    if upper is None:
        return decision
    warn_level = (upper * pol.warn_at_pct / 100).quantize(MICRO, rounding=ROUND_HALF_UP)
    if consumption_today <= upper:
        if consumption_today >= warn_level:
            decision.decision = "warn"
            reasons.append(
                f"consumption {consumption_today} is at least {pol.warn_at_pct}% of the upper bound"
            )
        return decision
    reasons.append(
        f"consumption {consumption_today} above upper bound {upper} (baseline {baseline}, band {band}%)"
    )
    if consumption_today < pol.floor_amount:
        reasons.append(f"below the absolute floor {pol.floor_amount}: not acted on")
        return decision
    if queue_id and queue_id in pol.exempt_queues:
        decision.decision = "warn"
        reasons.append(f"queue {queue_id} is a priority queue exempt from mitigation")
        return decision
    if not pol.mitigations:
        decision.decision = "warn"
        reasons.append("no mitigation configured for this cost center")
        return decision
    decision.decision = "mitigate"
    decision.mitigations = pol.mitigations
    return decision
