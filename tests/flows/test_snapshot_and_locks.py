"""BI snapshot publishing never waits for readers; the warehouse lock excludes other processes."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from flows.locks import WarehouseLockTimeout, lock_path_for, warehouse_lock
from flows.snapshot import SNAPSHOT_FILE, publish_snapshot

READER = textwrap.dedent(
    """
    import sys, duckdb
    con = duckdb.connect(sys.argv[1], read_only=True)
    print(con.execute("select sum(cost) from fct_usage_cost").fetchone()[0], flush=True)
    sys.stdin.readline()          # hold the connection open until told to re-read
    print(con.execute("select sum(cost) from fct_usage_cost").fetchone()[0], flush=True)
    """
)


def _fresh_sum(path: Path) -> Decimal:
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys,duckdb; c=duckdb.connect(sys.argv[1], read_only=True);"
            "print(c.execute('select sum(cost) from fct_usage_cost').fetchone()[0])",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return Decimal(out.stdout.strip())


def test_publish_while_a_reader_holds_the_old_snapshot(seeded_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "snap"
    first = publish_snapshot(seeded_db, out)
    assert first.row_counts["fct_usage_cost"] == 63 and "focus_cost_and_usage" in first.missing
    snapshot = out / SNAPSHOT_FILE
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(snapshot)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert Decimal(reader.stdout.readline().strip()) == Decimal("81.90")  # 28 x 2.80 + 7 x 0.50
        con = duckdb.connect(str(seeded_db))
        con.execute("update analytics.fct_usage_cost set cost = cost + 1 where cost_center = 'UNATTRIBUTED'")
        con.close()
        second = publish_snapshot(seeded_db, out)  # must not block on the open reader
        assert second.version != first.version
        assert _fresh_sum(snapshot) == Decimal("88.90")  # new readers see the new snapshot
        reader.stdin.write("\n")
        reader.stdin.flush()
        assert Decimal(reader.stdout.readline().strip()) == Decimal(
            "81.90"
        )  # old reader: consistent old copy
    finally:
        reader.kill()
        reader.wait()
    assert not list(out.glob(".*tmp*")), "temporary files left behind"
    assert not (snapshot.stat().st_mode & 0o222), "snapshot must be read-only"
    with pytest.raises(duckdb.Error):
        duckdb.connect(str(snapshot), read_only=True).execute("create table x (a int)")


def test_parquet_is_hive_partitioned_by_month_and_cost_center(seeded_db: Path, tmp_path: Path) -> None:
    result = publish_snapshot(seeded_db, tmp_path / "snap")
    current = result.parquet_root
    assert current.is_symlink()
    months = sorted(p.name for p in (current / "fct_usage_cost").iterdir())
    assert months == ["month=2026-10-01", "month=2026-11-01"]
    assert sorted(p.name for p in (current / "fct_usage_cost" / "month=2026-11-01").iterdir()) == [
        "cost_center=CC-SALES",
        "cost_center=UNATTRIBUTED",
    ]
    con = duckdb.connect()
    rows = con.execute(
        "select cost_center, month, sum(cost) from read_parquet(?, hive_partitioning = true) "
        "group by all order by all",
        [str(current / "fct_usage_cost" / "**" / "*.parquet")],
    ).fetchall()
    assert [(cc, str(m), str(s)) for cc, m, s in rows] == [
        ("CC-SALES", "2026-10-01", "16.800000"),  # 6 October days x 2.80
        ("CC-SALES", "2026-11-01", "61.600000"),
        ("UNATTRIBUTED", "2026-11-01", "3.500000"),
    ]
    # A second publish swaps `current` and keeps the previous version for readers still on it.
    second = publish_snapshot(seeded_db, tmp_path / "snap", keep_versions=2)
    versions = sorted(p.name for p in (tmp_path / "snap" / "parquet").glob("v-*"))
    assert len(versions) == 2 and (current.resolve().name == f"v-{second.version}")


def test_publish_requires_named_marts(seeded_db: Path, tmp_path: Path) -> None:
    with pytest.raises(LookupError, match="focus_cost_and_usage"):
        publish_snapshot(seeded_db, tmp_path / "snap", require=("focus_cost_and_usage",))
    assert not (tmp_path / "snap" / SNAPSHOT_FILE).exists()


def test_warehouse_lock_excludes_other_processes(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    probe = (
        "import sys; from flows.locks import warehouse_lock, WarehouseLockTimeout\n"
        "try:\n    with warehouse_lock(sys.argv[1], timeout=0.5): print('got')\n"
        "except WarehouseLockTimeout: print('busy')\n"
    )
    with warehouse_lock(db):
        with warehouse_lock(db):  # re-entrant in the same thread
            pass
        busy = subprocess.run(
            [sys.executable, "-c", probe, str(db)], capture_output=True, text=True, check=True
        )
        assert busy.stdout.strip() == "busy"
    free = subprocess.run([sys.executable, "-c", probe, str(db)], capture_output=True, text=True, check=True)
    assert free.stdout.strip() == "got"
    assert lock_path_for(db) == tmp_path / "w.duckdb.lock"


def test_warehouse_lock_timeout_names_the_lock(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys,time; from flows.locks import warehouse_lock\n"
            "with warehouse_lock(sys.argv[1]):\n    print('held', flush=True); sys.stdin.readline()",
            str(db),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(WarehouseLockTimeout, match=r"w\.duckdb\.lock"), warehouse_lock(db, timeout=0.3):
            pass
    finally:
        holder.kill()
        holder.wait()
