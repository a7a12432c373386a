"""Build the Superset import bundle (ZIP, Superset's v1 "assets" format) from datasets.yaml + dashboard.yaml.

The bundle holds one database (the snapshot file, opened read-only), the datasets (virtual: SQL over the
marts), the charts and the "FinOps weekly review" dashboard. Identifiers are stable (uuid5 of the names),
so importing again overwrites the same objects. Column lists come from DuckDB itself (``describe`` of each
dataset's SQL on the snapshot), so a bundle is only built against a snapshot that has every mart it needs.
"""

from __future__ import annotations

import io
import json
import os
import uuid
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from ingestion import warehouse as _warehouse

HERE = Path(__file__).parent
DATASETS_FILE = HERE / "datasets.yaml"
DASHBOARD_FILE = HERE / "dashboard.yaml"
DATABASE_NAME = "ccfinops snapshot"
ROOT = "ccfinops_superset"
_NS = uuid.UUID("6f1c3a52-6a55-4f51-9d0e-2f1c1b0b7a10")
_VIZ = {"line": "echarts_timeseries_line", "bar": "echarts_timeseries_bar", "table": "table", "rows": "table"}
_TEMPORAL = ("DATE", "TIMESTAMP")


class BundleError(ValueError):
    """The snapshot cannot carry the bundle (missing file, not a snapshot, missing marts or columns)."""


@dataclass(frozen=True)
class Specs:
    """The parsed spec files."""

    datasets: list[dict[str, Any]]
    charts: list[dict[str, Any]]
    dashboard: dict[str, Any]


def stable_uuid(kind: str, name: str) -> str:
    """The uuid of a bundle object (same name, same uuid: re-import overwrites)."""
    return str(uuid.uuid5(_NS, f"{kind}/{name}"))


def load_specs() -> Specs:
    """Read datasets.yaml and dashboard.yaml."""
    datasets = yaml.safe_load(DATASETS_FILE.read_text())["datasets"]
    board = yaml.safe_load(DASHBOARD_FILE.read_text())
    return Specs(datasets, board["charts"], board["dashboard"])


def mart_dependencies(specs: Specs | None = None) -> dict[str, set[str]]:
    """Every mart column the bundle reads, by mart (for the lead when marts change)."""
    out: dict[str, set[str]] = {}
    for ds in (specs or load_specs()).datasets:
        for mart, columns in ds["depends_on"].items():
            out.setdefault(mart, set()).update(columns)
    return out


def snapshot_uri(snapshot: Path) -> str:
    """SQLAlchemy URI (duckdb-engine) that opens the snapshot read-only."""
    return f"duckdb:///{snapshot.resolve()}?access_mode=read_only"


def describe_datasets(snapshot: Path, specs: Specs) -> dict[str, list[tuple[str, str]]]:
    """(column, DuckDB type) of each dataset, read from the snapshot; ``BundleError`` if it lacks a mart."""
    import duckdb

    if not snapshot.is_file():
        raise BundleError(f"snapshot {snapshot} does not exist (run `ccfinops publish` first)")
    try:
        con = _warehouse.connect(str(snapshot), read_only=True)
    except duckdb.Error as exc:
        raise BundleError(f"{snapshot} is not a DuckDB snapshot: {str(exc).splitlines()[0]}") from None
    try:
        tables = {t for (t,) in con.execute("select table_name from information_schema.tables").fetchall()}
        if "_snapshot_info" not in tables:
            raise BundleError(f"{snapshot} is not a ccfinops snapshot (no _snapshot_info table)")
        missing = sorted({m for m in mart_dependencies(specs) if m not in tables})
        if missing:
            raise BundleError(f"snapshot {snapshot} lacks marts {missing} that the Superset datasets read")
        out: dict[str, list[tuple[str, str]]] = {}
        for ds in specs.datasets:
            try:
                rows = con.execute(f"describe {ds['sql']}").fetchall()
            except duckdb.Error as exc:
                msg = str(exc).splitlines()[0]
                raise BundleError(f"dataset {ds['name']} does not run on {snapshot}: {msg}") from None
            out[ds["name"]] = [(r[0], str(r[1])) for r in rows]
        return out
    finally:
        con.close()


def _database(snapshot: Path) -> dict[str, Any]:
    return {
        "database_name": DATABASE_NAME,
        "sqlalchemy_uri": snapshot_uri(snapshot),
        "cache_timeout": None,
        "expose_in_sqllab": True,
        "allow_run_async": False,
        "allow_ctas": False,
        "allow_cvas": False,
        "allow_dml": False,
        "allow_csv_upload": False,
        "extra": {"allows_virtual_table_explore": True},
        "uuid": stable_uuid("database", DATABASE_NAME),
        "version": "1.0.0",
    }


def _dataset(ds: dict[str, Any], columns: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "table_name": ds["name"],
        "main_dttm_col": ds.get("main_dttm_col"),
        "description": ds.get("description"),
        "default_endpoint": None,
        "offset": 0,
        "cache_timeout": None,
        "schema": "main",
        "sql": ds["sql"],
        "params": None,
        "template_params": None,
        "filter_select_enabled": True,
        "fetch_values_predicate": None,
        "extra": None,
        "normalize_columns": False,
        "always_filter_main_dttm": False,
        "uuid": stable_uuid("dataset", ds["name"]),
        "database_uuid": stable_uuid("database", DATABASE_NAME),
        "version": "1.0.0",
        "columns": [
            {
                "column_name": name,
                "verbose_name": None,
                "is_dttm": type_.upper().startswith(_TEMPORAL),
                "is_active": True,
                "type": type_,
                "groupby": True,
                "filterable": True,
                "expression": None,
                "description": None,
                "python_date_format": None,
                "extra": None,
            }
            for name, type_ in columns
        ],
        "metrics": [
            {
                "metric_name": m["name"],
                "verbose_name": m.get("label"),
                "metric_type": None,
                "expression": m["expression"],
                "description": m.get("description"),
                "d3format": m.get("d3format"),
                "extra": None,
                "warning_text": None,
            }
            for m in ds.get("metrics", [])
        ],
    }


def chart_queries(chart: dict[str, Any]) -> list[dict[str, Any]]:
    """The query objects of a chart (what ``/api/v1/chart/{id}/data/`` runs)."""
    kind = chart["kind"]
    base: dict[str, Any] = {
        "filters": [],
        "extras": {"having": "", "where": ""},
        "applied_time_extras": {},
        "annotation_layers": [],
        "row_limit": 10000,
        "series_limit": 0,
        "url_params": {},
        "custom_params": {},
        "custom_form_data": {},
    }
    if kind == "rows":
        return [{**base, "columns": chart["columns"], "metrics": [], "orderby": [[chart["order_by"], False]]}]
    metrics = chart["metrics"]
    if kind in ("line", "bar"):
        axis = {
            "columnType": "BASE_AXIS",
            "sqlExpression": chart["x"],
            "label": chart["x"],
            "expressionType": "SQL",
            "timeGrain": chart.get("time_grain", "P1D"),
        }
        return [
            {
                **base,
                "columns": [axis, *chart["by"]],
                "series_columns": chart["by"],
                "metrics": metrics,
                "orderby": [[chart["x"], True]],
            }
        ]
    return [{**base, "columns": chart["by"], "metrics": metrics, "orderby": [[chart["order_by"], False]]}]


def _chart_params(chart: dict[str, Any]) -> dict[str, Any]:
    kind = chart["kind"]
    params: dict[str, Any] = {
        "viz_type": _VIZ[kind],
        "datasource": "0__table",
        "adhoc_filters": [],
        "row_limit": 10000,
    }
    if kind in ("line", "bar"):
        params.update(
            x_axis=chart["x"],
            time_grain_sqla=chart.get("time_grain", "P1D"),
            metrics=chart["metrics"],
            groupby=chart["by"],
            show_legend=True,
            legendType="scroll",
            legendOrientation="top",
            rich_tooltip=True,
            truncate_metric=True,
            x_axis_time_format="%Y-%m-%d",
            y_axis_format="SMART_NUMBER",
            markerEnabled=True,
        )
        if kind == "bar":
            params.update(stack="Stack", orientation="vertical")
    elif kind == "table":
        params.update(
            query_mode="aggregate",
            groupby=chart["by"],
            metrics=chart["metrics"],
            all_columns=[],
            order_by_cols=[],
            order_desc=True,
            table_timestamp_format="%Y-%m-%d",
            show_cell_bars=True,
            timeseries_limit_metric=chart["order_by"],
        )
    else:
        params.update(
            query_mode="raw",
            all_columns=chart["columns"],
            order_by_cols=[json.dumps([chart["order_by"], False])],
            table_timestamp_format="%Y-%m-%d",
        )
    return params


def _chart(chart: dict[str, Any]) -> dict[str, Any]:
    params = _chart_params(chart)
    query_context = {
        "datasource": {"id": 0, "type": "table"},
        "force": False,
        "queries": chart_queries(chart),
        "form_data": params,
        "result_format": "json",
        "result_type": "full",
    }
    return {
        "slice_name": chart["title"],
        "description": " ".join(chart["description"].split()),
        "certified_by": None,
        "certification_details": None,
        "viz_type": params["viz_type"],
        "params": params,
        "query_context": json.dumps(query_context),
        "cache_timeout": None,
        "uuid": stable_uuid("chart", chart["key"]),
        "version": "1.0.0",
        "dataset_uuid": stable_uuid("dataset", chart["dataset"]),
    }


def _dashboard(board: dict[str, Any], charts: dict[str, dict[str, Any]]) -> dict[str, Any]:
    position: dict[str, Any] = {
        "DASHBOARD_VERSION_KEY": "v2",
        "ROOT_ID": {"type": "ROOT", "id": "ROOT_ID", "children": ["GRID_ID"]},
        "HEADER_ID": {"id": "HEADER_ID", "type": "HEADER", "meta": {"text": board["title"]}},
        "GRID_ID": {"type": "GRID", "id": "GRID_ID", "children": [], "parents": ["ROOT_ID"]},
    }
    rows: list[list[tuple[str, dict[str, Any]]]] = [[("MARKDOWN-intro", {"code": board["intro"]})]]
    for keys in board["rows"]:
        rows.append([(f"CHART-{k}", {"key": k}) for k in keys])
    for n, row in enumerate(rows, start=1):
        row_id = f"ROW-{n}"
        position["GRID_ID"]["children"].append(row_id)
        position[row_id] = {
            "type": "ROW",
            "id": row_id,
            "children": [cid for cid, _ in row],
            "parents": ["ROOT_ID", "GRID_ID"],
            "meta": {"background": "BACKGROUND_TRANSPARENT"},
        }
        width = 12 // len(row)
        for cid, what in row:
            node: dict[str, Any] = {"id": cid, "children": [], "parents": ["ROOT_ID", "GRID_ID", row_id]}
            if "code" in what:
                node.update(type="MARKDOWN", meta={"code": what["code"], "width": 12, "height": 26})
            else:
                chart = charts[what["key"]]
                node.update(
                    type="CHART",
                    meta={
                        "chartId": 0,
                        "uuid": stable_uuid("chart", chart["key"]),
                        "sliceName": chart["title"],
                        "width": width,
                        "height": 60,
                    },
                )
            position[cid] = node
    return {
        "dashboard_title": board["title"],
        "description": None,
        "css": "",
        "slug": board["slug"],
        "uuid": stable_uuid("dashboard", board["slug"]),
        "position": position,
        "metadata": {
            "native_filter_configuration": [],
            "chart_configuration": {},
            "color_scheme": "",
            "refresh_frequency": 0,
            "expanded_slices": {},
            "label_colors": {},
            "shared_label_colors": [],
            "color_scheme_domain": [],
            "timed_refresh_immune_slices": [],
            "cross_filters_enabled": True,
            "default_filters": "{}",
        },
        "version": "1.0.0",
        "published": True,
    }


def build_bundle(snapshot: str | os.PathLike[str]) -> bytes:
    """The import ZIP for the snapshot at ``snapshot`` (``BundleError`` if it cannot carry the datasets)."""
    specs = load_specs()
    path = Path(snapshot).expanduser().resolve()
    columns = describe_datasets(path, specs)
    charts = {c["key"]: c for c in specs.charts}
    unknown = [c["key"] for c in specs.charts if c["dataset"] not in columns]
    if unknown:
        raise BundleError(f"charts {unknown} name a dataset that datasets.yaml does not define")
    unsorted = [
        c["key"] for c in specs.charts if c["kind"] == "table" and c.get("order_by") not in c["metrics"]
    ]
    if unsorted:
        raise BundleError(f"table charts {unsorted} must sort by one of their metrics (order_by)")
    files: dict[str, Any] = {
        "metadata.yaml": {
            "version": "1.0.0",
            "type": "assets",
            "timestamp": datetime.now(UTC).isoformat(),
        },
        "databases/ccfinops_snapshot.yaml": _database(path),
    }
    for ds in specs.datasets:
        files[f"datasets/ccfinops_snapshot/{ds['name']}.yaml"] = _dataset(ds, columns[ds["name"]])
    for chart in specs.charts:
        files[f"charts/{chart['key']}.yaml"] = _chart(chart)
    files[f"dashboards/{specs.dashboard['slug']}.yaml"] = _dashboard(specs.dashboard, charts)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in files.items():
            zf.writestr(f"{ROOT}/{name}", yaml.safe_dump(content, sort_keys=False, allow_unicode=True))
    return buf.getvalue()
