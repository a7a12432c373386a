"""Credentials and tuning for ``ingest``: env vars first, then dlt secrets/config."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import timedelta

from ingestion.genesys_cloud import GenesysOptions
from ingestion.genesys_cloud.helpers import JobTuning
from ingestion.http import RetryPolicy
from ingestion.nice_cxone import CxoneOptions

GENESYS_ENV = {
    "client_id": "GENESYS_CLIENT_ID",
    "client_secret": "GENESYS_CLIENT_SECRET",
    "api_base": "GENESYS_API_BASE",
    "login_base": "GENESYS_LOGIN_BASE",
}
CXONE_ENV = {
    "access_key_id": "CXONE_ACCESS_KEY_ID",
    "access_key_secret": "CXONE_ACCESS_KEY_SECRET",
    "client_id": "CXONE_CLIENT_ID",
    "client_secret": "CXONE_CLIENT_SECRET",
    "auth_base": "CXONE_AUTH_BASE",
    "api_base": "CXONE_API_BASE",
}
CXONE_OPTIONAL = frozenset({"api_base"})  # discovered from /.well-known/cxone-configuration


class CredentialsError(ValueError):
    """A required credential or host is missing."""


def _lookup(source: str, key: str, env: str) -> str | None:
    """One credential: its env var, else ``sources.<source>.<key>`` in dlt secrets/config."""
    import dlt

    value = os.environ.get(env)
    if not value:
        try:
            path = f"sources.{source}.{key}"
            value = dlt.secrets.get(path) or dlt.config.get(path)
        except Exception:  # noqa: BLE001 - any provider failure means "not configured"
            value = None
    return str(value) if value else None


def is_configured(source: str, env_map: dict[str, str], *, optional: frozenset[str] = frozenset()) -> bool:
    """Whether any required credential of ``source`` is set (a partial set is an error later)."""
    return any(_lookup(source, key, env) for key, env in env_map.items() if key not in optional)


def credentials(
    source: str, env_map: dict[str, str], *, optional: frozenset[str] = frozenset()
) -> dict[str, str]:
    """Resolve each key from its env var, else ``sources.<source>.<key>`` in dlt secrets/config."""
    out: dict[str, str] = {}
    missing = []
    for key, env in env_map.items():
        value = _lookup(source, key, env)
        if value:
            out[key] = value
        elif key not in optional:
            missing.append(env)
    if missing:
        raise CredentialsError(
            f"{source}: missing {', '.join(missing)} (env or dlt secrets sources.{source}.*)"
        )
    return out


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    return float(raw) if raw else default


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw else default


@dataclass
class IngestOptions:
    """Everything tunable about an ingest run."""

    trailing: timedelta = timedelta(hours=48)
    genesys: GenesysOptions = field(default_factory=GenesysOptions)
    cxone: CxoneOptions = field(default_factory=CxoneOptions)

    @classmethod
    def from_env(cls) -> IngestOptions:
        """Defaults overridden by ``CCFINOPS_*`` / ``*_RATE_LIMIT_PER_MIN`` env vars."""
        retry = RetryPolicy(
            max_attempts=_env_int("CCFINOPS_HTTP_MAX_ATTEMPTS", RetryPolicy.max_attempts),
            backoff_base=_env_float("CCFINOPS_HTTP_BACKOFF_BASE", RetryPolicy.backoff_base),
            backoff_max=_env_float("CCFINOPS_HTTP_BACKOFF_MAX", RetryPolicy.backoff_max),
            retry_after_max=_env_float("CCFINOPS_HTTP_RETRY_AFTER_MAX", RetryPolicy.retry_after_max),
            timeout=_env_float("CCFINOPS_HTTP_TIMEOUT", RetryPolicy.timeout),
        )
        poll = _env_float("CCFINOPS_GENESYS_JOB_POLL_SECONDS", JobTuning.poll_initial_s)
        genesys = GenesysOptions(
            rate_per_min=_env_float("GENESYS_RATE_LIMIT_PER_MIN", GenesysOptions.rate_per_min),
            retry=retry,
            job_window=timedelta(hours=_env_float("CCFINOPS_GENESYS_JOB_WINDOW_HOURS", 24 * 7)),
            job_attempts=_env_int("CCFINOPS_GENESYS_JOB_ATTEMPTS", GenesysOptions.job_attempts),
            job_workers=_env_int("CCFINOPS_GENESYS_JOB_WORKERS", GenesysOptions.job_workers),
            tuning=JobTuning(poll_initial_s=poll, poll_max_s=max(poll, JobTuning.poll_max_s)),
        )
        cxone = CxoneOptions(
            rate_per_min=_env_float("CXONE_RATE_LIMIT_PER_MIN", CxoneOptions.rate_per_min),
            retry=retry,
            api_version=os.environ.get("CCFINOPS_CXONE_API_VERSION", CxoneOptions.api_version),
        )
        return cls(
            trailing=timedelta(hours=_env_float("CCFINOPS_INGEST_TRAILING_HOURS", 48)),
            genesys=genesys,
            cxone=cxone,
        )
