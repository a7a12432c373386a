"""Receiver settings, read once from the environment (secrets never logged)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ingestion.spool.segments import resolve_spool_dir
from ingestion.warehouse import REPO_ROOT

DEFAULT_POLICIES = REPO_ROOT / "guardrails" / "policies.yaml"
MITIGATION_MODES = ("dry-run", "approve", "auto")


@dataclass(frozen=True)
class Settings:
    """Everything the receiver needs; build with :meth:`from_env` or directly in tests."""

    spool_dir: Path
    webhook_secret: str = field(repr=False)
    hmac_secret: str | None = field(default=None, repr=False)
    cost_api_token: str | None = field(default=None, repr=False)
    db_path: Path | None = None
    rules_path: Path | None = None  # the rule book exported after each build (preferred over db_path)
    baseline_schema: str = "analytics"
    policies_path: Path = DEFAULT_POLICIES
    mitigation_mode: str = "dry-run"
    max_body_bytes: int = 64 * 1024
    replay_window_s: int = 300
    refresh_interval_s: float = 2.0
    group_commit_max: int = 512
    max_inflight_syncs: int = 4

    def __post_init__(self) -> None:
        if not self.webhook_secret:
            raise ValueError("CCFINOPS_WEBHOOK_SECRET must be set (the receiver refuses to run open)")
        if self.mitigation_mode not in MITIGATION_MODES:
            raise ValueError(
                f"mitigation mode must be one of {MITIGATION_MODES}, got {self.mitigation_mode!r}"
            )

    @property
    def audit_db(self) -> Path:
        """The SQLite action/audit file beside the spool (never the DuckDB build file)."""
        return self.spool_dir / "audit" / "actions.sqlite"

    @classmethod
    def from_env(
        cls,
        *,
        spool_dir: str | os.PathLike[str] | None = None,
        db_path: str | os.PathLike[str] | None = None,
        mitigation_mode: str | None = None,
    ) -> Settings:
        """Read ``CCFINOPS_*`` variables; explicit arguments (CLI options) win."""
        env = os.environ
        db = db_path or env.get("CCFINOPS_DB")
        rules = env.get("CCFINOPS_GUARDRAIL_RULES")
        return cls(
            spool_dir=resolve_spool_dir(spool_dir),
            webhook_secret=env.get("CCFINOPS_WEBHOOK_SECRET", ""),
            hmac_secret=env.get("CCFINOPS_WEBHOOK_HMAC_SECRET") or None,
            cost_api_token=env.get("CCFINOPS_COST_API_TOKEN") or None,
            db_path=Path(db).expanduser().resolve() if db else None,
            rules_path=Path(rules) if rules else None,
            baseline_schema=env.get("CCFINOPS_BASELINE_SCHEMA", "analytics"),
            policies_path=Path(env.get("CCFINOPS_GUARDRAIL_POLICIES") or DEFAULT_POLICIES),
            mitigation_mode=mitigation_mode or env.get("CCFINOPS_MITIGATION_MODE", "dry-run"),
            max_body_bytes=int(env.get("CCFINOPS_WEBHOOK_MAX_BYTES", 64 * 1024)),
            replay_window_s=int(env.get("CCFINOPS_WEBHOOK_REPLAY_WINDOW_S", 300)),
            max_inflight_syncs=int(env.get("CCFINOPS_SPOOL_MAX_INFLIGHT_SYNCS", 4)),
        )
