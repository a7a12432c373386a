"""The one place a dlt pipeline into the warehouse's ``raw`` dataset is built.

Every loader (platform ingestion, config registries, webhook spool) calls :func:`raw_pipeline`, so
they share the destination, dataset and working folder (beside the warehouse file: a run killed
mid-load leaves its package there and the next run of the same pipeline finishes it).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ingestion.warehouse import RAW_DATASET

# Arrow items get dlt's bookkeeping columns too (CONTRACTS: every raw table has _dlt_load_id/_dlt_id).
os.environ.setdefault("NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_LOAD_ID", "true")
os.environ.setdefault("NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_ID", "true")


def pipelines_dir_for(db_path: Path) -> Path:
    """dlt's working folder for this warehouse file."""
    return db_path.parent / "dlt_pipelines" / db_path.stem


def raw_pipeline(db_path: Path, pipeline_name: str, **destination_options: Any) -> Any:
    """A dlt pipeline named ``pipeline_name`` loading into ``raw`` of the DuckDB file ``db_path``."""
    import dlt

    return dlt.pipeline(
        pipeline_name=pipeline_name,
        pipelines_dir=str(pipelines_dir_for(Path(db_path))),
        destination=dlt.destinations.duckdb(credentials=str(db_path), **destination_options),
        dataset_name=RAW_DATASET,
        progress=None,
    )
