"""In-memory cost-center registry for ``GET /api/v1/cost-mapping`` and event attribution.

Read from ``cost_center_mappings.csv`` / ``cost_centers.csv`` (the files the registry loader also
loads into ``raw.config_*``) and rebuilt whenever a file changes; requests read an immutable snapshot.
"""

from __future__ import annotations

import csv
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Generic, TypeVar

from pydantic import ValidationError

from ingestion.registries.models import CostCenter, CostCenterMapping

log = logging.getLogger(__name__)
T = TypeVar("T")
MAPPINGS_FILE = "cost_center_mappings.csv"
COST_CENTERS_FILE = "cost_centers.csv"
MAX_PARENT_DEPTH = 5


class RegistryFileError(ValueError):
    """A registry file the receiver cannot use (names file, row and field)."""


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


def _read_rows(path: Path, model: type[T]) -> tuple[list[T], str]:
    raw = path.read_bytes()
    rows: list[T] = []
    for number, row in enumerate(csv.DictReader(raw.decode("utf-8").splitlines()), start=2):
        try:
            rows.append(model.model_validate(row))  # type: ignore[attr-defined]
        except ValidationError as exc:
            err = exc.errors()[0]
            field = ".".join(map(str, err["loc"])) or "row"
            raise RegistryFileError(f"{path.name} row {number} field {field!r}: {err['msg']}") from None
    return rows, hashlib.sha256(raw).hexdigest()[:12]


class CostRegistry:
    """Immutable snapshot of mappings and cost centers."""

    def __init__(self, mappings: list[CostCenterMapping], centers: list[CostCenter], version: str) -> None:
        self.version = version
        self.centers = {c.cost_center: c for c in centers}
        self._by_key: dict[tuple[str, str], list[CostCenterMapping]] = {}
        for row in mappings:
            self._by_key.setdefault((row.key_type, row.key), []).append(row)
            if row.key_type == "campaign":
                self._by_key.setdefault(("campaign", row.key_name), []).append(row)

    @classmethod
    def load(cls, files_dir: Path) -> CostRegistry:
        """Read both files; raise :class:`RegistryFileError` on any invalid row (nothing replaced)."""
        mappings, m_version = _read_rows(files_dir / MAPPINGS_FILE, CostCenterMapping)
        centers_path = files_dir / COST_CENTERS_FILE
        centers, _ = _read_rows(centers_path, CostCenter) if centers_path.exists() else ([], "")
        return cls(mappings, centers, m_version)

    def band_pct(self, cost_center: str) -> Decimal | None:
        """The registry's guardrail band for a cost center (``None`` → policy default)."""
        center = self.centers.get(cost_center)
        return center.guardrail_band_pct if center else None

    def _in_force(self, key_type: str, key: str, day: date, platform: str | None) -> list[CostCenterMapping]:
        return [
            r
            for r in self._by_key.get((key_type, key), [])
            if r.effective_from <= day
            and (r.effective_to is None or day < r.effective_to)
            and (platform is None or r.platform == platform)
        ]

    def lookup(
        self,
        *,
        queue_id: str | None = None,
        campaign: str | None = None,
        day: date | None = None,
        platform: str | None = None,
    ) -> Mapping:
        """Campaign first (more specific), then queue, then the queue's parent chain."""
        day = day or datetime.now(UTC).date()
        if campaign:
            rows = self._in_force("campaign", campaign, day, platform)
            if rows:
                return self._answer(rows, None)
            if not queue_id:
                raise MappingNotFound(f"campaign {campaign!r} has no cost-center mapping in force on {day}")
        if not queue_id:
            raise MappingNotFound("give queue_id or campaign")
        key, via = queue_id, None
        for _ in range(MAX_PARENT_DEPTH):
            rows = self._in_force("queue", key, day, platform)
            if not rows:
                if via is None:
                    raise MappingNotFound(
                        f"queue {queue_id!r} is not in the cost-center registry in force on {day} "
                        f"(registry {self.version}); register it or give it a parent_queue_id"
                    )
                raise MappingNotFound(
                    f"queue {queue_id!r} inherits from {key!r}, which has no mapping on {day}"
                )
            direct = [r for r in rows if r.cost_center]
            if direct:
                return self._answer(direct, via)
            key = via = rows[0].parent_queue_id or ""
        raise MappingNotFound(f"queue {queue_id!r}: parent chain deeper than {MAX_PARENT_DEPTH}")

    def _answer(self, rows: list[CostCenterMapping], via: str | None) -> Mapping:
        best = max(rows, key=lambda r: (r.weight, r.cost_center or ""))
        return Mapping(
            cost_center=best.cost_center or "",
            weight=best.weight,
            mapping_version=best.mapping_version or self.version,
            key_type=best.key_type,
            key=best.key,
            resolved_via=via,
        )

    def cost_center_for(self, queue_id: str | None, campaign: str | None, day: date) -> str | None:
        """Attribution for a webhook event with no explicit cost center (``None`` if unmapped)."""
        try:
            return self.lookup(queue_id=queue_id, campaign=campaign, day=day).cost_center
        except MappingNotFound:
            return None


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
