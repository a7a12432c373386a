"""``GET /api/v1/cost-mapping`` answers from the exported rule book, and the hot-reload helper.

The cost-center resolution (precedence, campaign -> queue -> parent chain) is the warehouse's: rows
of ``dim_guardrail_cost_center_lookup`` walked in the order of ``dim_guardrail_attribution_rules``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Generic, TypeVar

from guardrails.rulebook import RuleBook

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Mapping:
    """The answer of the cost-mapping endpoint."""

    cost_center: str
    weight: Decimal
    mapping_version: str
    key_type: str
    key: str
    resolved_via: str | None = None  # parent queue id when inherited


class MappingNotFound(LookupError):
    """No mapping in force; ``reason`` is shown to the caller."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def lookup(
    book: RuleBook,
    *,
    queue_id: str | None = None,
    campaign: str | None = None,
    day: date | None = None,
    platform: str | None = None,
) -> Mapping:
    """The cost-mapping endpoint's answer: the exported precedence applied to a queue / campaign."""
    day = day or datetime.now(UTC).date()
    if not queue_id and not campaign:
        raise MappingNotFound("give queue_id or campaign")
    inputs = {"campaign": campaign, "queue_id": queue_id, "originating_queue_id": queue_id}
    platforms = [platform] if platform else ["cxone" if (queue_id or campaign or "").isdigit() else "genesys"]
    for p in platforms:
        hit = book.resolve(inputs, p, day)
        if hit is not None:
            return Mapping(
                cost_center=hit.cost_center,
                weight=hit.weight if hit.weight is not None else Decimal(1),
                mapping_version=hit.mapping_version,
                key_type="campaign" if hit.lookup_kind == "campaign" else "queue",
                key=hit.key,
                resolved_via=hit.resolved_via,
            )
    what = f"queue {queue_id!r}" if queue_id else f"campaign {campaign!r}"
    if queue_id and campaign:
        what = f"queue {queue_id!r} / campaign {campaign!r}"
    raise MappingNotFound(
        f"{what} has no cost-center mapping in force on {day} (rules {book.version}); "
        "register it or give the queue a parent_queue_id"
    )


class Watched(Generic[T]):
    """A value rebuilt from files whenever one of them changes (mtime/size); last good kept on error."""

    def __init__(self, paths: list[Path], build: Callable[[], T], name: str) -> None:
        self._paths = paths
        self._build = build
        self.name = name
        self._stamp: tuple[tuple[float, int], ...] | None = None
        self.value: T | None = None
        self.last_error: str | None = None
        self.reloads = 0

    def _current_stamp(self) -> tuple[tuple[float, int], ...]:
        out = []
        for p in self._paths:
            try:
                st = p.stat()
                out.append((st.st_mtime, st.st_size))
            except FileNotFoundError:
                out.append((0.0, -1))
        return tuple(out)

    def refresh(self, *, strict: bool = False) -> bool:
        """Reload when changed; return True when a new value was built."""
        stamp = self._current_stamp()
        if stamp == self._stamp and self.value is not None:
            return False
        try:
            value = self._build()
        except Exception as exc:  # keep serving the last good snapshot, loudly (once per distinct error)
            if str(exc) != self.last_error:
                log.error("guardrails: %s reload failed, keeping the previous version: %s", self.name, exc)
            self.last_error = str(exc)
            if strict:
                raise
            return False
        self.value, self._stamp, self.last_error = value, stamp, None
        self.reloads += 1
        return True
