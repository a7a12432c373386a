"""Where the flows write their outputs (reports, snapshots, docs site, chargeback files).

Each location is an explicit argument, else an environment variable, else a folder under the current
directory (the same convention as the warehouse's ``./warehouse/``).
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_TIMEZONE = "UTC"


def _resolve(value: str | os.PathLike[str] | None, env: str, default: str) -> Path:
    raw = value or os.environ.get(env) or default
    return Path(raw).expanduser().resolve()


def reports_dir(value: str | os.PathLike[str] | None = None) -> Path:
    """Weekly reports archive: ``--out``, else ``$CCFINOPS_REPORTS_DIR``, else ``./reports``."""
    return _resolve(value, "CCFINOPS_REPORTS_DIR", "reports")


def snapshot_dir(value: str | os.PathLike[str] | None = None) -> Path:
    """BI snapshot folder: ``--out``, else ``$CCFINOPS_SNAPSHOT_DIR``, else ``./snapshots``."""
    return _resolve(value, "CCFINOPS_SNAPSHOT_DIR", "snapshots")


def site_dir(value: str | os.PathLike[str] | None = None) -> Path:
    """Docs site folder: ``--site``, else ``$CCFINOPS_SITE_DIR``, else ``./site``."""
    return _resolve(value, "CCFINOPS_SITE_DIR", "site")


def close_dir(value: str | os.PathLike[str] | None = None) -> Path:
    """Monthly close output (chargeback CSVs): else ``$CCFINOPS_CLOSE_DIR``, else ``./reports/close``."""
    return _resolve(value, "CCFINOPS_CLOSE_DIR", str(reports_dir() / "close"))


def timezone_name(value: str | None = None) -> str:
    """Business timezone for shifts and schedules: argument, else ``$CCFINOPS_TIMEZONE``, else UTC."""
    return value or os.environ.get("CCFINOPS_TIMEZONE") or DEFAULT_TIMEZONE
