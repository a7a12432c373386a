"""The streamed detail load: one row per key within a batch; a core failure mid-pull."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from ingestion.genesys_cloud.stream import _last_per_key
from tests.ingestion.conftest import END, FAST_RETRY, START, fast_options, ids_between, query


def test_a_batch_keeps_the_last_row_of_each_key_in_order() -> None:
    table = pa.table({"id": ["a", "b", "a", "c", "b"], "v": [1, 2, 3, 4, 5]})
    out = _last_per_key(table, "id")
    assert out.to_pydict() == {"id": ["a", "c", "b"], "v": [3, 4, 5]}
    unique = pa.table({"id": ["x", "y"], "v": [1, 2]})
    assert _last_per_key(unique, "id") is unique


def test_a_core_failure_mid_pull_keeps_loaded_windows_and_a_rerun_completes(sim: Any, db: Path) -> None:
    from ingestion.dlt_pipeline import raw_pipeline
    from ingestion.genesys_cloud import SourceStats, make_client
    from ingestion.genesys_cloud.helpers import DetailFlattener
    from ingestion.genesys_cloud.stream import detail_windows, stream_details
    from ingestion.http import ApiError
    from ingestion.pipeline import ingest
    from ingestion.windows import day_start

    options = fast_options(retry=replace(FAST_RETRY, max_attempts=2), job_workers=1)
    opts = options.genesys
    env = sim.genesys_env()
    api = make_client(
        env["GENESYS_API_BASE"], env["GENESYS_LOGIN_BASE"], env["GENESYS_CLIENT_ID"],
        env["GENESYS_CLIENT_SECRET"], opts,
    )  # fmt: skip
    api.authenticate()
    windows = detail_windows(day_start(START), day_start(END), opts.job_window, [])
    assert len(windows) == 3

    def storm_after_first(platform: str, done: int, total: int, records: int) -> None:
        if done == 1:  # the core endpoint starts failing once the first window is in
            sim.set_faults(failing_paths="/api/v2/analytics/conversations/details/jobs")

    pipeline = raw_pipeline(db, "ccfinops_genesys")
    with pytest.raises(ApiError):
        stream_details(pipeline, api, windows, opts, DetailFlattener, SourceStats(), storm_after_first)
    api.close()
    loaded = query(db, "select count(*), count(distinct conversation_id) from raw.genesys_conversations")[0]
    truth = sim.ground_truth("genesys", START, END, ids=True)
    assert 0 < loaded[0] == loaded[1] < truth["conversation_count"]  # the first window only, once

    sim.set_faults(failing_paths="")
    ingest(db, "genesys", START, END, options=fast_options())
    got = ids_between(db, "genesys_conversations", "conversation_id", "conversation_start", START, END)
    assert sorted(got) == sorted(truth["conversation_ids"])
