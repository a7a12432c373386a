"""The streamed detail load's building blocks: one row per key within a batch, append hints."""

from __future__ import annotations

import pyarrow as pa

from ingestion.genesys_cloud.stream import _last_per_key


def test_a_batch_keeps_the_last_row_of_each_key_in_order() -> None:
    table = pa.table({"id": ["a", "b", "a", "c", "b"], "v": [1, 2, 3, 4, 5]})
    out = _last_per_key(table, "id")
    assert out.to_pydict() == {"id": ["a", "c", "b"], "v": [3, 4, 5]}
    unique = pa.table({"id": ["x", "y"], "v": [1, 2]})
    assert _last_per_key(unique, "id") is unique
