"""Cost estimate of one usage event from the rate-card registry (``rate_cards.csv``).

Estimate (documented in ``guardrails/README.md``): billed seconds = ``max(minimum_seconds,
ceil(seconds / increment_seconds) * increment_seconds)``; cost = ``rate * billed_seconds / 60``
rounded half-up to 6 decimals (``DECIMAL(18,6)``). Voice events are matched on carrier, direction
and number type with ``*`` wildcards; when the event does not say (the seed template carries none of
them) the *highest* voice rate in force among the platform's carriers (org.yaml) is used, so the
guardrail errs towards over-estimating.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import math
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

from guardrails.events import UsageEvent

MICRO = Decimal("0.000001")
USAGE_TYPE = {"telephony.call.completed": "voice", "ai.transcription.completed": "transcription"}


@functools.cache
def platform_carriers() -> dict[str, frozenset[str]]:
    """Carriers per platform from ``simulator/org.yaml`` (empty when unavailable)."""
    import yaml

    from ingestion.warehouse import REPO_ROOT

    try:
        org = yaml.safe_load((REPO_ROOT / "ingestion" / "simulator" / "org.yaml").read_text())
    except (OSError, yaml.YAMLError):
        return {}
    return {
        "genesys": frozenset((org.get("genesys") or {}).get("carriers") or ()),
        "cxone": frozenset((org.get("nice_cxone") or {}).get("carriers") or ()),
    }


class RateCardError(ValueError):
    """A rate-card file that cannot be used (names the file, row and field)."""


@dataclass(frozen=True, slots=True)
class RateCard:
    """One rate-card row."""

    usage_type: str
    carrier: str
    direction: str
    number_type: str
    rate: Decimal
    unit: str
    increment_seconds: int
    minimum_seconds: int
    currency: str
    effective_from: date
    effective_to: date | None

    def in_force(self, day: date) -> bool:
        """Whether the row applies on ``day`` (``effective_to`` exclusive)."""
        return self.effective_from <= day and (self.effective_to is None or day < self.effective_to)

    def cost(self, duration_ms: int) -> Decimal:
        """Billed cost of ``duration_ms`` under this row (exact Decimal)."""
        seconds = math.ceil(duration_ms / 1000)
        step = max(self.increment_seconds, 1)
        billed = max(self.minimum_seconds, math.ceil(seconds / step) * step) if seconds else 0
        return (self.rate * Decimal(billed) / Decimal(60)).quantize(MICRO, rounding=ROUND_HALF_UP)


def _date(value: str, where: str) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise RateCardError(f"{where}: not an ISO date: {value!r}") from None


class RateBook:
    """All rate-card rows plus the file's version (content hash)."""

    def __init__(self, cards: list[RateCard], version: str) -> None:
        self.cards = cards
        self.version = version
        self._memo: dict[tuple[object, ...], RateCard | None] = {}

    @classmethod
    def load(cls, path: Path) -> RateBook:
        """Read and validate ``rate_cards.csv``; raise :class:`RateCardError` naming row and field."""
        raw = path.read_bytes()
        rows = list(csv.DictReader(raw.decode("utf-8").splitlines()))
        cards: list[RateCard] = []
        for number, row in enumerate(rows, start=2):
            where = f"{path.name} row {number}"
            for col in ("usage_type", "rate", "effective_from"):
                if not (row.get(col) or "").strip():
                    raise RateCardError(f"{where}: field {col!r} is empty")
            try:
                rate = Decimal(row["rate"].strip())
            except InvalidOperation:
                raise RateCardError(f"{where}: field 'rate' is not a decimal: {row['rate']!r}") from None
            try:
                increment = int((row.get("increment_seconds") or "6").strip() or 6)
                minimum = int((row.get("minimum_seconds") or "0").strip() or 0)
            except ValueError:
                raise RateCardError(f"{where}: increment_seconds/minimum_seconds must be integers") from None
            start = _date(row["effective_from"], f"{where} field 'effective_from'")
            assert start is not None
            cards.append(
                RateCard(
                    usage_type=row["usage_type"].strip(),
                    carrier=(row.get("carrier") or "*").strip() or "*",
                    direction=(row.get("direction") or "*").strip() or "*",
                    number_type=(row.get("number_type") or "*").strip() or "*",
                    rate=rate,
                    unit=(row.get("unit") or "minute").strip(),
                    increment_seconds=increment,
                    minimum_seconds=minimum,
                    currency=(row.get("currency") or "USD").strip(),
                    effective_from=start,
                    effective_to=_date(row.get("effective_to") or "", f"{where} field 'effective_to'"),
                )
            )
        return cls(cards, hashlib.sha256(raw).hexdigest()[:12])

    def card_for(self, event: UsageEvent) -> RateCard | None:
        """The matching row in force on the event's day (highest rate when ambiguous).

        Rows are limited to the platform's carriers; when the event's carrier matches none (e.g. a
        Genesys ``provider`` of ``Edge``) the carrier is ignored, then direction and number type too.
        """
        key = (
            event.event_type,
            event.platform,
            event.carrier,
            event.direction,
            event.number_type,
            event.event_time.date(),
        )
        if key in self._memo:
            return self._memo[key]
        if len(self._memo) > 4096:
            self._memo.clear()
        self._memo[key] = found = self._lookup(event)
        return found

    def _lookup(self, event: UsageEvent) -> RateCard | None:
        wanted = {"carrier": event.carrier, "direction": event.direction, "number_type": event.number_type}
        no_carrier = {**wanted, "carrier": None}
        carriers = platform_carriers().get(event.platform)
        return (
            self._best(event, wanted, carriers)
            or self._best(event, no_carrier, carriers)
            or self._best(event, {}, carriers)
            or self._best(event, {}, None)
        )

    def _best(
        self, event: UsageEvent, wanted: dict[str, str | None], carriers: frozenset[str] | None
    ) -> RateCard | None:
        usage_type = USAGE_TYPE[event.event_type]
        day = event.event_time.date()
        best: RateCard | None = None
        for card in self.cards:
            if card.usage_type != usage_type or not card.in_force(day):
                continue
            if carriers and card.carrier != "*" and card.carrier not in carriers:
                continue
            if any(
                value is not None and getattr(card, key) not in ("*", value) for key, value in wanted.items()
            ):
                continue
            if best is None or card.rate > best.rate:
                best = card
        return best

    def estimate(self, event: UsageEvent) -> Decimal:
        """Estimated cost of the event; 0 when no rate applies (flagged by the caller)."""
        card = self.card_for(event)
        return card.cost(event.duration_ms) if card else Decimal("0")
