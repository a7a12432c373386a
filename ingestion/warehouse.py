"""Where the warehouse lives and where the repo's parts are."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
DEFAULT_DB = Path("warehouse") / "ccfinops.duckdb"
RAW_DATASET = "raw"


def resolve_db_path(cli_value: str | os.PathLike[str] | None = None) -> Path:
    """Return the warehouse file: ``--db`` value, else ``$CCFINOPS_DB``, else ``./warehouse/ccfinops.duckdb``.

    The parent folder is created so every command can open the file.
    """
    raw = cli_value or os.environ.get("CCFINOPS_DB") or DEFAULT_DB
    path = Path(raw).expanduser().resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    return path
