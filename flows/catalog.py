"""Every flow ccfinops deploys, by name (the same entrypoints as ``prefect.yaml``)."""

from __future__ import annotations

import importlib
from typing import Any

from ingestion.warehouse import REPO_ROOT

PREFECT_YAML = REPO_ROOT / "prefect.yaml"

FLOWS: dict[str, str] = {
    "telemetry": "flows/telemetry.py:telemetry",
    "weekly_efficiency_report": "flows/weekly_report.py:weekly_efficiency_report",
    "monthly_close": "flows/monthly_close.py:monthly_close",
    "wfm_constraints": "flows/wfm_constraints.py:wfm_constraints",
}


def load_entrypoint(entrypoint: str) -> Any:
    """Import ``path/to/file.py:function`` (relative to the repo root) and return the flow object."""
    path, _, attr = entrypoint.partition(":")
    module = path.removesuffix(".py").replace("/", ".")
    return getattr(importlib.import_module(module), attr)


def get_flow(name: str) -> Any:
    """The flow object for a deployment name in :data:`FLOWS`."""
    if name not in FLOWS:
        raise KeyError(f"unknown flow {name!r}; known: {', '.join(FLOWS)}")
    return load_entrypoint(FLOWS[name])
