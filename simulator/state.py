"""Everything the simulator remembers during a run: clock, tokens, quotas, faults, jobs, write state."""

from __future__ import annotations

import math
import random
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np

from simulator.config import Credentials, Faults, SimConfig
from simulator.cxone_gen import CxoneDay, generate_cxone_day
from simulator.genesys_gen import DayCache, GenesysDay, generate_day
from simulator.org import Org, load_org


class SimClock:
    """Real UTC time plus an offset, or frozen at a set instant."""

    def __init__(self) -> None:
        self._frozen: float | None = None
        self._offset = 0.0

    def now_ts(self) -> float:
        return self._frozen if self._frozen is not None else time.time() + self._offset

    def now_ms(self) -> int:
        return int(self.now_ts() * 1000)

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.now_ts(), tz=UTC)

    def set(self, dt: datetime) -> None:
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=UTC)
        self._frozen = dt.timestamp()

    def advance(self, seconds: float) -> None:
        if self._frozen is not None:
            self._frozen += seconds
        else:
            self._offset += seconds

    def real(self) -> None:
        self._frozen, self._offset = None, 0.0


class TokenBucket:
    """``capacity`` requests per minute, refilled continuously."""

    def __init__(self, per_minute: int) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.tokens = float(per_minute)
        self.stamp = time.monotonic()

    def _refill(self) -> None:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    def take(self) -> bool:
        self._refill()
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False

    def count(self) -> int:
        """Requests used in the current window (what ``inin-ratelimit-count`` reports)."""
        return max(0, math.ceil(self.capacity - self.tokens - 1e-6))

    def reset_s(self) -> int:
        return math.ceil((self.capacity - self.tokens) / self.rate) if self.rate else 0

    def retry_after_s(self) -> int:
        return max(1, math.ceil((1.0 - self.tokens) / self.rate))


@dataclass
class Token:
    platform: str
    expires_at: float  # real epoch seconds
    bucket: TokenBucket


@dataclass
class DetailJob:
    id: str
    start_ms: int
    end_ms: int
    submitted_real: float
    submitted_iso: str
    avail_ms: int
    now_ms: int
    late_share: float
    late_delay_ms: int
    forced: str | None = None  # FAILED | EXPIRED (after pages) | CANCELLED
    expire_after_pages: int = 0
    pages_served: int = 0
    expired: bool = False
    rows: dict[int, np.ndarray] = field(default_factory=dict)


@dataclass
class DxJob:
    id: str
    start: date
    end: date
    entity: str
    submitted_real: float
    fail: bool = False


class SimState:
    """Run state; handlers hold ``state.lock`` only around small mutations."""

    def __init__(self, seed: int, config: SimConfig | None = None, org: Org | None = None) -> None:
        self.seed = seed
        self.config = config or SimConfig()
        self.faults: Faults = self.config.faults
        self.org = org or load_org()
        self.creds = Credentials.for_seed(seed)
        self.clock = SimClock()
        self.lock = threading.RLock()
        self.tokens: dict[str, Token] = {}
        self.fault_rng = random.Random(seed * 7919 + 17)
        self.jobs: dict[str, DetailJob] = {}
        self.cursors: dict[str, tuple[str, int, int, float]] = {}  # cursor -> (job, day_i, offset, issued)
        self.billing_polls: dict[tuple[str, str], int] = {}
        self.dx_jobs: dict[str, DxJob] = {}
        self.dx_last_post: float | None = None
        self.dx_urls: dict[str, tuple[str, float]] = {}
        self.counters: dict[str, int] = {
            "requests": 0,
            "status_429": 0,
            "status_5xx": 0,
            "resets": 0,
            "status_401": 0,
            "jobs": 0,
            "result_pages": 0,
            "conversations_served": 0,
            "contacts_served": 0,
        }
        self.status_counts: dict[str, dict[str, int]] = {}
        self.usage_queries: dict[str, float] = {}
        # cache ≈ 1 M conversations worth of generated days (≈ 400 MB at most), at least 3 days
        per_day = max(1, max(self.conversations_per_month, self.contacts_per_month) // 30)
        self._days = DayCache(max(3, min(62, 1_000_000 // per_day)))
        self.write_state = self._initial_write_state()

    # ---- volumes
    @property
    def conversations_per_month(self) -> int:
        return self.config.conversations_per_month or self.org.genesys.conversations_per_month

    @property
    def contacts_per_month(self) -> int:
        return self.config.cxone_contacts_per_month or self.org.cxone.contacts_per_month

    def genesys_day(self, d: date) -> GenesysDay:
        return self._days.get(  # type: ignore[no-any-return]
            ("g", d),
            lambda: generate_day(
                self.org.genesys,
                self.seed,
                d,
                round(self.conversations_per_month * self.config.volume_factor(d)),
                self.config.campaign_spikes,
            ),
        )

    def cxone_day(self, d: date) -> CxoneDay:
        return self._days.get(  # type: ignore[no-any-return]
            ("c", d),
            lambda: generate_cxone_day(
                self.org.cxone, self.seed, d, round(self.contacts_per_month * self.config.volume_factor(d))
            ),
        )

    # ---- tokens and quotas
    def issue_token(self, platform: str) -> tuple[str, float]:
        ttl = self.faults.token_ttl_s
        if ttl is None:
            ttl = self.config.genesys_token_ttl_s if platform == "genesys" else self.config.cxone_token_ttl_s
        quota = (
            self.config.genesys_quota_per_min if platform == "genesys" else self.config.cxone_quota_per_min
        )
        tok = secrets.token_urlsafe(24)
        with self.lock:
            self.tokens[tok] = Token(platform, time.time() + ttl, TokenBucket(quota))
        return tok, ttl

    def draw(self) -> float:
        with self.lock:
            return self.fault_rng.random()

    def count_status(self, platform: str, status: int) -> None:
        """Per-platform counts by status class (feeds the Genesys Usage API)."""
        key = "status429" if status == 429 else f"status{status // 100}00"
        with self.lock:
            row = self.status_counts.setdefault(platform, {"requests": 0})
            row["requests"] += 1
            row[key] = row.get(key, 0) + 1

    # ---- visibility (shared by the API and the ground truth)
    def availability_ms(self) -> int:
        return self.clock.now_ms() - int(self.config.availability_lag_s * 1000)

    def late_mask(self, day: GenesysDay, now_ms: int, late_share: float, late_delay_ms: int) -> np.ndarray:
        """Conversations still hidden as late-arriving at ``now_ms``."""
        if late_share <= 0:
            return np.zeros(day.n, dtype=bool)
        return (day.late_u < late_share) & (day.base_ms + day.end + late_delay_ms > now_ms)

    @staticmethod
    def days_between(start_ms: int, end_ms: int) -> list[date]:
        """UTC days touched by [start_ms, end_ms)."""
        if end_ms <= start_ms:
            return []
        d0 = datetime.fromtimestamp(start_ms / 1000, tz=UTC).date()
        d1 = datetime.fromtimestamp((end_ms - 1) / 1000, tz=UTC).date()
        return [d0 + timedelta(days=i) for i in range((d1 - d0).days + 1)]

    # ---- write endpoints
    def _initial_write_state(self) -> dict[str, Any]:
        g, c = self.org.genesys, self.org.cxone
        return {
            "skills": {
                g.premium_skill_id: {"id": g.premium_skill_id, "name": "Premium Language", "state": "active"}
            },
            "queues": {
                q.id: {
                    "id": q.id,
                    "name": q.name,
                    "skillEvaluationMethod": "ALL",
                    "routingRules": [],
                    "memberCount": max(1, round(g.agents * q.share)) if q.share else 5,
                    "bullseye": {"rings": []},
                    "acwSettings": {"wrapupPrompt": "MANDATORY_TIMEOUT", "timeoutMs": 90000},
                    "skills": [],
                }
                for q in g.queues
            },
            "datatable_rows": {
                g.ivr_datatable_id: {
                    k: {"key": k, "enabled": True}
                    for k in ("callback_offer", "survey_branch", "natural_language_menu")
                }
            },
            "media_retention_policies": {
                g.wem_policy_id: {"id": g.wem_policy_id, "name": "WEM evaluation policy", "enabled": True}
            },
            "shifts": [],
            "cxone_skills": {
                int(s["id"]): {"skillId": int(s["id"]), "skillName": s["name"], "isActive": True}
                for s in c.skills
            },
        }

    def snapshot(self) -> dict[str, Any]:
        """Write state with JSON-friendly keys, plus counters."""
        with self.lock:
            ws = self.write_state
            return {
                "skills": dict(ws["skills"]),
                "queues": dict(ws["queues"]),
                "datatable_rows": {k: dict(v) for k, v in ws["datatable_rows"].items()},
                "media_retention_policies": dict(ws["media_retention_policies"]),
                "shifts": list(ws["shifts"]),
                "cxone_skills": {str(k): v for k, v in ws["cxone_skills"].items()},
                "counters": dict(self.counters),
                "faults": self.faults.as_dict(),
                "clock": self.clock.now().isoformat(),
            }
