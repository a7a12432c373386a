"""Read and validate the registries: every row, then the rules that span rows and files.

All problems are collected before raising one ``RegistryError``; callers load nothing unless
``validate_registries`` returns.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ingestion.registries.errors import RegistryError, RegistryIssue
from ingestion.registries.models import (
    Budget,
    CostCenter,
    CostCenterMapping,
    CostPool,
    FieldError,
    NotificationRoute,
    RateCard,
)

FILES_DIR = Path(__file__).resolve().parent / "files"

#: logical registry name → (file name, row model, raw table)
REGISTRIES: dict[str, tuple[str, type[BaseModel], str]] = {
    "cost_centers": ("cost_centers.csv", CostCenter, "config_cost_centers"),
    "cost_center_mappings": ("cost_center_mappings.csv", CostCenterMapping, "config_cost_center_mappings"),
    "rate_cards": ("rate_cards.csv", RateCard, "config_rate_cards"),
    "cost_pools": ("cost_pools.csv", CostPool, "config_cost_pools"),
    "budgets": ("budgets.csv", Budget, "config_budgets"),
    "notification_routes": ("notification_routes.csv", NotificationRoute, "config_notification_routes"),
}
#: registries an org may not keep (a missing file loads as an empty table)
OPTIONAL_REGISTRIES = frozenset({"budgets", "notification_routes"})


@dataclass(frozen=True)
class RegistryFile:
    """One validated registry: its rows, where each came from and the content version."""

    name: str
    source: str
    version: str
    rows: list[Any]
    row_numbers: list[int]
    unit: str = "row"
    raw: tuple[Any, ...] = ()  # every record as read, valid or not (cross-checks avoid cascades)

    @property
    def table(self) -> str:
        return REGISTRIES[self.name][2]


@dataclass(frozen=True)
class Registry:
    """The validated registries, keyed by logical name."""

    files: dict[str, RegistryFile]

    def __getitem__(self, name: str) -> RegistryFile:
        return self.files[name]


def content_version(data: bytes) -> str:
    """The registry version: first 12 hex digits of the content's sha256."""
    return hashlib.sha256(data).hexdigest()[:12]


def validate_registries(files_dir: Path | None = None, mappings_url: str | None = None) -> Registry:
    """Validate the registry files (mappings from ``mappings_url`` when given).

    Raises ``RegistryError`` listing every problem (file, row, field) when anything is invalid.
    """
    from ingestion.registries.http_source import fetch_mapping_records

    folder = Path(files_dir) if files_dir is not None else FILES_DIR
    issues: list[RegistryIssue] = []
    files: dict[str, RegistryFile] = {}
    for name, (file_name, model, _table) in REGISTRIES.items():
        if name == "cost_center_mappings" and mappings_url is not None:
            records, body, fetch_issues = fetch_mapping_records(mappings_url)
            issues.extend(fetch_issues)
            if fetch_issues:
                continue
            parsed = _validate_records(mappings_url, model, records, list(range(len(records))), "record")
            files[name] = RegistryFile(
                name, mappings_url, content_version(body), parsed[0], parsed[1], "record", tuple(records)
            )
            issues.extend(parsed[2])
            continue
        if name in OPTIONAL_REGISTRIES and not (folder / file_name).exists():
            # an org without budgets (or routes) has none: an empty registry, not an error
            files[name] = RegistryFile(name, file_name, content_version(b""), [], [], "row", ())
            continue
        result = read_csv_registry(folder / file_name, model, name)
        issues.extend(result[1])
        if result[0] is not None:
            files[name] = result[0]
    issues.extend(_cross_checks(files))
    if issues:
        raise RegistryError(issues)
    return Registry(files)


def read_csv_registry(
    path: Path, model: type[BaseModel], name: str
) -> tuple[RegistryFile | None, list[RegistryIssue]]:
    """Parse one CSV registry strictly; returns the file (when readable) and its row issues."""
    source = path.name
    if not path.is_file():
        return None, [RegistryIssue(source, 0, "*", f"file not found: {path}")]
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, [RegistryIssue(source, 0, "*", f"not UTF-8 text ({exc.reason} at byte {exc.start})")]
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if not header:
        return None, [RegistryIssue(source, 0, "*", "file is empty: a header row is required")]
    header = [cell.strip() for cell in header]
    header_issues = _check_header(source, header, model)
    if header_issues:
        return None, header_issues
    records: list[dict[str, Any]] = []
    numbers: list[int] = []
    issues: list[RegistryIssue] = []
    for cells in reader:
        row_no = reader.line_num - 1
        if not any(cell.strip() for cell in cells):
            continue  # blank line: skipped, numbering follows the file's lines
        if len(cells) > len(header):
            issues.append(RegistryIssue(source, row_no, "*", f"{len(cells)} cells, header has {len(header)}"))
            continue
        padded = list(cells) + [""] * (len(header) - len(cells))
        records.append(dict(zip(header, padded, strict=True)))
        numbers.append(row_no)
    rows, kept, row_issues = _validate_records(source, model, records, numbers, "row")
    issues.extend(row_issues)
    return RegistryFile(name, source, content_version(data), rows, kept, "row", tuple(records)), issues


def _check_header(source: str, header: list[str], model: type[BaseModel]) -> list[RegistryIssue]:
    fields = model.model_fields
    issues = []
    seen: set[str] = set()
    for column in header:
        if column in seen:
            issues.append(RegistryIssue(source, 0, column, "duplicate column"))
        seen.add(column)
        if column not in fields:
            issues.append(
                RegistryIssue(source, 0, column, f"unknown column (expected some of: {', '.join(fields)})")
            )
    for field_name, info in fields.items():
        if info.is_required() and field_name not in seen:
            issues.append(RegistryIssue(source, 0, field_name, "missing required column"))
    return issues


def _validate_records(
    source: str,
    model: type[BaseModel],
    records: Sequence[Any],
    numbers: Sequence[int],
    unit: str,
) -> tuple[list[Any], list[int], list[RegistryIssue]]:
    rows: list[Any] = []
    kept: list[int] = []
    issues: list[RegistryIssue] = []
    for record, number in zip(records, numbers, strict=True):
        if not isinstance(record, dict):
            issues.append(RegistryIssue(source, number, "*", "expected an object", unit))
            continue
        try:
            rows.append(model.model_validate(record))
            kept.append(number)
        except ValidationError as exc:
            issues.extend(_issues_from(exc, source, number, unit))
    return rows, kept, issues


def _issues_from(exc: ValidationError, source: str, number: int, unit: str) -> list[RegistryIssue]:
    issues = []
    for err in exc.errors():
        cause = (err.get("ctx") or {}).get("error")
        if isinstance(cause, FieldError):
            issues.append(RegistryIssue(source, number, cause.field, cause.message, unit))
            continue
        field = ".".join(str(part) for part in err["loc"]) or "*"
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = "unknown field"
        elif err["type"] == "missing":
            message = "missing required field"
        elif err.get("input", "") is None:
            message = "a value is required (the cell is empty)"
        issues.append(RegistryIssue(source, number, field, message, unit))
    return issues


# ---------------------------------------------------------------- rules across rows and files


def _cross_checks(files: dict[str, RegistryFile]) -> list[RegistryIssue]:
    issues: list[RegistryIssue] = []
    centers = files.get("cost_centers")
    if centers is not None:
        issues.extend(_duplicates(centers, lambda r: r.cost_center, "cost_center"))
    mappings = files.get("cost_center_mappings")
    if mappings is not None:
        issues.extend(
            _overlaps(
                mappings,
                lambda r: (r.platform, r.key_type, r.key),
                lambda r: (r.effective_from, r.effective_to),
                "effective_from",
            )
        )
        if centers is not None:
            known = _raw_values(centers, "cost_center")
            for row, number in zip(mappings.rows, mappings.row_numbers, strict=True):
                if row.cost_center is not None and row.cost_center not in known:
                    issues.append(
                        RegistryIssue(
                            mappings.source,
                            number,
                            "cost_center",
                            f"unknown cost center {row.cost_center!r} (not in cost_centers.csv)",
                            mappings.unit,
                        )
                    )
        queues = {
            (str(rec.get("platform", "")).strip(), str(rec.get("key", "")).strip())
            for rec in mappings.raw
            if isinstance(rec, dict) and str(rec.get("key_type", "")).strip() == "queue"
        }
        for row, number in zip(mappings.rows, mappings.row_numbers, strict=True):
            if row.parent_queue_id is not None and (row.platform, row.parent_queue_id) not in queues:
                issues.append(
                    RegistryIssue(
                        mappings.source,
                        number,
                        "parent_queue_id",
                        f"parent queue {row.parent_queue_id!r} is not a mapped {row.platform} queue",
                        mappings.unit,
                    )
                )
    rates = files.get("rate_cards")
    if rates is not None:
        issues.extend(
            _overlaps(
                rates,
                lambda r: (r.usage_type, r.carrier, r.direction, r.number_type),
                lambda r: (r.effective_from, r.effective_to),
                "effective_from",
            )
        )
    pools = files.get("cost_pools")
    if pools is not None:
        issues.extend(
            _overlaps(pools, lambda r: r.pool_name, lambda r: (r.period_start, r.period_end), "period_start")
        )
        if centers is not None:
            known = _raw_values(centers, "cost_center")
            for row, number in zip(pools.rows, pools.row_numbers, strict=True):
                if row.owner_cost_center is not None and row.owner_cost_center not in known:
                    issues.append(
                        RegistryIssue(
                            pools.source,
                            number,
                            "owner_cost_center",
                            f"unknown cost center {row.owner_cost_center!r} (not in cost_centers.csv)",
                            pools.unit,
                        )
                    )
    issues.extend(_budget_checks(files))
    issues.extend(_route_checks(files))
    return issues


def _budget_checks(files: dict[str, RegistryFile]) -> list[RegistryIssue]:
    """Budgets: known cost center, no overlapping months, the currency the cost is charged in."""
    budgets = files.get("budgets")
    if budgets is None:
        return []
    issues = _overlaps(
        budgets, lambda r: r.cost_center, lambda r: (r.effective_from, r.effective_to), "effective_from"
    )
    centers = files.get("cost_centers")
    known = _raw_values(centers, "cost_center") if centers is not None else None
    # a cost center is costed in the currency of the rate cards and cost pools (one currency per org)
    costed = set()
    for name in ("rate_cards", "cost_pools"):
        if name in files:
            costed |= _raw_values(files[name], "currency") - {""}
    for row, number in zip(budgets.rows, budgets.row_numbers, strict=True):
        if known is not None and row.cost_center not in known:
            issues.append(
                RegistryIssue(
                    budgets.source,
                    number,
                    "cost_center",
                    f"unknown cost center {row.cost_center!r} (not in cost_centers.csv)",
                    budgets.unit,
                )
            )
        elif costed and row.currency not in costed:
            issues.append(
                RegistryIssue(
                    budgets.source,
                    number,
                    "currency",
                    f"{row.currency} is unlike the cost center's currency ({', '.join(sorted(costed))},"
                    " from rate_cards.csv / cost_pools.csv)",
                    budgets.unit,
                )
            )
    issues.sort(key=lambda i: (i.row, i.field))
    return issues


def _route_checks(files: dict[str, RegistryFile]) -> list[RegistryIssue]:
    """Routes: an owner route names an owner of cost_centers.csv; a (recipient, variable) is listed once."""
    routes = files.get("notification_routes")
    if routes is None:
        return []
    issues = list(_duplicates(routes, lambda r: (r.recipient, r.target_env), "target_env"))
    centers = files.get("cost_centers")
    # owners are checked only against a valid cost_centers.csv (an invalid row there is its own error)
    complete = centers is not None and len(centers.rows) == len(centers.raw)
    owners = _raw_values(centers, "owner") if complete else None
    budgets = files.get("budgets")
    if budgets is not None and owners is not None:
        owners |= _raw_values(budgets, "owner") - {""}
    for row, number in zip(routes.rows, routes.row_numbers, strict=True):
        if row.scope == "owner" and owners is not None and row.recipient not in owners:
            issues.append(
                RegistryIssue(
                    routes.source,
                    number,
                    "recipient",
                    f"unknown owner {row.recipient!r} (not an owner in cost_centers.csv or budgets.csv)",
                    routes.unit,
                )
            )
    issues.sort(key=lambda i: (i.row, i.field))
    return issues


def _raw_values(registry: RegistryFile, field: str) -> set[str]:
    """Values of ``field`` in every record read, including rows that failed validation."""
    return {str(rec.get(field, "")).strip() for rec in registry.raw if isinstance(rec, dict)}


def _duplicates(
    registry: RegistryFile, key: Callable[[Any], Hashable], field: str
) -> Iterable[RegistryIssue]:
    first: dict[Hashable, int] = {}
    for row, number in zip(registry.rows, registry.row_numbers, strict=True):
        k = key(row)
        if k in first:
            yield RegistryIssue(
                registry.source,
                number,
                field,
                f"duplicate {k!r} (first at {registry.unit} {first[k]})",
                registry.unit,
            )
        else:
            first[k] = number


def _overlaps(
    registry: RegistryFile,
    key: Callable[[Any], Hashable],
    span: Callable[[Any], tuple[dt.date, dt.date | None]],
    field: str,
) -> list[RegistryIssue]:
    """Half-open ranges [start, end) of the same key must not overlap (end ``None`` = open)."""
    by_key: dict[Hashable, list[tuple[dt.date, dt.date | None, int]]] = {}
    for row, number in zip(registry.rows, registry.row_numbers, strict=True):
        start, end = span(row)
        by_key.setdefault(key(row), []).append((start, end, number))
    issues = []
    for k, spans in by_key.items():
        spans.sort(key=lambda s: (s[0], s[2]))
        reach = spans[0]  # the span seen so far that ends last (None = open-ended)
        for start, end, number in spans[1:]:
            r_start, r_end, r_no = reach
            if r_end is None or r_end > start:
                shown = f"[{r_start}, {r_end or 'open'})"
                issues.append(
                    RegistryIssue(
                        registry.source,
                        number,
                        field,
                        f"range overlaps {registry.unit} {r_no} {shown} for the same key {_show(k)}",
                        registry.unit,
                    )
                )
            if r_end is not None and (end is None or end > r_end):
                reach = (start, end, number)
    issues.sort(key=lambda i: i.row)
    return issues


def _show(key: Hashable) -> str:
    return "/".join(str(part) for part in key) if isinstance(key, tuple) else str(key)
