"""NICE CXone ingestion against the simulator: completeness, paging, discovery, field-name versions."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from ingestion.pipeline import ingest
from tests.ingestion.conftest import END, START, fast_options, ids_between, query, scalar


def assert_matches_truth(db: Path, truth: dict[str, Any]) -> None:
    got = ids_between(db, "cxone_contacts", "contact_id", "contact_start", START, END)
    assert len(got) == len(set(got))
    assert sorted(got) == sorted(str(i) for i in truth["contact_ids"])
    rows = query(db, "select skill_id, count(*) from raw.cxone_contacts group by 1")
    per_skill = {str(k): v for k, v in rows}
    assert per_skill == truth["per_skill"]
    assert (
        scalar(db, "select count(distinct master_contact_id) from raw.cxone_contacts")
        == truth["master_contact_count"]
    )
    assert (
        scalar(db, "select count(*) from raw.cxone_contacts where transfer_indicator")
        == truth["transfer_contacts"]
    )
    assert scalar(db, "select count(*) from raw.cxone_contacts where abandoned") == truth["abandoned"]
    assert scalar(db, "select count(*) from raw.cxone_contacts where is_outbound") == truth["outbound"]
    assert (
        scalar(
            db,
            "select count(*) from raw.cxone_contacts where media_type = 'voice' "
            "and carrier = 'nice_cxone_voice'",
        )
        == truth["voice_calls"]
    )
    # 6-second increments with a 12-second minimum, as the ground truth bills them
    billable = scalar(
        db,
        "select sum(greatest(ceil(total_duration_seconds / 6.0) * 6, 12))::bigint "
        "from raw.cxone_contacts where media_type = 'voice'",
    )
    assert billable == truth["voice_billable_seconds"]


def test_complete_under_429_and_5xx_with_paging(sim: Any, db: Path) -> None:
    sim.set_faults(rate_429=0.3, rate_5xx=0.05)
    options = fast_options()
    options.cxone = replace(options.cxone, top=10)  # many pages, followed through _links.next
    summary = ingest(db, "cxone", START, END, options=options)
    p = summary.platforms["cxone"]
    truth = sim.ground_truth("cxone", START, END, ids=True)
    assert truth["contact_count"] > 60
    assert p.pages >= truth["contact_count"] // 10
    assert p.status_429 > 0
    assert_matches_truth(db, truth)
    assert scalar(db, "select count(*) from raw.cxone_contacts where disposition is not null") > 0
    stats = query(db, "select platform, records from raw.ingest_run_stats")
    assert stats == [("cxone", truth["contact_count"])]


def test_rerun_is_idempotent_and_api_host_is_discovered(
    sim: Any, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CXONE_API_BASE")  # -> /.well-known/cxone-configuration?tenantId=
    ingest(db, "cxone", START, END, options=fast_options())
    ingest(db, "cxone", START, END, options=fast_options())
    assert_matches_truth(db, sim.ground_truth("cxone", START, END, ids=True))


@pytest.mark.parametrize("version", ["v21.0", "v30.0"])
def test_field_names_of_old_and_new_api_versions_give_the_same_rows(
    sim: Any, tmp_path: Path, version: str
) -> None:
    options = fast_options()
    options.cxone = replace(options.cxone, api_version=version)
    db = tmp_path / version / "wh.duckdb"
    ingest(db, "cxone", START, END, options=options)
    assert_matches_truth(db, sim.ground_truth("cxone", START, END, ids=True))
    assert (
        scalar(
            db,
            "select count(*) from raw.cxone_contacts where from_addr is null or to_addr is null "
            "or acw_seconds is null or media_type is null",
        )
        == 0
    )


def test_credentials_can_come_from_dlt_secrets_instead_of_env(
    sim: Any, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = sim.cxone_env()
    names = {
        "CXONE_ACCESS_KEY_ID": "access_key_id",
        "CXONE_ACCESS_KEY_SECRET": "access_key_secret",
        "CXONE_CLIENT_ID": "client_id",
        "CXONE_CLIENT_SECRET": "client_secret",
        "CXONE_AUTH_BASE": "auth_base",
    }
    for var, key in names.items():
        monkeypatch.delenv(var)
        monkeypatch.setenv(f"SOURCES__NICE_CXONE__{key.upper()}", env[var])  # dlt's env provider
    monkeypatch.delenv("CXONE_API_BASE")
    ingest(db, "cxone", START, END, options=fast_options())
    assert_matches_truth(db, sim.ground_truth("cxone", START, END, ids=True))
