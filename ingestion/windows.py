"""Time windows for incremental pulls: chunking, trailing re-pull, ISO formatting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta


@dataclass(frozen=True, order=True)
class Window:
    """A half-open UTC interval [start, end)."""

    start: datetime
    end: datetime

    def interval(self) -> str:
        """Genesys interval string ``start/end``."""
        return f"{iso_z(self.start)}/{iso_z(self.end)}"

    def overlaps(self, other: Window) -> bool:
        """True when the two windows share any instant."""
        return self.start < other.end and other.start < self.end


def iso_z(dt: datetime) -> str:
    """UTC ISO-8601 with milliseconds and ``Z``."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def day_start(d: date | datetime) -> datetime:
    """Midnight UTC of a date (datetimes are converted to UTC first)."""
    if isinstance(d, datetime):
        return d.astimezone(UTC) if d.tzinfo else d.replace(tzinfo=UTC)
    return datetime.combine(d, time(0), tzinfo=UTC)


def chunk(start: datetime, end: datetime, size: timedelta) -> list[Window]:
    """Split [start, end) into consecutive windows of at most ``size``."""
    out = []
    cur = start
    while cur < end:
        nxt = min(end, cur + size)
        out.append(Window(cur, nxt))
        cur = nxt
    return out


def effective_start(start: datetime, pulled_until: datetime | None, trailing: timedelta) -> datetime:
    """Extend ``start`` back to re-pull the trailing window when this run continues the last one.

    A run that starts at or before the stored high-water mark (and after the trailing window began)
    re-pulls from ``pulled_until - trailing`` so late-arriving records are picked up.
    """
    if pulled_until is None:
        return start
    lookback = pulled_until - trailing
    if lookback < start <= pulled_until:
        return lookback
    return start


def floor_to(dt: datetime, step: timedelta) -> datetime:
    """Round ``dt`` down to a multiple of ``step`` since midnight UTC."""
    midnight = dt.replace(hour=0, minute=0, second=0, microsecond=0)
    steps = (dt - midnight) // step
    return midnight + steps * step
