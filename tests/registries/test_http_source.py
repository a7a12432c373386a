"""Mappings from a JSON registry service over loopback HTTP, validated with the same rules."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import duckdb
import pytest

from ingestion.registries import FILES_DIR, RegistryError, http_source, load_registries, validate_registries
from tests.registries.conftest import read_rows


class _Registry:
    """What the fake registry service answers: a queue of (status, body) then the steady body."""

    def __init__(self) -> None:
        self.body = b"{}"
        self.failures: list[int] = []
        self.requests = 0


@pytest.fixture()
def service() -> Iterator[tuple[str, _Registry]]:
    state = _Registry()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server API)
            state.requests += 1
            status, body = (state.failures.pop(0), b"oops") if state.failures else (200, state.body)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/v1/cost-mapping", state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _shipped_mappings_as_json() -> list[dict[str, Any]]:
    """The shipped mappings as a service would send them: ints for skill ids, numbers for weights."""
    header, rows = read_rows(FILES_DIR / "cost_center_mappings.csv")
    records = []
    for row in rows:
        record: dict[str, Any] = {k: (v or None) for k, v in zip(header, row, strict=True)}
        if record["platform"] == "cxone":
            record["key"] = int(record["key"])
        record["weight"] = 1
        records.append(record)
    return records


def test_url_source_loads_validated_mappings(service: tuple[str, _Registry], tmp_path: Path) -> None:
    url, state = service
    records = _shipped_mappings_as_json()
    records[0]["weight"] = 1.0  # JSON number (a mapping's weight must be 1)
    state.body = json.dumps({"mappings": records}).encode()
    db = tmp_path / "wh.duckdb"
    result = load_registries(db, mappings_url=url)
    assert result.sources["config_cost_center_mappings"] == url
    assert result.versions["config_cost_center_mappings"] == hashlib.sha256(state.body).hexdigest()[:12]
    assert result.row_counts["config_cost_center_mappings"] == 17
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute(
            "select key, weight::varchar, mapping_version from raw.config_cost_center_mappings"
            " where key in ('d41a4916-e89a-57c0-aa86-60d147f9421a', '4101') order by key"
        ).fetchall()
    finally:
        con.close()
    assert rows == [
        ("4101", "1.000000", "2025.1"),
        ("d41a4916-e89a-57c0-aa86-60d147f9421a", "1.000000", "2025.1"),
    ]


def test_url_source_names_record_and_field(service: tuple[str, _Registry], tmp_path: Path) -> None:
    url, state = service
    records = _shipped_mappings_as_json()
    records[2]["weight"] = 1.5
    records[5]["cost_center"] = "CC-NOPE"
    records[9]["effective_from"] = "2026/01/01"
    del records[11]["platform"]
    records[12]["colour"] = "red"
    state.body = json.dumps({"mappings": records}).encode()
    db = tmp_path / "wh.duckdb"
    with pytest.raises(RegistryError) as caught:
        load_registries(db, mappings_url=url)
    assert [str(i) for i in caught.value.issues] == [
        f"{url}: record 2, field 'weight': Input should be less than or equal to 1",
        f"{url}: record 9, field 'effective_from': '2026/01/01' is not a date in YYYY-MM-DD form",
        f"{url}: record 11, field 'platform': missing required field",
        f"{url}: record 12, field 'colour': unknown field",
        f"{url}: record 5, field 'cost_center': unknown cost center 'CC-NOPE' (not in cost_centers.csv)",
    ]
    assert not db.exists()


def test_url_source_retries_5xx_then_fails_loudly(
    service: tuple[str, _Registry], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, state = service
    monkeypatch.setattr(http_source, "BACKOFF_S", 0.01)
    state.body = json.dumps({"mappings": _shipped_mappings_as_json()}).encode()
    state.failures = [503, 502]
    assert len(validate_registries(mappings_url=url)["cost_center_mappings"].rows) == 17
    assert state.requests == 3

    state.requests, state.failures = 0, [503, 503, 503, 503]
    with pytest.raises(RegistryError, match=r"response, field '\*': HTTP 503 after 3 attempt\(s\)"):
        validate_registries(mappings_url=url)
    assert state.requests == 3  # bounded


def test_url_source_rejects_non_json(service: tuple[str, _Registry]) -> None:
    url, state = service
    state.body = b"<html>nope</html>"
    with pytest.raises(RegistryError, match="response is not JSON"):
        validate_registries(mappings_url=url)
