"""``ccfinops simulate`` serves on the requested loopback port until stopped."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import httpx


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_simulate_command_serves_and_applies_faults():
    port = _free_port()
    cmd = [
        sys.executable,
        "-m",
        "flows.cli",
        "simulate",
        "--port",
        str(port),
        "--seed",
        "21",
        "--conversations-per-month",
        "3000",
        "--faults",
        '{"rate_5xx": 0.5}',
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        health = None
        for _ in range(200):
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/_sim/health", timeout=1).json()
                break
            except httpx.TransportError:
                time.sleep(0.05)
        assert health == {"ok": True, "seed": 21}
        faults = httpx.get(f"http://127.0.0.1:{port}/_sim/faults").json()
        assert faults["rate_5xx"] == 0.5
        token = httpx.post(
            f"http://127.0.0.1:{port}/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=("sim-genesys-client", "sim-genesys-secret-21"),
        )
        assert token.status_code == 200
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
    assert "GENESYS_API_BASE" in out


def test_simulate_rejects_bad_faults():
    cmd = [sys.executable, "-m", "flows.cli", "simulate", "--port", "0", "--faults", '{"nope": 1}']
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "nope" in done.stderr
