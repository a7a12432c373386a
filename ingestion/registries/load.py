"""Load the validated registries into ``raw.config_*`` with dlt (replace, all-or-nothing).

Validation runs first and completely; dlt is only started when every file is valid, so a bad
registry never touches the warehouse. Each table is replaced through dlt's staging dataset
(``insert-from-staging``: truncate + insert from staging in the destination), so readers see the
previous registry until the new one is in.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingestion.dlt_pipeline import raw_pipeline
from ingestion.registries.validate import REGISTRIES, Registry, RegistryFile, validate_registries

PIPELINE_NAME = "ccfinops_registries"

_DEC = {"data_type": "decimal", "precision": 18, "scale": 6}
_TEXT = {"data_type": "text"}
_DATE = {"data_type": "date"}
_INT = {"data_type": "bigint"}
_BOOL = {"data_type": "bool"}
_COMMON = {"registry_version": _TEXT, "loaded_at": {"data_type": "timestamp", "timezone": True}}

#: column hints per raw table: (name → type), nullable columns, primary key
COLUMNS: dict[str, tuple[dict[str, dict[str, Any]], set[str], tuple[str, ...]]] = {
    "config_cost_centers": (
        {"cost_center": _TEXT, "name": _TEXT, "owner": _TEXT, "guardrail_band_pct": _DEC, "is_active": _BOOL},
        {"guardrail_band_pct"},
        ("cost_center",),
    ),
    "config_cost_center_mappings": (
        {
            "platform": _TEXT,
            "key_type": _TEXT,
            "key": _TEXT,
            "key_name": _TEXT,
            "cost_center": _TEXT,
            "weight": _DEC,
            "parent_queue_id": _TEXT,
            "effective_from": _DATE,
            "effective_to": _DATE,
            "mapping_version": _TEXT,
        },
        {"cost_center", "parent_queue_id", "effective_to"},
        ("platform", "key_type", "key", "effective_from"),
    ),
    "config_rate_cards": (
        {
            "usage_type": _TEXT,
            "carrier": _TEXT,
            "direction": _TEXT,
            "number_type": _TEXT,
            "rate": _DEC,
            "unit": _TEXT,
            "increment_seconds": _INT,
            "minimum_seconds": _INT,
            "currency": _TEXT,
            "effective_from": _DATE,
            "effective_to": _DATE,
            "rate_card_version": _TEXT,
        },
        {"effective_to"},
        ("usage_type", "carrier", "direction", "number_type", "effective_from"),
    ),
    "config_cost_pools": (
        {
            "pool_name": _TEXT,
            "pool_type": _TEXT,
            "platform": _TEXT,
            "monthly_amount": _DEC,
            "cap": _DEC,
            "currency": _TEXT,
            "period_start": _DATE,
            "period_end": _DATE,
            "allocation_basis": _TEXT,
            "charge_name": _TEXT,
            "rule_version": _TEXT,
            "owner_cost_center": _TEXT,
        },
        {"cap", "charge_name", "owner_cost_center"},
        ("pool_name", "period_start"),
    ),
    "config_budgets": (
        {
            "cost_center": _TEXT,
            "amount": _DEC,
            "currency": _TEXT,
            "effective_from": _DATE,
            "effective_to": _DATE,
            "owner": _TEXT,
            "alert_thresholds_pct": _TEXT,
            "alert_on": _TEXT,
            "budget_version": _TEXT,
        },
        {"effective_to", "owner"},
        ("cost_center", "effective_from"),
    ),
    "config_notification_routes": (
        {"recipient": _TEXT, "scope": _TEXT, "target_env": _TEXT},
        set(),
        ("recipient", "target_env"),
    ),
}


@dataclass(frozen=True)
class RegistryLoad:
    """What one registry load wrote: per raw table its source, version and row count."""

    db_path: Path
    load_id: str
    loaded_at: dt.datetime
    sources: dict[str, str]
    versions: dict[str, str]
    row_counts: dict[str, int]


def load_registries(
    db_path: str | Path, files_dir: Path | None = None, *, mappings_url: str | None = None
) -> RegistryLoad:
    """Validate then replace-load the registries into ``raw``; raises ``RegistryError`` (nothing written)."""
    registry = validate_registries(files_dir, mappings_url)
    return write_registry(Path(db_path), registry)


def write_registry(db_path: Path, registry: Registry) -> RegistryLoad:
    """Load an already validated registry with one dlt run of replace resources (one per file)."""
    import dlt

    loaded_at = dt.datetime.now(dt.UTC).replace(microsecond=0)
    resources = [_resource(dlt, registry[name], loaded_at) for name in REGISTRIES]
    pipeline = raw_pipeline(db_path, PIPELINE_NAME, replace_strategy="insert-from-staging")
    info = pipeline.run(resources)
    info.raise_on_failed_jobs()
    files = [registry[name] for name in REGISTRIES]
    return RegistryLoad(
        db_path=db_path,
        load_id=info.loads_ids[-1] if info.loads_ids else "",
        loaded_at=loaded_at,
        sources={f.table: f.source for f in files},
        versions={f.table: f.version for f in files},
        row_counts={f.table: len(f.rows) for f in files},
    )


def _resource(dlt: Any, registry_file: RegistryFile, loaded_at: dt.datetime) -> Any:
    table = registry_file.table
    types, nullable, primary_key = COLUMNS[table]
    columns = {name: {**hint, "nullable": name in nullable} for name, hint in {**types, **_COMMON}.items()}
    rows = [_row(record, registry_file.version, loaded_at) for record in registry_file.rows]
    return dlt.resource(
        rows,
        name=table,
        table_name=table,
        write_disposition="replace",
        primary_key=primary_key,
        columns=columns,
    )


def _row(record: Any, version: str, loaded_at: dt.datetime) -> dict[str, Any]:
    row = record.model_dump()
    if "mapping_version" in row and row["mapping_version"] is None:
        row["mapping_version"] = version
    row["registry_version"] = version
    row["loaded_at"] = loaded_at
    return row
