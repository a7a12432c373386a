"""The report / publish / flows commands on a seeded warehouse."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from flows.cli import app


def test_report_weekly_command(seeded_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "archive"
    result = CliRunner().invoke(app, ["report", "weekly", "--db", str(seeded_db), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "cost per resolved: USD 12.69" in result.output
    assert (out / "2026-W47" / "weekly_report.html").exists()
    bad = CliRunner().invoke(app, ["report", "weekly", "--db", str(seeded_db), "--week", "2026-W99"])
    assert bad.exit_code == 1 and "error:" in bad.output


def test_publish_command(seeded_db: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["publish", "--db", str(seeded_db), "--out", str(tmp_path / "s")])
    assert result.exit_code == 0, result.output
    assert "fct_usage_cost" in result.output and "63 rows" in result.output
    assert "focus_cost_and_usage" in result.output  # named as skipped, not silently ignored
    assert (tmp_path / "s" / "ccfinops_marts.duckdb").exists()


def test_flows_list_and_unknown_flow() -> None:
    listed = CliRunner().invoke(app, ["flows", "list"])
    assert listed.exit_code == 0
    assert "telemetry" in listed.output and "0 * * * *" in listed.output and "0 6 1 * *" in listed.output
    unknown = CliRunner().invoke(app, ["flows", "run", "nope"])
    assert unknown.exit_code == 2 and "unknown flow" in unknown.output
