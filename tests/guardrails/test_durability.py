"""Durability: duplicates stored once; kill -9 under load loses no acknowledged event; totals rebuilt."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import httpx
import orjson

from guardrails.spool import segment_name
from tests.guardrails.conftest import SECRET, seed_event, spool_ids, today


def test_duplicate_event_gets_the_same_decision_and_is_stored_once(receiver):
    first = receiver.post(seed_event("dup-1", duration_ms=120_000)).json()
    again = receiver.post(seed_event("dup-1", duration_ms=999_000)).json()  # same id, other body
    assert again["duplicate"] is True and first["duplicate"] is False
    assert {k: v for k, v in again.items() if k != "duplicate"} == {
        k: v for k, v in first.items() if k != "duplicate"
    }
    # concurrent duplicates while the first is in flight
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: receiver.post(seed_event("dup-2")).json(), range(16)))
    assert sum(not a["duplicate"] for a in answers) == 1
    assert len({a["consumption_today"] for a in answers}) == 1
    assert spool_ids(receiver.settings.spool_dir) == ["dup-1", "dup-2"]
    # the intraday total counted each event once: 0.030000 + 0.015000
    assert answers[0]["consumption_today"] == "0.045000"


def test_torn_tail_is_cut_on_restart(make_receiver, settings):
    rec = make_receiver(settings)
    assert rec.post(seed_event("t-1")).status_code == 200
    seg = settings.spool_dir / segment_name(today())
    with seg.open("ab") as fh:
        fh.write(b'{"event_id": "never-acked", "cost')  # a crash mid-write
    rec2 = make_receiver(settings)
    assert seg.read_bytes().endswith(b"\n") and spool_ids(settings.spool_dir) == ["t-1"]
    out = rec2.post(seed_event("t-2")).json()
    assert out["consumption_today"] == "0.030000"
    assert spool_ids(settings.spool_dir) == ["t-1", "t-2"]


def _start(spool: Path, env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "flows.cli", "guardrails", "serve", "--port", "0", "--spool", str(spool)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline()
    assert "listening on" in line, proc.stderr.read() if proc.poll() is not None else line
    url = line.split("listening on ")[1].split()[0]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return proc, url
        except httpx.TransportError:
            time.sleep(0.05)
    proc.kill()
    raise AssertionError("receiver subprocess did not become healthy")


def test_kill_9_under_load_loses_no_acknowledged_event(tmp_path, settings):
    spool = tmp_path / "kill-spool"
    env = {
        **os.environ,
        "CCFINOPS_WEBHOOK_SECRET": SECRET,
        "CCFINOPS_GUARDRAIL_RULES": str(settings.rules_path),
        "CCFINOPS_GUARDRAIL_POLICIES": str(settings.policies_path),
        "CCFINOPS_NOTIFY_URLS": "",
    }
    proc, url = _start(spool, env)
    acked: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def worker(n: int) -> None:
        with httpx.Client(base_url=url, timeout=5) as client:
            i = 0
            while not stop.is_set():
                eid = f"k-{n}-{i}"
                i += 1
                try:
                    r = client.post(
                        "/api/v1/evaluate-usage",
                        content=orjson.dumps(seed_event(eid)),
                        headers={"X-Platform-Secret": SECRET},
                    )
                except httpx.TransportError:
                    return
                if r.status_code == 200:
                    with lock:
                        acked.append(eid)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(12)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 30
    while len(acked) < 400 and time.monotonic() < deadline:
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)  # mid-load: requests are in flight
    proc.wait(timeout=10)
    stop.set()
    for t in threads:
        t.join(timeout=10)
    proc.stdout.close()
    proc.stderr.close()
    assert len(acked) >= 400

    stored = spool_ids(spool)
    assert set(acked) <= set(stored), f"lost acknowledged events: {sorted(set(acked) - set(stored))[:5]}"
    assert len(stored) == len(set(stored))

    proc2, url2 = _start(spool, env)
    try:
        health = httpx.get(url2 + "/healthz").json()
        assert health["events_indexed"] == len(stored)
        # totals rebuilt: every stored event cost 0.015000; one more makes n+1
        r = httpx.post(
            url2 + "/api/v1/evaluate-usage",
            json=seed_event("after-restart"),
            headers={"X-Platform-Secret": SECRET},
        ).json()
        assert Decimal(r["consumption_today"]) == Decimal("0.015000") * (len(stored) + 1)
        # an acknowledged event re-sent after the crash is a duplicate with its original decision
        again = httpx.post(
            url2 + "/api/v1/evaluate-usage", json=seed_event(acked[0]), headers={"X-Platform-Secret": SECRET}
        ).json()
        assert again["duplicate"] is True
    finally:
        proc2.send_signal(signal.SIGTERM)
        proc2.wait(timeout=20)
        proc2.stdout.close()
        proc2.stderr.close()
    assert spool_ids(spool).count("after-restart") == 1
