"""Run configuration (``SimConfig``), fault knobs (``Faults``) and the demo credentials."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field, fields
from datetime import date
from typing import Any


@dataclass
class Faults:
    """Fault injection knobs; every field can be changed at run time via ``POST /_sim/faults``."""

    rate_429: float = 0.0
    rate_5xx: float = 0.0
    rate_reset: float = 0.0
    expire_jobs: int = 0
    expire_after_pages: int = 1
    fail_jobs: int = 0
    expire_cursors: int = 0
    token_ttl_s: float | None = None
    late_share: float = 0.0
    late_delay_s: float = 6 * 3600.0
    sync_drift: bool = False
    sync_drift_per_page: int = 3
    faults_on_auth: bool = False
    wfm_forbidden: bool = False  # WFM endpoints answer 403 (no WFM licence / permission)
    agent_status_forbidden: bool = False  # users aggregates query answers 403
    # An org without products/permissions: only OAuth, discovery and the core analytics/reporting
    # endpoints answer; every other vendor endpoint answers 404 (``minimal_org``). Finer: comma-
    # separated path prefixes answering 403 (``forbidden_paths``) or 404 (``missing_paths``).

    minimal_org: bool = False
    forbidden_paths: str = ""
    missing_paths: str = ""
    failing_paths: str = ""  # comma-separated path prefixes answering 503 every time (a 5xx storm)

    def update(self, **kw: Any) -> None:
        """Set known knobs; unknown names raise ``ValueError`` naming the field."""
        names = {f.name: f for f in fields(self)}
        for key, value in kw.items():
            if key not in names:
                raise ValueError(f"unknown fault knob {key!r}; known: {sorted(names)}")
            current = getattr(self, key)
            if value is None:
                setattr(self, key, None)
            elif isinstance(current, str):
                setattr(self, key, str(value))
            elif isinstance(current, bool) or key in ("sync_drift", "faults_on_auth", "minimal_org"):
                setattr(self, key, bool(value))
            elif isinstance(current, int) and not isinstance(current, bool):
                setattr(self, key, int(value))
            else:
                setattr(self, key, float(value))
        for key in ("rate_429", "rate_5xx", "rate_reset", "late_share"):
            v = getattr(self, key)
            if not 0.0 <= v <= 1.0:
                raise ValueError(f"fault {key} must be within [0, 1], got {v}")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class CampaignSpike:
    campaign: str  # campaign name or id
    start: date
    end: date  # exclusive
    factor: float


@dataclass
class SimConfig:
    """Knobs for one simulator run (see README.md)."""

    conversations_per_month: int | None = None
    cxone_contacts_per_month: int | None = None
    genesys_quota_per_min: int = 300
    cxone_quota_per_min: int = 600
    genesys_token_ttl_s: float = 86400.0
    cxone_token_ttl_s: float = 3600.0
    job_queued_s: float = 0.3
    job_ready_s: float = 1.0
    cursor_ttl_s: float = 600.0
    availability_lag_s: float = 3600.0
    sync_max_page_size: int = 100
    job_max_page_size: int = 1000
    billing_in_progress_polls: int = 1
    dx_min_spacing_s: float = 30.0
    dx_job_s: float = 2.0
    dx_url_ttl_s: float = 30.0
    campaign_spikes: list[CampaignSpike] = field(default_factory=list)
    faults: Faults = field(default_factory=Faults)
    # volume drift (so forecast backtests are not flattered by a flat series): compound growth per
    # month from trend_anchor, and a step change by level_shift_factor from level_shift_on
    volume_trend_pct_per_month: float = 0.0
    trend_anchor: date = date(2026, 1, 1)
    level_shift_on: date | None = None
    level_shift_factor: float = 1.0

    def volume_factor(self, d: date) -> float:
        """Multiplier of the monthly volume on day ``d`` (1.0 without trend or level shift)."""
        months = (d - self.trend_anchor).days / 30.4375
        factor = (1 + self.volume_trend_pct_per_month / 100) ** months
        if self.level_shift_on is not None and d >= self.level_shift_on:
            factor *= self.level_shift_factor
        return factor


def _derive(seed: int, label: str) -> str:
    return hashlib.sha256(f"ccfinops-sim:{label}:{seed}".encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Credentials:
    """Fixed demo credentials (not secrets); the secrets vary with the seed."""

    genesys_client_id: str
    genesys_client_secret: str
    cxone_access_key_id: str
    cxone_access_key_secret: str
    cxone_client_id: str
    cxone_client_secret: str

    @classmethod
    def for_seed(cls, seed: int) -> Credentials:
        return cls(
            genesys_client_id="sim-genesys-client",
            genesys_client_secret=f"sim-genesys-secret-{seed}",
            cxone_access_key_id="SIMCXONEACCESSKEY",
            cxone_access_key_secret=f"sim-cxone-key-secret-{seed}",
            cxone_client_id="sim-cxone-client",
            cxone_client_secret=f"sim-cxone-client-secret-{seed}",
        )
