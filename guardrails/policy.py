"""Policy engine: the warehouse's baseline for the day, applied intraday → allow | warn | mitigate.

The numbers (expected daily cost, band widened by dispersion, floor, the seed's flat bound, the
policy mode, hour-of-day profiles) are rows of the exported rule book (dbt); the policies file adds
only operations: mitigations, exempt queues, planned events (each approved, with an expiry) and the
warn level. Evaluation is a function of the event's timestamp, never of the wall clock.

expected mode, at time ``t`` of the day (two conditions: relative AND material):
  expected_so_far = expected_day x (1 + planned uplift) x cumulative_profile(t)
  breach when consumption_so_far > expected_so_far x (1 + band) and the excess >= floor, or the same
  over the last ``window_hours`` (the window's consumption vs the window's expected share);
  projected_day = consumption_so_far / cumulative_profile(t).
  pace (the day against itself): the last ``window_hours``' consumption against what the day's own
  rate before them predicts (consumption before / share before x share of the window); breach when
  above by the measured pace band and by at least the floor. It needs no expected day (a young cost
  center has it) and is not masked by a day running under its expectation or a late onset.
flat mode (the seed's rule): breach when consumption_so_far > 30-day mean x (1 + band) (full day).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from guardrails.rulebook import Baseline

MICRO = Decimal("0.000001")
MITIGATION_KINDS = (
    "genesys_skill",
    "genesys_queue",
    "genesys_datatable_row",
    "genesys_wem_policy",
    "cxone_skill",
)
UNATTRIBUTED = "UNATTRIBUTED"
CENTER_KEYS = frozenset({"warn_at_pct", "exempt_queues", "mitigations", "planned_events"})
EVENT_KEYS = frozenset({"name", "start", "end", "uplift_pct", "approved_by", "reason", "expires"})
EXEMPTION_KEYS = frozenset({"queue", "approved_by", "reason", "expires"})
APPROVAL_KEYS = ("approved_by", "reason", "expires")


class PolicyError(ValueError):
    """An invalid policies file (names the file, key and value)."""


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


def q(value: Decimal) -> Decimal:
    """Half-up to 6 decimals (the warehouse's money scale)."""
    return value.quantize(MICRO, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class PlannedEvent:
    """A planned spike (campaign launch): [start, end) with an expected uplift, approved until expiry."""

    name: str
    start: date
    end: date
    uplift_pct: Decimal
    approved_by: str = ""
    reason: str = ""
    expires: date | None = None

    def applies(self, day: date) -> bool:
        """In force on ``day``: inside [start, end) and not expired."""
        return self.start <= day < self.end and (self.expires is None or day < self.expires)


@dataclass(frozen=True)
class Exemption:
    """A priority queue never throttled (a breach there only warns), approved until its expiry."""

    queue: str
    approved_by: str
    reason: str
    expires: date

    def applies(self, day: date) -> bool:
        """In force on ``day``: before the expiry."""
        return day < self.expires


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
    """The resolved operational policy of one cost center."""

    warn_at_pct: Decimal
    exempt_queues: frozenset[str]  # every queue an exemption names, in force or expired
    mitigations: tuple[str, ...]
    planned_events: tuple[PlannedEvent, ...]
    exemptions: tuple[Exemption, ...] = ()

    def exempt_on(self, day: date) -> frozenset[str]:
        """The queues whose exemption is in force on ``day``."""
        return frozenset(e.queue for e in self.exemptions if e.applies(day))


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
    expected_so_far: Decimal | None = None
    projected_day: Decimal | None = None
    breach: bool = False  # the policy in force would act (relative and material)


class PolicySet:
    """All policies from one YAML file."""

    def __init__(self, data: dict[str, Any], content_hash: str, where: str = "policies") -> None:
        if not isinstance(data, dict) or "policy_version" not in data:
            raise PolicyError(f"{where}: needs a top-level 'policy_version'")
        self.where = where
        self.version = str(data["policy_version"])
        self.content_hash = content_hash
        self.mitigations: dict[str, MitigationSpec] = {}
        for name, spec in (data.get("mitigations") or {}).items():
            w = f"{where}: mitigations.{name}"
            if not isinstance(spec, dict) or spec.get("kind") not in MITIGATION_KINDS:
                kind = spec.get("kind") if isinstance(spec, dict) else spec
                raise PolicyError(f"{w}.kind: {kind!r} is not one of {MITIGATION_KINDS}")
            if not spec.get("target") or not isinstance(spec.get("set"), dict) or not spec["set"]:
                raise PolicyError(f"{w}: needs 'target' and a non-empty 'set' mapping")
            if spec["kind"] == "genesys_datatable_row" and "/" not in str(spec["target"]):
                raise PolicyError(f"{w}.target: datatable rows are 'DATATABLE_ID/ROW_ID'")
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
        return cls(data, hashlib.sha256(raw).hexdigest()[:12], str(path))

    def _resolve(self, cost_center: str | None) -> CenterPolicy:
        own = self._raw_centers.get(cost_center, {}) if cost_center else self._defaults
        where = f"{self.where}: " + (f"cost_centers.{cost_center}" if cost_center else "defaults")
        if not isinstance(own, dict):
            raise PolicyError(f"{where}: must be a mapping")
        for key in own:
            if key not in CENTER_KEYS:
                raise PolicyError(
                    f"{where}.{key}: unknown key (bands, floors and baselines are dbt vars; "
                    f"allowed: {sorted(CENTER_KEYS)})"
                )
        merged = {**self._defaults, **(own if cost_center else {})}
        for name in merged.get("mitigations") or []:
            if name not in self.mitigations:
                raise PolicyError(f"{where}.mitigations: unknown mitigation {name!r}")
        planned = []
        for i, ev in enumerate(merged.get("planned_events") or []):
            w = f"{where}.planned_events[{i}]"
            unknown = sorted(set(ev) - EVENT_KEYS)
            if unknown:
                raise PolicyError(f"{w}.{unknown[0]}: unknown key")
            _require_approval(ev, w, "planned event")
            start, end = _day(ev.get("start"), f"{w}.start"), _day(ev.get("end"), f"{w}.end")
            if end <= start:
                raise PolicyError(
                    f"{w}.end: {ev.get('end')!r} must be after start (the range is [start, end))"
                )
            uplift = _dec(ev.get("uplift_pct"), f"{w}.uplift_pct")
            if uplift < 0:
                raise PolicyError(f"{w}.uplift_pct: {uplift} must be >= 0")
            planned.append(
                PlannedEvent(
                    str(ev.get("name", f"event {i}")),
                    start,
                    end,
                    uplift,
                    str(ev["approved_by"]),
                    str(ev["reason"]),
                    _day(ev["expires"], f"{w}.expires"),
                )
            )
        exemptions = []
        for i, ex in enumerate(merged.get("exempt_queues") or []):
            w = f"{where}.exempt_queues[{i}]"
            if not isinstance(ex, dict):
                raise PolicyError(
                    f"{w}: {ex!r}: write {{queue, approved_by, reason, expires}} "
                    "(every exemption says who approved it, why and until when)"
                )
            unknown = sorted(set(ex) - EXEMPTION_KEYS)
            if unknown:
                raise PolicyError(f"{w}.{unknown[0]}: unknown key")
            if not ex.get("queue"):
                raise PolicyError(f"{w}.queue: missing")
            _require_approval(ex, w, "exemption")
            exemptions.append(
                Exemption(
                    str(ex["queue"]),
                    str(ex["approved_by"]),
                    str(ex["reason"]),
                    _day(ex["expires"], f"{w}.expires"),
                )
            )
        warn = _dec(merged.get("warn_at_pct", "90"), f"{where}.warn_at_pct")
        if not 0 < warn <= 100:
            raise PolicyError(f"{where}.warn_at_pct: {warn} must be in (0, 100]")
        return CenterPolicy(
            warn_at_pct=warn,
            exempt_queues=frozenset(e.queue for e in exemptions),
            mitigations=tuple(merged.get("mitigations") or ()),
            planned_events=tuple(planned),
            exemptions=tuple(exemptions),
        )

    def check_cost_centers(self, registered: frozenset[str]) -> None:
        """Every cost center the file names must be registered (raise naming file, key and value)."""
        for cc in self._raw_centers:
            if registered and cc not in registered:
                raise PolicyError(f"{self.where}: cost_centers.{cc}: {cc!r} is not a registered cost center")

    def for_center(self, cost_center: str) -> CenterPolicy:
        """The cost center's policy, or the defaults."""
        return self.centers.get(cost_center, self.default)

    def exempt_queues(self, day: date | None = None) -> frozenset[str]:
        """Every queue exempt anywhere (on ``day``: only exemptions in force); mitigations skip them."""
        out: set[str] = set()
        for pol in [self.default, *self.centers.values()]:
            out |= pol.exempt_queues if day is None else pol.exempt_on(day)
        return frozenset(out)

    def exceptions_in_force(self, first: date, last: date | None = None) -> list[dict[str, Any]]:
        """Exemptions and planned events in force on any day of [first, last] (the weekly report's list).

        One row each: cost_center, kind (exemption | planned_event), name, queue, start, end,
        uplift_pct, approved_by, reason, expires. An expired one is not listed.
        """
        last = last or first
        out = []
        for cc, pol in sorted(self.centers.items()):
            for ex in pol.exemptions:
                if ex.applies(first):
                    out.append(
                        {
                            "cost_center": cc,
                            "kind": "exemption",
                            "name": f"queue {ex.queue}",
                            "start": None,
                            "end": None,
                            "uplift_pct": None,
                            **ex.__dict__,
                        }
                    )
            for ev in pol.planned_events:
                if ev.start <= last and first < ev.end and (ev.expires is None or first < ev.expires):
                    out.append({"cost_center": cc, "kind": "planned_event", "queue": None, **ev.__dict__})
        return out


def _require_approval(entry: dict[str, Any], where: str, what: str) -> None:
    """An exception (planned event, exemption) names who approved it (CAB), why and an expiry."""
    for key in APPROVAL_KEYS:
        if not entry.get(key):
            raise PolicyError(f"{where}.{key}: every {what} needs who approved it, why and an expiry")


def uplift_for(pol: CenterPolicy, day: date) -> tuple[Decimal, list[str]]:
    """The largest planned uplift in force on ``day`` (%), with the reasons (expired ones say so)."""
    uplift, reasons = Decimal(0), []
    for ev in pol.planned_events:
        if ev.start <= day < ev.end and ev.expires is not None and day >= ev.expires:
            reasons.append(f"planned event {ev.name!r} expired on {ev.expires}: not applied")
        elif ev.applies(day) and ev.uplift_pct >= uplift:
            uplift = ev.uplift_pct
            reasons.append(
                f"planned event {ev.name!r} (approved by {ev.approved_by}): uplift {ev.uplift_pct}%"
            )
    return uplift, reasons


def _widen(share: Decimal, exponent: Decimal) -> Decimal:
    """(1 / share) ** exponent: a part of the day is noisier than the whole (Poisson: exponent 0.5)."""
    if exponent == 0 or share >= 1:
        return Decimal(1)
    return Decimal(1) / max(share, Decimal("0.01")) ** exponent


def assess(
    row: Baseline | None,
    *,
    mode: str,
    consumption: Decimal,
    share_now: Decimal,
    window_consumption: Decimal | None = None,
    share_window_start: Decimal | None = None,
    uplift_pct: Decimal = Decimal(0),
    window_band_factor: Decimal = Decimal(1),
    band_exponent: Decimal = Decimal(0),
    intraday_band: tuple[Decimal | None, Decimal | None] = (None, None),
    floor_min: Decimal | None = None,
    pace_band: Decimal | None = None,
    pace_min_share: Decimal | None = None,
) -> tuple[bool, Decimal | None, Decimal | None, Decimal | None, list[str]]:
    """(breach, upper_bound_day, expected_so_far, projected_day, reasons) for one cost center now.

    ``intraday_band``: the (cumulative, window) band % the warehouse measured for this hour of the
    day (``dim_guardrail_intraday_bands``); the wider of it and the cost center's band applies. Where
    it is ``None`` the band is widened by ``(1 / share) ** band_exponent`` instead. ``pace_band``:
    the band % measured for the pace test at this hour (``None``: no pace test), which runs when at
    least ``pace_min_share`` of the day's profile lies before the window.
    """
    if row is None:
        return False, None, None, None, ["insufficient history: the warehouse has no baseline for this day"]
    scale = 1 + uplift_pct / 100
    if mode == "flat":
        if row.seed_status == "insufficient_history" or row.seed_upper_bound is None:
            return False, None, None, None, [f"insufficient history: {row.history_days} days (seed rule)"]
        upper = q(row.seed_upper_bound * scale)
        if consumption > upper:
            return (
                True,
                upper,
                None,
                None,
                [f"consumption {consumption} above the day's bound {upper} (seed rule)"],
            )
        return False, upper, None, None, []
    pace = _pace_breach(
        row, consumption, share_now, window_consumption, share_window_start, pace_band, pace_min_share
    )
    if row.expected_status == "insufficient_history" or row.expected_daily_cost is None:
        why = [f"insufficient history: {row.weekday_history_weeks} same-weekday samples"]
        return (pace is not None, None, None, None, why + ([pace] if pace else []))
    band = row.effective_band_pct or row.guardrail_band_pct
    expected_day = row.expected_daily_cost * scale
    upper_day = q(expected_day * (1 + band / 100))
    so_far = q(expected_day * share_now)
    projected = q(consumption / share_now) if share_now > 0 else None
    reasons: list[str] = []
    measured_now, measured_window = intraday_band
    if measured_now is not None:
        band_now = q(max(row.guardrail_band_pct, measured_now))
    else:
        band_now = q(band * _widen(share_now, band_exponent))
    excess = consumption - so_far
    if floor_min is None:
        material = excess >= row.floor_amount
    else:
        material = excess >= floor_min and excess >= row.floor_amount * share_now
    breach = consumption > so_far * (1 + band_now / 100) and material
    if breach:
        reasons.append(
            f"consumption {consumption} above expected so far {so_far} + {band_now}% and on track to "
            f"exceed the day by at least {row.floor_amount}"
            if floor_min is not None
            else f"consumption {consumption} above expected so far {so_far} + {band_now}% and by at least "
            f"{row.floor_amount}"
        )
    if not breach and window_consumption is not None and share_window_start is not None:
        expected_window = expected_day * (share_now - share_window_start)
        if measured_window is not None:
            window_band = q(max(row.guardrail_band_pct, measured_window) * window_band_factor)
        else:
            window_band = q(band * window_band_factor * _widen(share_now - share_window_start, band_exponent))
        window_excess = window_consumption - expected_window
        if floor_min is None or expected_window <= 0:
            window_material = window_excess >= row.floor_amount
        else:  # the last hours' rate, continued for the rest of the day
            on_track = excess + window_excess / expected_window * expected_day * (1 - share_now)
            window_material = window_excess >= floor_min and on_track >= row.floor_amount
        if window_consumption > expected_window * (1 + window_band / 100) and window_material:
            breach = True
            reasons.append(
                f"last hours' consumption {window_consumption} above their expected {q(expected_window)} "
                f"+ {window_band}% and material (floor {row.floor_amount})"
            )
    if not breach and pace is not None:
        breach = True
        reasons.append(pace)
    return breach, upper_day, so_far, projected, reasons


def _pace_breach(
    row: Baseline,
    consumption: Decimal,
    share_now: Decimal,
    window_consumption: Decimal | None,
    share_window_start: Decimal | None,
    pace_band: Decimal | None,
    pace_min_share: Decimal | None,
) -> str | None:
    """The pace test's reason when the last hours run above the day's own earlier rate, else None."""
    if None in (window_consumption, share_window_start, pace_band, pace_min_share):
        return None
    assert window_consumption is not None and share_window_start is not None and pace_band is not None
    before = consumption - window_consumption
    share_window = share_now - share_window_start
    if share_window_start < pace_min_share or share_window <= 0 or before <= 0:
        return None
    at_pace = q(before / share_window_start * share_window)
    band = q(max(row.guardrail_band_pct, pace_band))
    if window_consumption > at_pace * (1 + band / 100) and window_consumption - at_pace >= row.floor_amount:
        return (
            f"last hours' consumption {window_consumption} above the day's own pace {at_pace} + {band}% "
            f"and by at least {row.floor_amount}"
        )
    return None


def evaluate(
    policies: PolicySet,
    row: Baseline | None,
    *,
    mode: str,
    cost_center: str | None,
    day: date,
    consumption_today: Decimal,
    share_now: Decimal,
    queue_id: str | None,
    window_consumption: Decimal | None = None,
    share_window_start: Decimal | None = None,
    window_band_factor: Decimal = Decimal(1),
    band_exponent: Decimal = Decimal(0),
    intraday_band: tuple[Decimal | None, Decimal | None] = (None, None),
    floor_min: Decimal | None = None,
    pace_band: Decimal | None = None,
    pace_min_share: Decimal | None = None,
) -> Decision:
    """Decide for one cost center's running total at one moment of ``day``."""
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
    uplift, reasons = uplift_for(pol, day)
    breach, upper, so_far, projected, why = assess(
        row,
        mode=mode,
        consumption=consumption_today,
        share_now=share_now,
        window_consumption=window_consumption,
        share_window_start=share_window_start,
        uplift_pct=uplift,
        window_band_factor=window_band_factor,
        band_exponent=band_exponent,
        intraday_band=intraday_band,
        floor_min=floor_min,
        pace_band=pace_band,
        pace_min_share=pace_min_share,
    )
    reasons += why
    decision = Decision(
        "allow",
        cost_center,
        consumption_today,
        upper,
        policies.version,
        reasons,
        baseline=(row.baseline_30d if mode == "flat" else row.expected_daily_cost) if row else None,
        band_pct=(row.guardrail_band_pct if mode == "flat" else row.effective_band_pct) if row else None,
        history_days=(row.history_days if mode == "flat" else row.weekday_history_weeks) if row else 0,
        expected_so_far=so_far,
        projected_day=projected,
        breach=breach,
    )
    if upper is None and not breach:
        return decision
    if not breach:
        bound_now = upper if so_far is None else so_far * (1 + (decision.band_pct or Decimal(0)) / 100)
        warn_level = q(bound_now * pol.warn_at_pct / 100)
        material = so_far is None or consumption_today - so_far >= row.floor_amount * pol.warn_at_pct / 100
        if consumption_today >= warn_level and consumption_today > 0 and material:
            decision.decision = "warn"
            reasons.append(
                f"consumption {consumption_today} is at least {pol.warn_at_pct}% of the bound so far"
            )
        return decision
    if queue_id and queue_id in pol.exempt_on(day):
        decision.decision = "warn"
        reasons.append(f"queue {queue_id} is a priority queue exempt from mitigation")
        return decision
    if queue_id and queue_id in pol.exempt_queues:
        expired = next(e for e in pol.exemptions if e.queue == queue_id)
        reasons.append(f"exemption of queue {queue_id} expired on {expired.expires}: not applied")
    if not pol.mitigations:
        decision.decision = "warn"
        reasons.append("no mitigation configured for this cost center")
        return decision
    decision.decision = "mitigate"
    decision.mitigations = pol.mitigations
    return decision


def window_start(at: datetime, hours: int) -> datetime | None:
    """Start of the trailing window of ``hours`` ending at ``at`` (clipped to midnight; None if 0)."""
    if hours <= 0:
        return None
    start = at - timedelta(hours=hours)
    midnight = at.replace(hour=0, minute=0, second=0, microsecond=0)
    return max(start, midnight)
