"""An org on one platform only: the other platform's raw tables never exist, and the build still
rates the first to the cent (before, staging failed on the missing tables)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from simulator.synthetic_raw import write_synthetic_raw
from tests.dbt.conftest import DAYS, START, build, execute, query

GENESYS_RAW = (
    "genesys_conversations",
    "genesys_sessions",
    "genesys_segments",
    "genesys_evaluations",
    "genesys_queue_intervals",
)
USAGE_COST = (
    "select platform, count(*), sum(cost) from analytics.fct_usage_cost group by platform order by platform"
)


@pytest.mark.parametrize(
    ("kept", "dropped"), [("genesys", ("cxone_contacts",)), ("cxone", GENESYS_RAW)], ids=["genesys", "cxone"]
)
def test_a_one_platform_org_builds_and_rates_its_usage_as_before(
    kept: str,
    dropped: tuple[str, ...],
    built_warehouse: Path,
    new_warehouse: Callable[[str], Path],
) -> None:
    both = {row[0]: row[1:] for row in query(built_warehouse, USAGE_COST)}
    db = new_warehouse(f"only_{kept}")
    write_synthetic_raw(
        db, 3000, start=START, days=DAYS, seed=11, provisional_intervals=2, load_registries=False
    )
    execute(db, *(f"drop table raw.{table}" for table in dropped))
    build(db)
    only = {row[0]: row[1:] for row in query(db, USAGE_COST)}
    assert set(only) == {kept}
    assert only[kept] == both[kept] and only[kept][0] > 100


def test_a_real_genesys_voice_session_says_edge_and_is_rated_as_cloud_voice(
    built_warehouse: Path, new_warehouse: Callable[[str], Path]
) -> None:
    """The Genesys detail records name the media tier, not the carrier: provider "Edge" (var
    carrier_aliases: edge -> genesys_cloud_voice)."""
    both = {row[0]: row[1:] for row in query(built_warehouse, USAGE_COST)}
    db = new_warehouse("edge")
    write_synthetic_raw(
        db, 3000, start=START, days=DAYS, seed=11, provisional_intervals=2, load_registries=False
    )
    execute(db, "update raw.genesys_sessions set provider = 'Edge' where provider = 'genesys_cloud_voice'")
    build(db)
    assert {row[0]: row[1:] for row in query(db, USAGE_COST)} == both
    (edge_legs,) = query(
        db,
        "select count(*) from analytics.fct_usage_cost where platform = 'genesys' and usage_type = 'voice' "
        "and carrier = 'genesys_cloud_voice' and cost is not null",
    )[0]
    assert edge_legs > 100
