"""The expectation suites, as code, and the GX file context that stores them.

Each expectation validates the rows of one check (``check_name``) of the check frame built by
``expectations.checks``. Thresholds are expectation parameters (``$PARAMETER``) fed from
``config.yaml`` at run time; severities live in the suites. The file context under
``expectations/gx/`` is only rewritten when a suite, validation definition or checkpoint changed.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from expectations.checks import FRAME_INDEX_COLUMNS
from expectations.settings import EXPECTATIONS_DIR, QualitySettings

if TYPE_CHECKING:  # pragma: no cover
    from great_expectations.data_context import AbstractDataContext

PANDAS_DATASOURCE = "warehouse_frames"
FRAME_ASSET = "check_frame"
BATCH_DEFINITION = "whole_frame"
POSTGRES_DATASOURCE = "warehouse_postgres"
POSTGRES_FRAME_TABLE = "dq_check_frame"
DOCS_SITE = "quality_site"
UNEXPECTED_LISTED = 500


def _result_format_dict(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: (v.value if hasattr(v, "value") else v) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class ExpectationSpec:
    """One named expectation: which suite, which check rows, how GX checks them."""

    name: str
    suite: str
    check: str
    description: str
    build: Callable[..., Any]  # (row_condition, severity, meta) -> gx Expectation
    default_severity: str = "critical"
    observed: tuple[str, str] | None = None  # (min|max|absmax, column): worst value reported


def _specs() -> list[ExpectationSpec]:
    import great_expectations as gx

    e = gx.expectations

    def between(column: str, min_param: str | None = None, max_param: str | None = None, **fixed: Any):
        def build(**kw: Any) -> Any:
            bounds: dict[str, Any] = dict(fixed)
            if min_param:
                bounds["min_value"] = {"$PARAMETER": min_param}
            if max_param:
                bounds["max_value"] = {"$PARAMETER": max_param}
            return e.ExpectColumnValuesToBeBetween(column=column, **bounds, **kw)

        return build

    def exactly_zero(
        name: str, suite: str, check: str, description: str, column: str, worst: str = "max"
    ) -> ExpectationSpec:
        """A critical spec: ``column`` is 0 on every row of the check; the ``worst`` value is reported."""
        return ExpectationSpec(
            name,
            suite,
            check,
            description,
            between(column, min_value=0, max_value=0),
            observed=(worst, column),
        )

    return [
        ExpectationSpec(
            "unattributed_usage_is_queued",
            "attribution",
            "usage_gaps",
            "Every usage item with cost center UNATTRIBUTED or a null cost has a reconciliation_queue row.",
            lambda **kw: e.ExpectColumnValuesToNotBeNull(column="queue_reason", **kw),
        ),
        ExpectationSpec(
            "usage_has_cost_metadata",
            "attribution",
            "usage_gaps",
            "Usage items lacking a cost center or a rate (listed with the gap; they await reconciliation).",
            lambda **kw: e.ExpectColumnValuesToBeNull(column="gap", **kw),
            default_severity="warning",
        ),
        ExpectationSpec(
            "unattributed_share_within_warn",
            "attribution",
            "unattributed_share",
            "Unattributed share of a month's rated cost stays within the warning threshold.",
            between("unattributed_share", max_param="unattributed_share_warn"),
            default_severity="warning",
            observed=("max", "unattributed_share"),
        ),
        ExpectationSpec(
            "unattributed_share_within_fail",
            "attribution",
            "unattributed_share",
            "Unattributed share of a month's rated cost stays within the failure threshold.",
            between("unattributed_share", max_param="unattributed_share_fail"),
            observed=("max", "unattributed_share"),
        ),
        exactly_zero(
            "rate_card_covers_usage",
            "rating",
            "rate_coverage",
            "Every carrier/direction/number type in use has an effective rate-card row.",
            "unrated_rows",
        ),
        ExpectationSpec(
            "durations_not_negative",
            "rating",
            "durations",
            "No usage item has a negative duration.",
            between("min_duration_ms", min_value=0),
            observed=("min", "min_duration_ms"),
        ),
        ExpectationSpec(
            "durations_within_max",
            "rating",
            "durations",
            "No usage item lasts longer than the configured maximum (24 h).",
            between("max_duration_ms", max_param="max_duration_ms"),
            observed=("max", "max_duration_ms"),
        ),
        exactly_zero(
            "allocation_matches_registry",
            "allocation",
            "allocation",
            "Each pool's amount equals the registry's least(monthly_amount, cap).",
            "registry_difference_micros",
            worst="absmax",
        ),
        exactly_zero(
            "focus_mandatory_not_null",
            "focus",
            "focus_mandatory",
            "FOCUS 1.2 mandatory non-nullable columns are never null.",
            "null_count",
        ),
    ]


def expectation_specs() -> list[ExpectationSpec]:
    """All expectation specs in suite order."""
    return _specs()


def suite_names() -> list[str]:
    return list(dict.fromkeys(s.suite for s in _specs()))


def expectation_parameters(settings: QualitySettings) -> dict[str, float]:
    """Run-time values for the ``$PARAMETER`` thresholds."""
    return {k: float(v) for k, v in settings.thresholds.items()}


def severity_of(spec: ExpectationSpec, settings: QualitySettings) -> str:
    return settings.severity.get(spec.name, spec.default_severity)


def build_suites(settings: QualitySettings) -> dict[str, Any]:
    """The GX ``ExpectationSuite`` objects defined by the specs (not yet stored)."""
    import great_expectations as gx
    from great_expectations.expectations.row_conditions import Column

    grouped: dict[str, list[Any]] = {}
    for spec in _specs():
        grouped.setdefault(spec.suite, []).append(
            spec.build(
                row_condition=Column("check_name") == spec.check,
                severity=severity_of(spec, settings),
                meta={"name": spec.name, "check": spec.check, "description": spec.description},
            )
        )
    # Built in one go: add_expectation() on a suite whose name is already stored would write into it.
    suites = {name: gx.ExpectationSuite(name=name, expectations=exps) for name, exps in grouped.items()}
    return suites


def _canonical(suite: Any) -> list[dict[str, Any]]:
    """Comparable form of a suite's expectations (ids dropped)."""
    out = []
    for exp in suite.expectations:
        cfg = exp.configuration.to_json_dict()
        cfg.pop("id", None)
        out.append(cfg)
    return out


def quiet_gx() -> None:
    """Silence GX's tqdm progress bars and chatty loggers."""
    import logging

    for name in ("great_expectations", "great_expectations.core", "great_expectations.data_context"):
        logging.getLogger(name).setLevel(logging.ERROR)


def open_context(project_root: Path | None = None) -> AbstractDataContext:
    """File data context at ``project_root`` (else ``$CCFINOPS_GX_PROJECT``, else ``expectations/``)."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    quiet_gx()
    env = os.environ.get("CCFINOPS_GX_PROJECT")
    root = Path(project_root) if project_root else Path(env).expanduser() if env else EXPECTATIONS_DIR
    context = gx.get_context(mode="file", project_root_dir=str(root))
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return context


def set_docs_site(context: AbstractDataContext, site_dir: Path) -> None:
    """Point the Data Docs site at ``site_dir`` for this process (the stored config is not changed)."""
    context.variables.data_docs_sites = {
        DOCS_SITE: {
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(Path(site_dir).resolve()) + "/",
            },
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        }
    }


def ensure_suites(context: AbstractDataContext, settings: QualitySettings) -> dict[str, Any]:
    """Store the code-defined suites, rewriting only those whose expectations changed."""
    wanted = build_suites(settings)
    stored: dict[str, Any] = {}
    for name, suite in wanted.items():
        try:
            current = context.suites.get(name)
        except Exception:  # noqa: BLE001 - GX raises DataContextError subclasses when absent
            current = None
        if current is not None and _canonical(current) == _canonical(suite):
            stored[name] = current
            continue
        if current is not None:
            context.suites.delete(name)
        stored[name] = context.suites.add(suite)
    return stored


def _ensure_checkpoint(
    context: AbstractDataContext, name: str, batch_definition: Any, suites: dict[str, Any], tag: str
) -> Any:
    import great_expectations as gx

    vds = []
    for suite_name, suite in suites.items():
        vd_name = f"{suite_name}__{tag}"
        try:
            vd = context.validation_definitions.get(vd_name)
            if vd.suite.id != suite.id or vd.batch_definition.id != batch_definition.id:
                context.validation_definitions.delete(vd_name)
                raise LookupError(vd_name)
        except Exception:  # noqa: BLE001 - absent or stale: (re)create
            vd = context.validation_definitions.add(
                gx.ValidationDefinition(name=vd_name, data=batch_definition, suite=suite)
            )
        vds.append(vd)
    # SUMMARY keeps results (and Data Docs) small when a check flags many rows: up to
    # UNEXPECTED_LISTED failing rows are listed by (period, subject, detail), all are counted.
    result_format = {
        "result_format": "SUMMARY",
        "partial_unexpected_count": UNEXPECTED_LISTED,
        "unexpected_index_column_names": FRAME_INDEX_COLUMNS,
    }
    try:
        checkpoint = context.checkpoints.get(name)
        same = [v.id for v in checkpoint.validation_definitions] == [v.id for v in vds]
        same = same and [a.type for a in checkpoint.actions] == ["update_data_docs"]
        if same and _result_format_dict(checkpoint.result_format) == result_format:
            return checkpoint
        context.checkpoints.delete(name)
    except Exception:  # noqa: BLE001 - absent: create below
        pass
    return context.checkpoints.add(
        gx.Checkpoint(
            name=name,
            validation_definitions=vds,
            actions=[gx.checkpoint.UpdateDataDocsAction(name="update_data_docs", site_names=[DOCS_SITE])],
            result_format=result_format,
        )
    )


def _get_or_add(get: Callable[[], Any], add: Callable[[], Any]) -> Any:
    """``get()``, or ``add()`` when GX reports the object absent (GX raises varied error types)."""
    try:
        return get()
    except Exception:  # noqa: BLE001 - absent
        return add()


def ensure_pandas_checkpoint(context: AbstractDataContext, settings: QualitySettings) -> Any:
    """Pandas datasource → dataframe asset → whole-frame batch definition → checkpoint ``pipeline_run``."""
    suites = ensure_suites(context, settings)
    ds = _get_or_add(
        lambda: context.data_sources.get(PANDAS_DATASOURCE),
        lambda: context.data_sources.add_pandas(PANDAS_DATASOURCE),
    )
    asset = _get_or_add(lambda: ds.get_asset(FRAME_ASSET), lambda: ds.add_dataframe_asset(FRAME_ASSET))
    bd = _get_or_add(
        lambda: asset.get_batch_definition(BATCH_DEFINITION),
        lambda: asset.add_batch_definition_whole_dataframe(BATCH_DEFINITION),
    )
    return _ensure_checkpoint(context, "pipeline_run", bd, suites, "frame")


def ensure_postgres_checkpoint(
    context: AbstractDataContext, settings: QualitySettings, connection_env: str = "CCFINOPS_PG_URL"
) -> Any:
    """Postgres SQL datasource → table ``quality.dq_check_frame`` → checkpoint ``pipeline_run_postgres``.

    The connection string is the ``${CCFINOPS_PG_URL}`` substitution, never stored in clear.
    """
    suites = ensure_suites(context, settings)
    ds = _get_or_add(
        lambda: context.data_sources.get(POSTGRES_DATASOURCE),
        lambda: context.data_sources.add_postgres(
            POSTGRES_DATASOURCE, connection_string="${" + connection_env + "}"
        ),
    )
    asset = _get_or_add(
        lambda: ds.get_asset(POSTGRES_FRAME_TABLE),
        lambda: ds.add_table_asset(
            POSTGRES_FRAME_TABLE, table_name=POSTGRES_FRAME_TABLE, schema_name=settings.results_schema
        ),
    )
    bd = _get_or_add(
        lambda: asset.get_batch_definition(BATCH_DEFINITION),
        lambda: asset.add_batch_definition_whole_table(BATCH_DEFINITION),
    )
    return _ensure_checkpoint(context, "pipeline_run_postgres", bd, suites, "postgres")
