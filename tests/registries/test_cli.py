"""``ccfinops registries validate|load`` through the real typer app."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from flows.cli import app
from tests.registries.conftest import set_cell, table_state


def test_cli_validate_and_load(reg_dir: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(app, ["registries", "validate", "--dir", str(reg_dir)])
    assert ok.exit_code == 0, ok.output
    assert "cost_pools.csv: 48 rows" in ok.output

    db = tmp_path / "wh.duckdb"
    loaded = runner.invoke(app, ["registries", "load", "--db", str(db), "--dir", str(reg_dir)])
    assert loaded.exit_code == 0, loaded.output
    assert "loaded raw.config_rate_cards: 15 rows" in loaded.output
    before = table_state(db)

    set_cell(reg_dir / "cost_center_mappings.csv", 2, "effective_from", "2025-02-30")
    bad = runner.invoke(app, ["registries", "load", "--db", str(db), "--dir", str(reg_dir)])
    assert bad.exit_code == 1
    assert (
        "cost_center_mappings.csv: row 2, field 'effective_from': '2025-02-30' is not a valid calendar date"
        in bad.stderr
    )
    assert table_state(db) == before
