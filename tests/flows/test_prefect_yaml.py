"""``prefect.yaml``: every deployment parses, imports, has a valid cron; optionally deploys for real."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from croniter import croniter

from flows.catalog import FLOWS, PREFECT_YAML, load_entrypoint

EXPECTED_CRONS = {
    "telemetry": "0 * * * *",  # hourly
    "weekly_efficiency_report": "0 7 * * 1",  # Monday 07:00
    "monthly_close": "0 6 1 * *",  # the 1st at 06:00
    "wfm_constraints": "30 7 * * 1",  # Monday 07:30, after the report
}


def _spec() -> dict:
    return yaml.safe_load(PREFECT_YAML.read_text())


def test_every_flow_has_a_deployment_with_a_valid_schedule() -> None:
    from prefect import Flow

    spec = _spec()
    pull = spec["pull"][0]
    assert list(pull) == ["prefect.deployments.steps.set_working_directory"]
    deployments = {d["name"]: d for d in spec["deployments"]}
    assert set(deployments) == set(FLOWS) == set(EXPECTED_CRONS)
    for name, d in deployments.items():
        assert d["entrypoint"] == FLOWS[name]
        flow = load_entrypoint(d["entrypoint"])
        assert isinstance(flow, Flow), name
        assert set(d.get("parameters") or {}) <= set(flow.parameters.properties), name
        assert d["work_pool"]["name"] == "local"
        (schedule,) = d["schedules"]
        assert croniter.is_valid(schedule["cron"]) and schedule["cron"] == EXPECTED_CRONS[name]
        ZoneInfo(schedule["timezone"])  # an IANA name
        # every flow alerts through the notification relay when it fails
        assert any(h.__name__ == "alert_on_failure" for h in flow.on_failure_hooks), name


def test_timezone_is_one_anchor() -> None:
    text = PREFECT_YAML.read_text()
    assert text.count("timezone: *tz") == len(FLOWS)
    assert _spec()["definitions"]["schedule_timezone"] == "UTC"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(
    os.environ.get("CCFINOPS_TEST_PREFECT_DEPLOY") == "0",
    reason="CCFINOPS_TEST_PREFECT_DEPLOY=0: skip deploying against a real `prefect server start` (~40 s)",
)
def test_prefect_deploy_all_against_a_local_server(tmp_path: Path) -> None:
    repo = PREFECT_YAML.parent
    port = _free_port()
    bindir = Path(sys.executable).parent
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_UI_ENABLED": "false",
        "PWD": str(repo),
    }
    server = subprocess.Popen(
        [str(bindir / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        import httpx

        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(1)
        else:
            pytest.fail("prefect server did not become healthy in 120 s")

        def prefect(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [str(bindir / "prefect"), "--no-prompt", *args],
                cwd=repo,
                env=env,
                capture_output=True,
                text=True,
                timeout=180,
            )

        created = prefect("work-pool", "create", "local", "--type", "process")
        assert created.returncode == 0, created.stdout + created.stderr
        deployed = prefect("deploy", "--all")
        assert deployed.returncode == 0, deployed.stdout + deployed.stderr
        listed = prefect("deployment", "ls")
        for name in FLOWS:
            assert name in listed.stdout, listed.stdout
    finally:
        server.terminate()
        server.wait(timeout=30)
