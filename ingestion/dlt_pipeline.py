"""The one place a dlt pipeline into the warehouse's ``raw`` dataset is built.

Every loader (platform ingestion, config registries, webhook spool) calls :func:`raw_pipeline`, so
they share the destination, dataset and working folder (beside the warehouse file: a run killed
mid-load leaves its package there and the next run of the same pipeline finishes it).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from ingestion.warehouse import RAW_DATASET

log = logging.getLogger("ccfinops.ingest")

# Arrow items get dlt's bookkeeping columns too (CONTRACTS: every raw table has _dlt_load_id/_dlt_id).
os.environ.setdefault("NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_LOAD_ID", "true")
os.environ.setdefault("NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_ID", "true")


def pipelines_dir_for(db_path: Path) -> Path:
    """dlt's working folder for this warehouse file."""
    return db_path.parent / "dlt_pipelines" / db_path.stem


def raw_pipeline(db_path: Path, pipeline_name: str, **destination_options: Any) -> Any:
    """A dlt pipeline named ``pipeline_name`` loading into ``raw`` of the DuckDB file ``db_path``."""
    import dlt

    pipeline = dlt.pipeline(
        pipeline_name=pipeline_name,
        pipelines_dir=str(pipelines_dir_for(Path(db_path))),
        destination=dlt.destinations.duckdb(credentials=str(db_path), **destination_options),
        dataset_name=RAW_DATASET,
        progress=None,
    )
    if pipeline.list_completed_load_packages() and not _state_in_warehouse(pipeline):
        # the folder loaded into a warehouse file that has since been replaced: its schema says
        # tables exist that the new file lacks, so dlt would skip creating them and fail the load
        log.warning(
            "dlt working folder %s belongs to an earlier warehouse file (no state for %s in %s): reset",
            pipeline.working_dir,
            pipeline_name,
            db_path,
        )
        pipeline = pipeline.drop()
    return pipeline


def _state_in_warehouse(pipeline: Any) -> bool:
    """Whether the warehouse holds dlt state rows written by ``pipeline``."""
    from dlt.destinations.exceptions import DatabaseUndefinedRelation

    try:
        with pipeline.sql_client() as client:
            table = client.make_qualified_table_name("_dlt_pipeline_state")
            rows = client.execute_sql(
                f"select count(*) from {table} where pipeline_name = %s", pipeline.pipeline_name
            )
    except DatabaseUndefinedRelation:
        return False
    return bool(rows and rows[0][0])


class LoadIncomplete(RuntimeError):
    """A dlt load left jobs pending or failed: what was fetched is not (all) in the warehouse."""


def run_checked(pipeline: Any, data: Any) -> Any:
    """``pipeline.run(data)`` that fails loudly when any job failed or a package stays pending."""
    info = pipeline.run(data)
    info.raise_on_failed_jobs()
    if pipeline.has_pending_data:
        pending = list(pipeline.list_normalized_load_packages())
        raise LoadIncomplete(
            f"dlt pipeline {pipeline.pipeline_name}: load package(s) {pending} still pending after the "
            f"run (see the dlt log above); nothing is reported as loaded until it completes"
        )
    return info
