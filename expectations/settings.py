"""Data-quality settings: ``expectations/config.yaml`` plus per-call overrides."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

EXPECTATIONS_DIR = Path(__file__).resolve().parent
CONFIG_FILE = EXPECTATIONS_DIR / "config.yaml"
SEVERITIES = ("critical", "warning", "info")


class QualityConfigError(ValueError):
    """The quality configuration file is invalid (names the file and the key)."""


@dataclass(frozen=True)
class QualitySettings:
    """Thresholds, severities and table names used by the quality checkpoint."""

    marts_schema: str = "analytics"
    raw_schema: str = "raw"
    results_schema: str = "quality"
    duckdb_memory_limit: str = "1GB"
    thresholds: dict[str, float] = field(default_factory=dict)
    severity: dict[str, str] = field(default_factory=dict)
    focus_mandatory_columns: tuple[str, ...] = ()

    def with_overrides(self, **changes: Any) -> QualitySettings:
        """Copy with some fields replaced; ``thresholds``/``severity`` dicts are merged."""
        merged: dict[str, Any] = {}
        for key, value in changes.items():
            if key in ("thresholds", "severity"):
                merged[key] = {**getattr(self, key), **value}
            else:
                merged[key] = value
        return replace(self, **merged)


_THRESHOLD_KEYS = (
    "unattributed_share_warn",
    "unattributed_share_fail",
    "max_duration_ms",
)


def _memory_limit(cfg_path: Path, value: Any) -> str:
    text = str(value).strip()
    if not re.fullmatch(r"\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", text, flags=re.IGNORECASE):
        raise QualityConfigError(f"{cfg_path}: duckdb_memory_limit must look like 512MB or 2GB, got {text!r}")
    return text


def load_settings(path: str | os.PathLike[str] | None = None) -> QualitySettings:
    """Read and validate the settings file (default ``expectations/config.yaml``)."""
    cfg_path = Path(path) if path else CONFIG_FILE
    try:
        data = yaml.safe_load(cfg_path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise QualityConfigError(f"{cfg_path}: cannot read quality settings: {exc}") from exc
    thresholds = dict(data.get("thresholds") or {})
    for key in _THRESHOLD_KEYS:
        if key not in thresholds:
            raise QualityConfigError(f"{cfg_path}: thresholds.{key} is missing")
        try:
            thresholds[key] = float(thresholds[key])
        except (TypeError, ValueError) as exc:
            raise QualityConfigError(f"{cfg_path}: thresholds.{key} must be a number") from exc
    if thresholds["unattributed_share_warn"] > thresholds["unattributed_share_fail"]:
        raise QualityConfigError(
            f"{cfg_path}: thresholds.unattributed_share_warn must not exceed unattributed_share_fail"
        )
    severity = {str(k): str(v) for k, v in (data.get("severity") or {}).items()}
    for key, value in severity.items():
        if value not in SEVERITIES:
            raise QualityConfigError(f"{cfg_path}: severity.{key} must be one of {', '.join(SEVERITIES)}")
    return QualitySettings(
        marts_schema=str(data.get("marts_schema", "analytics")),
        raw_schema=str(data.get("raw_schema", "raw")),
        results_schema=str(data.get("results_schema", "quality")),
        duckdb_memory_limit=_memory_limit(cfg_path, data.get("duckdb_memory_limit", "1GB")),
        thresholds=thresholds,
        severity=severity,
        focus_mandatory_columns=tuple(str(c) for c in data.get("focus_mandatory_columns") or ()),
    )
