"""Each invalid registry row fails the whole load, naming file, row (1-based data row) and field."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ingestion.registries import RegistryError, load_registries, validate_registries
from tests.registries.conftest import read_rows, set_cell, write_rows


def _add_column(name: str, column: str) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        header, rows = read_rows(folder / name)
        write_rows(folder / name, [*header, column], [[*row, "x"] for row in rows])

    return edit


def _drop_column(name: str, column: str) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        header, rows = read_rows(folder / name)
        i = header.index(column)
        write_rows(folder / name, header[:i] + header[i + 1 :], [row[:i] + row[i + 1 :] for row in rows])

    return edit


def _cell(name: str, row: int, column: str, value: str) -> Callable[[Path], None]:
    return lambda folder: set_cell(folder / name, row, column, value)


def _cells(name: str, row: int, values: dict[str, str]) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        for column, value in values.items():
            set_cell(folder / name, row, column, value)

    return edit


CASES = {
    "unknown column": (
        _add_column("cost_centers.csv", "colour"),
        "cost_centers.csv: header, field 'colour': unknown column",
    ),
    "missing required column": (
        _drop_column("cost_centers.csv", "owner"),
        "cost_centers.csv: header, field 'owner': missing required column",
    ),
    "negative rate": (
        _cell("rate_cards.csv", 4, "rate", "-0.0150"),
        "rate_cards.csv: row 4, field 'rate': Input should be greater than or equal to 0",
    ),
    "float-ish rate with too many decimals": (
        _cell("rate_cards.csv", 1, "rate", "0.01190001"),
        "rate_cards.csv: row 1, field 'rate': '0.01190001' is not a decimal",
    ),
    "negative pool amount": (
        _cell("cost_pools.csv", 13, "monthly_amount", "-4500.00"),
        "cost_pools.csv: row 13, field 'monthly_amount': Input should be greater than or equal to 0",
    ),
    "bad date format": (
        _cell("cost_center_mappings.csv", 3, "effective_from", "01/03/2026"),
        "cost_center_mappings.csv: row 3, field 'effective_from': "
        "'01/03/2026' is not a date in YYYY-MM-DD form",
    ),
    "impossible date": (
        _cell("rate_cards.csv", 2, "effective_to", "2026-02-30"),
        "rate_cards.csv: row 2, field 'effective_to': '2026-02-30' is not a valid calendar date",
    ),
    "unknown cost center": (
        _cell("cost_center_mappings.csv", 6, "cost_center", "CC-BILLING"),
        "cost_center_mappings.csv: row 6, field 'cost_center': unknown cost center 'CC-BILLING'",
    ),
    "weight above 1": (
        _cell("cost_center_mappings.csv", 1, "weight", "1.5"),
        "cost_center_mappings.csv: row 1, field 'weight': Input should be less than or equal to 1",
    ),
    "weight zero": (
        _cell("cost_center_mappings.csv", 1, "weight", "0"),
        "cost_center_mappings.csv: row 1, field 'weight': Input should be greater than 0",
    ),
    "split weight": (
        _cell("cost_center_mappings.csv", 1, "weight", "0.5"),
        "cost_center_mappings.csv: row 1, field 'weight': must be 1: an item is charged to one cost center",
    ),
    "pool cap without owner": (
        _cell("cost_pools.csv", 37, "owner_cost_center", ""),
        "cost_pools.csv: row 37, field 'owner_cost_center': a pool with a cap needs the cost center charged",
    ),
    "pool owner not a cost center": (
        _cell("cost_pools.csv", 37, "owner_cost_center", "CC-NOPE"),
        "cost_pools.csv: row 37, field 'owner_cost_center': unknown cost center 'CC-NOPE'",
    ),
    "overlapping pool periods": (
        _cells("cost_pools.csv", 2, {"period_start": "2026-01-01", "period_end": "2026-02-01"}),
        "cost_pools.csv: row 2, field 'period_start': range overlaps row 1",
    ),
    "effective_to before effective_from": (
        _cell("cost_center_mappings.csv", 7, "effective_to", "2024-12-31"),
        "cost_center_mappings.csv: row 7, field 'effective_to': must be after effective_from",
    ),
    "overlapping mapping ranges": (
        _cell("cost_center_mappings.csv", 7, "effective_to", "2026-10-01"),
        "cost_center_mappings.csv: row 8, field 'effective_from': "
        "range overlaps row 7 [2025-01-01, 2026-10-01)",
    ),
    "overlapping rate ranges (open-ended)": (
        _cell("rate_cards.csv", 7, "effective_to", ""),
        "rate_cards.csv: row 8, field 'effective_from': range overlaps row 7 [2025-01-01, open)",
    ),
    "pool period not one calendar month": (
        _cell("cost_pools.csv", 2, "period_start", "2026-01-01"),
        "cost_pools.csv: row 2, field 'period_end': must be 2026-02-01",
    ),
    "duplicate pool month": (
        _cells("cost_pools.csv", 2, {"period_start": "2026-01-01", "period_end": "2026-02-01"}),
        "cost_pools.csv: row 2, field 'period_start': range overlaps row 1 [2026-01-01, 2026-02-01)",
    ),
    "duplicate cost center": (
        _cell("cost_centers.csv", 3, "cost_center", "CC-SALES"),
        "cost_centers.csv: row 3, field 'cost_center': duplicate 'CC-SALES' (first at row 1)",
    ),
    "voice rate with wildcard carrier": (
        _cell("rate_cards.csv", 1, "carrier", "*"),
        "rate_cards.csv: row 1, field 'carrier': voice rates need an explicit value, not '*'",
    ),
    "unknown parent queue": (
        _cell("cost_center_mappings.csv", 14, "parent_queue_id", "4999"),
        "cost_center_mappings.csv: row 14, field 'parent_queue_id': "
        "parent queue '4999' is not a mapped cxone queue",
    ),
    "bad enum": (
        _cell("rate_cards.csv", 5, "direction", "sideways"),
        "rate_cards.csv: row 5, field 'direction': Input should be 'inbound', 'outbound' or '*'",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_invalid_row_fails_whole_load(case: str, reg_dir: Path, tmp_path: Path) -> None:
    edit, expected = CASES[case]
    edit(reg_dir)
    db = tmp_path / "wh.duckdb"
    with pytest.raises(RegistryError) as caught:
        load_registries(db, reg_dir)
    messages = [str(issue) for issue in caught.value.issues]
    assert any(m.startswith(expected) for m in messages), messages
    assert expected in str(caught.value)
    assert not db.exists(), "nothing may be written for an invalid registry"


def test_all_errors_are_collected(reg_dir: Path) -> None:
    set_cell(reg_dir / "cost_centers.csv", 2, "guardrail_band_pct", "-5")
    set_cell(reg_dir / "rate_cards.csv", 4, "rate", "-1")
    set_cell(reg_dir / "rate_cards.csv", 9, "effective_from", "2026-13-01")
    set_cell(reg_dir / "cost_center_mappings.csv", 6, "cost_center", "CC-NOPE")
    set_cell(reg_dir / "cost_pools.csv", 20, "currency", "usd")
    with pytest.raises(RegistryError) as caught:
        validate_registries(reg_dir)
    found = {(i.source, i.row, i.field) for i in caught.value.issues}
    assert found == {
        ("cost_centers.csv", 2, "guardrail_band_pct"),
        ("rate_cards.csv", 4, "rate"),
        ("rate_cards.csv", 9, "effective_from"),
        ("cost_center_mappings.csv", 6, "cost_center"),
        ("cost_pools.csv", 20, "currency"),
    }
    assert str(caught.value).startswith("5 registry error(s); nothing was loaded")


def test_row_numbers_count_data_rows_after_blank_lines(reg_dir: Path) -> None:
    path = reg_dir / "cost_centers.csv"
    lines = path.read_text().splitlines()
    lines.insert(2, "")  # a blank line between data rows 1 and 2 still occupies a row
    lines[4] = lines[4].replace("anna.schmidt@acme.example", "")  # CC-FINANCE, now data row 4
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(RegistryError) as caught:
        validate_registries(reg_dir)
    assert [str(i) for i in caught.value.issues] == [
        "cost_centers.csv: row 4, field 'owner': a value is required (the cell is empty)"
    ]


def test_missing_file(reg_dir: Path) -> None:
    (reg_dir / "cost_pools.csv").unlink()
    with pytest.raises(RegistryError, match=r"cost_pools.csv: header, field '\*': file not found"):
        validate_registries(reg_dir)
