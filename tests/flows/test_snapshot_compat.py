"""The published snapshot opens in a DuckDB 1.4 reader (what JDBC/ODBC/Node BI drivers ship today).

A throwaway venv gets ``duckdb>=1.4,<1.5`` from the package index (pip's cache makes re-runs fast) and reads
every table of the snapshot; the same reader refuses a file in DuckDB 2.x storage, so the check can fail.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from flows.snapshot import DEFAULT_STORAGE_VERSION, SNAPSHOT_FILE, publish_snapshot

READ_EVERY_TABLE = textwrap.dedent(
    """
    import json, sys, duckdb
    con = duckdb.connect(sys.argv[1], read_only=True)
    out = {"__version__": duckdb.__version__}
    tables = [t for (t,) in con.execute(
        "select table_name from information_schema.tables order by table_name").fetchall()]
    for table in tables:
        rows = con.execute(f'select * from "{table}"').fetchall()    # every column decodes
        sums = {c: str(s) for c, s in (
            (c, con.execute(f'select sum("{c}") from "{table}"').fetchone()[0])
            for (c,) in con.execute(
                "select column_name from information_schema.columns where table_name = ? "
                "and data_type like 'DECIMAL%' order by ordinal_position", [table]).fetchall())}
        out[table] = {"rows": len(rows), "sums": sums}
    print(json.dumps(out))
    """
)


@pytest.fixture(scope="module")
def duckdb14_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Python of a throwaway venv with DuckDB 1.4.x."""
    venv = tmp_path_factory.mktemp("duckdb14") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            "duckdb>=1.4,<1.5",
            "pytz",
        ],
        check=True,
    )
    return python


def _read(python: Path, path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(python), "-c", READ_EVERY_TABLE, str(path)], capture_output=True, text=True)


def test_duckdb_14_reads_every_mart_of_the_snapshot(
    seeded_db: Path, tmp_path: Path, duckdb14_python: Path
) -> None:
    result = publish_snapshot(seeded_db, tmp_path / "snap")
    assert result.storage_version == DEFAULT_STORAGE_VERSION == "v1.4.0"
    done = _read(duckdb14_python, result.duckdb_path)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen.pop("__version__").startswith("1.4.")
    assert set(seen) == {*result.row_counts, "_snapshot_info"}
    assert {t: seen[t]["rows"] for t in result.row_counts} == result.row_counts
    # Figures a finance user checks, read by the 1.4 driver, to the cent.
    assert seen["fct_usage_cost"]["sums"]["cost"] == "81.900000"
    assert seen["fct_cost_allocation_monthly"]["sums"]["allocated_shared_cost"] == "29250.00"
    assert seen["reconciliation_queue"]["sums"]["cost"] == "3.500000"
    # ...and every DECIMAL column sums as the warehouse does.
    con = duckdb.connect(str(seeded_db), read_only=True)
    try:
        for table in result.row_counts:
            for column, total in seen[table]["sums"].items():
                expected = con.execute(f'select sum("{column}") from analytics."{table}"').fetchone()[0]
                assert total == str(expected), (table, column)
    finally:
        con.close()


def test_duckdb_14_refuses_a_2x_file_so_the_default_matters(
    seeded_db: Path, tmp_path: Path, duckdb14_python: Path
) -> None:
    result = publish_snapshot(seeded_db, tmp_path / "snap", storage_version="v2.0.0")
    done = _read(duckdb14_python, tmp_path / "snap" / SNAPSHOT_FILE)
    assert result.storage_version == "v2.0.0"
    assert done.returncode != 0 and "version number" in done.stderr


def test_publish_command_names_the_storage_version_and_refuses_an_unknown_one(
    seeded_db: Path, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from flows.cli import app

    ok = CliRunner().invoke(app, ["publish", "--db", str(seeded_db), "--out", str(tmp_path / "s")])
    assert ok.exit_code == 0, ok.output
    assert "(DuckDB storage v1.4.0," in ok.output
    bad = CliRunner().invoke(
        app, ["publish", "--db", str(seeded_db), "--out", str(tmp_path / "t"), "--storage-version", "v0.0.1"]
    )
    assert bad.exit_code == 1 and "error:" in bad.output
    assert not (tmp_path / "t" / SNAPSHOT_FILE).exists() and not list((tmp_path / "t").glob(".*tmp*"))
