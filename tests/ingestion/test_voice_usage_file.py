"""``ccfinops ingest voice-usage --file``: the admin-UI Cloud Voice usage CSV, validated, all or nothing."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from flows.cli import app
from ingestion.genesys_cloud.voice_usage_file import VoiceUsageFileError, load_voice_usage_file
from simulator.voice_usage_export import export_from_handle
from tests.ingestion.conftest import END, START, query

HEADER = (
    "SIP Call Id,Direction,Usage Group,Start time,Adjusted Duration (seconds),"
    "Usage Rate Per Minute,Total cost,Currency\n"
)


def _totals(db: Path) -> tuple[Any, ...]:
    return query(db, "select count(*), sum(duration_seconds), sum(cost) from raw.genesys_voice_usage")[0]


def test_the_exported_csv_loads_exactly_and_a_reload_never_duplicates(
    sim: Any, db: Path, tmp_path: Path
) -> None:
    csv_file = export_from_handle(sim, START, END, tmp_path / "voice.csv")
    truth = sim.ground_truth("genesys", START, END, ids=False)
    assert load_voice_usage_file(db, csv_file) == truth["voice_calls"]
    result = CliRunner().invoke(app, ["ingest", "voice-usage", "--file", str(csv_file), "--db", str(db)])
    assert result.exit_code == 0, result.output
    calls, secs, cost = _totals(db)
    assert calls == truth["voice_calls"]
    assert secs == truth["voice_billable_seconds"]
    assert Decimal(cost) == Decimal(truth["voice_cost"])  # exact to the last decimal


def test_a_bad_row_names_file_line_and_column_and_loads_nothing(db: Path, tmp_path: Path) -> None:
    good = "a-1,inbound,Toll free,2026-03-02T10:00:00Z,66,0.012000,0.013200,USD\n"
    bad = "a-2,inbound,Toll free,2026-03-02T11:00:00Z,sixty,0.012000,0.013200,USD\n"
    csv_file = tmp_path / "voice.csv"
    csv_file.write_text(HEADER + good + bad)
    with pytest.raises(VoiceUsageFileError) as err:
        load_voice_usage_file(db, csv_file)
    assert f"{csv_file}:3: column 'Adjusted Duration (seconds)': 'sixty'" in str(err.value)
    assert (
        not db.exists()
        or not query(
            db, "select count(*) from information_schema.tables where table_name = 'genesys_voice_usage'"
        )[0][0]
    )
    result = CliRunner().invoke(app, ["ingest", "voice-usage", "--file", str(csv_file), "--db", str(db)])
    assert result.exit_code == 1
    assert "nothing loaded" in result.output + (result.stderr or "")


def test_a_missing_column_is_named(db: Path, tmp_path: Path) -> None:
    csv_file = tmp_path / "voice.csv"
    csv_file.write_text("SIP Call Id,Direction\na-1,inbound\n")
    with pytest.raises(VoiceUsageFileError, match="missing column.*'Usage Group'"):
        load_voice_usage_file(db, csv_file)
