"""Where the warehouse lives and where the repo's parts are."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

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


def connect(db_path: str | os.PathLike[str], *, read_only: bool = False) -> Any:
    """The one way the product opens a DuckDB warehouse (or snapshot) file."""
    import duckdb

    return duckdb.connect(str(Path(db_path).expanduser().resolve()), read_only=read_only)


def postgres_url() -> str:
    """``$CCFINOPS_PG_URL``, else a URL from ``CCFINOPS_PG_HOST/PORT/USER/DB`` (loopback defaults).

    The password, when needed, comes from ``$CCFINOPS_PG_PASSWORD`` / ``PGPASSWORD`` (never in the URL
    we log). Raises ``ValueError`` when neither a URL nor a port is configured.
    """
    url = os.environ.get("CCFINOPS_PG_URL")
    if url:
        return url
    port = os.environ.get("CCFINOPS_PG_PORT")
    if not port:
        raise ValueError("PostgreSQL target needs CCFINOPS_PG_URL or CCFINOPS_PG_PORT")
    host = os.environ.get("CCFINOPS_PG_HOST", "127.0.0.1")
    user = os.environ.get("CCFINOPS_PG_USER", "ccf")
    db = os.environ.get("CCFINOPS_PG_DB", "ccfinops")
    return f"postgresql+psycopg2://{user}@{host}:{port}/{db}"


def connect_postgres(url: str | None = None) -> Any:
    """The one way the product opens the PostgreSQL warehouse (psycopg2)."""
    import psycopg2

    dsn = (url or postgres_url()).replace("postgresql+psycopg2://", "postgresql://")
    password = os.environ.get("CCFINOPS_PG_PASSWORD")
    return psycopg2.connect(dsn, **({"password": password} if password else {}))
