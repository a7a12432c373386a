"""Fixtures for the flow tests: one Prefect test harness per session, a seeded warehouse, a loopback
notification receiver."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.flows.seed import build_marts, seed_warehouse


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """A temporary Prefect API (SQLite) shared by every flow test in the session."""
    import os

    from prefect.testing.utilities import prefect_test_harness

    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

    with prefect_test_harness(server_startup_timeout=180):
        yield


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Hand-made marts (``tests/flows/seed.py``) with the dbt reporting / WFM / close marts built on them."""
    db = seed_warehouse(tmp_path_factory.mktemp("seeded") / "template.duckdb")
    build_marts(db)
    return db


@pytest.fixture
def seeded_db(seeded_template: Path, tmp_path: Path) -> Path:
    """A private copy of the seeded warehouse (see ``tests/flows/seed.py`` for the numbers)."""
    import shutil

    db = tmp_path / "warehouse.duckdb"
    shutil.copy(seeded_template, db)
    return db


@pytest.fixture(autouse=True)
def _isolated_outputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Outputs under tmp_path; no notification targets unless a test sets them."""
    monkeypatch.setenv("CCFINOPS_REPORTS_DIR", str(tmp_path / "reports"))
    monkeypatch.setenv("CCFINOPS_SNAPSHOT_DIR", str(tmp_path / "snapshots"))
    monkeypatch.setenv("CCFINOPS_SITE_DIR", str(tmp_path / "site"))
    monkeypatch.setenv("CCFINOPS_CLOSE_DIR", str(tmp_path / "close"))
    monkeypatch.setenv("CCFINOPS_SPOOL_DIR", str(tmp_path / "spool"))
    monkeypatch.delenv("CCFINOPS_NOTIFY_URLS", raising=False)
    monkeypatch.delenv("CCFINOPS_DB", raising=False)


class _Inbox(list):
    """Messages received by the loopback JSON webhook (apprise ``json://``)."""

    url: str

    def url_for(self, path: str) -> str:
        """A target posting to ``/path`` of the same receiver (``by_path`` sorts messages by it)."""
        return self.url.rsplit("/", 1)[0] + "/" + path

    def by_path(self) -> dict[str, list[dict]]:
        """Messages received, keyed by the path they were posted to."""
        out: dict[str, list[dict]] = {}
        for message in self:
            out.setdefault(message["_path"], []).append(message)
        return out

    def wait_for(self, count: int = 1, timeout: float = 10.0) -> list[dict]:
        """Block until ``count`` messages arrived."""
        import time

        deadline = time.monotonic() + timeout
        while len(self) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return list(self)


@pytest.fixture
def notify_inbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Inbox]:
    """A loopback HTTP receiver wired as the only notification target."""
    inbox = _Inbox()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server API
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            inbox.append({**json.loads(body or b"{}"), "_path": self.path.strip("/")})
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    inbox.url = f"json://127.0.0.1:{server.server_address[1]}/hook"
    monkeypatch.setenv("CCFINOPS_NOTIFY_URLS", inbox.url)
    monkeypatch.setenv("CCFINOPS_NOTIFY_RETRIES", "1")
    try:
        yield inbox
    finally:
        server.shutdown()
        server.server_close()
