"""Apache Superset end to end: a real Superset 6.1 (own venv, ``.ci/superset.sh``) on loopback reads the
published snapshot through the starter bundle, and every chart's figures equal the marts to the cent.

The snapshot comes from the hand-made warehouse of ``tests/flows/seed.py`` (numbers checkable by hand),
completed with the mart columns the datasets read. The Superset tests are skipped when the venv is
missing, except under CI (``CI=true``), where ``make test`` installs it first.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import threading
import time
import uuid
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path

import duckdb
import httpx
import pytest
import yaml
from typer.testing import CliRunner

from bi.superset import local
from bi.superset.bundle import BundleError, build_bundle, load_specs, mart_dependencies
from bi.superset.client import SupersetClient, SupersetError
from flows.cli import app
from flows.snapshot import GUARDRAIL_ACTION_COLUMNS, SNAPSHOT_FILE, publish_snapshot
from tests.flows.seed import FALLBACK_Q, seed_warehouse

REPO = Path(__file__).resolve().parents[2]
VENV = local.venv_dir(os.environ.get(local.VENV_ENV) or REPO / local.DEFAULT_VENV)
CENT = Decimal("0.01")

# The seed's marts lack a few columns the real marts have (and the datasets read): add them.
COMPLETE_SEED = f"""
alter table analytics.fct_cost_per_resolved_weekly add column if not exists total_cost decimal(18,6);
update analytics.fct_cost_per_resolved_weekly
    set total_cost = telephony_cost + licensing_allocation + transcription_cost;
alter table analytics.reconciliation_queue add column usage_date date;
alter table analytics.reconciliation_queue add column cost_center varchar;
alter table analytics.reconciliation_queue add column suggested_cost_center varchar;
alter table analytics.reconciliation_queue add column queue_id varchar;
update analytics.reconciliation_queue set
    usage_date = date '2026-11-16' + cast(split_part(usage_id, '-', 2) as integer),
    cost_center = 'UNATTRIBUTED', queue_id = '{FALLBACK_Q}';
insert into analytics.fct_cost_center_daily
    select usage_date, cost_center, sum(cost) from analytics.fct_usage_cost group by all;
-- November's forecast as of the 25th: the total 100.00 a day to date, 110.00 a day forecast
create table analytics.fct_cost_forecast_daily as
    select cc as cost_center, cast(d as date) as cost_date, date '2026-11-01' as month,
        cast(d as date) <= date '2026-11-25' as is_actual,
        cast(case when cast(d as date) <= date '2026-11-25' then 100 else 110 end * share as decimal(18,6))
            as forecast_cost,
        date '2026-11-25' as forecast_as_of
    from generate_series(timestamp '2026-11-01', timestamp '2026-11-30', interval 1 day) as t(d),
        (values ('ALL', 1.0), ('CC-SALES', 0.4), ('CC-SUPPORT', 0.6)) as s(cc, share);
create table analytics.fct_cost_forecast_monthly as
    select * from (values
        ('ALL', date '2026-11-01', 2500.00, 3050.00, 3000.00, 3100.00, 2980.00, 3130.00, 3000.00,
         'sum_of_cost_centers_conformal'),
        ('CC-SALES', date '2026-11-01', 1000.00, 1220.00, 1190.00, 1250.00, 1180.00, 1260.00, 1100.00,
         'ets_weekly_error_paths_conformal'),
        ('CC-SUPPORT', date '2026-11-01', 1500.00, 1830.00, 1800.00, 1860.00, 1790.00, 1870.00, 1900.00,
         'ets_weekly_error_paths_conformal')
    ) as v(cost_center, month, month_to_date_cost, forecast_cost, lower_80, upper_80, lower_95, upper_95,
           budget, method),
    (select date '2026-11-25' as forecast_as_of);
"""


def cents(value: object) -> Decimal | None:
    """A REST figure (JSON number) to the cent."""
    return None if value is None else Decimal(str(value)).quantize(CENT)


def day(epoch_ms: float) -> date:
    """Superset's temporal values (epoch milliseconds, UTC) as dates."""
    return datetime.fromtimestamp(epoch_ms / 1000, UTC).date()


def make_actions(path: Path) -> Path:
    """The guardrail executor's audit file with three actions (two for the 2026-11-25 trigger)."""
    from guardrails.executor import SCHEMA

    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path)
    con.executescript(SCHEMA)
    now = "2026-11-25T10:00:00.000+00:00"
    for action_id, day_, cc, mitigation, mode, state in (
        ("act-1", "2026-11-25", "CC-SUPPORT", "pause_outbound", "enforce", "applied"),
        ("act-2", "2026-11-25", "CC-SUPPORT", "disable_transcription", "approval", "pending"),
        ("act-3", "2026-11-18", "CC-SALES", "pause_outbound", "dry_run", "dry_run"),
    ):
        con.execute(
            "insert into actions (action_id, idem_key, cost_center, day, mitigation, kind, target, platform,"
            " method, path, set_json, policy_version, mode, state, created_at, updated_at)"
            " values (?, ?, ?, ?, ?, 'campaign', 't', 'genesys', 'PATCH', '/x', '{}', 'p1', ?, ?, ?, ?)",
            [action_id, action_id, cc, day_, mitigation, mode, state, now, now],
        )
    con.commit()
    con.close()
    return path


def make_warehouse(path: Path) -> Path:
    """The seeded warehouse, completed with the real marts' columns, and a guardrail audit file beside it."""
    seed_warehouse(path)
    make_actions(path.parent / "spool" / "audit" / "actions.sqlite")
    con = duckdb.connect(str(path))
    try:
        con.execute(COMPLETE_SEED)
    finally:
        con.close()
    return path


# --- the bundle (no Superset needed) ------------------------------------------------------------------


def test_every_mart_column_the_bundle_reads_is_a_documented_mart_column() -> None:
    documented: dict[str, set[str]] = {}
    for spec in (REPO / "dbt_project" / "models" / "marts").rglob("*.yml"):
        for model in yaml.safe_load(spec.read_text()).get("models", []):
            documented[model["name"]] = {c["name"] for c in model.get("columns", [])}
    needs = mart_dependencies()
    # guardrail_actions is the snapshot's copy of the executor's audit file, not a dbt mart
    assert needs.pop("guardrail_actions") <= {name for name, _ in GUARDRAIL_ACTION_COLUMNS}
    assert set(needs) == {
        "fct_cost_per_resolved_weekly",
        "fct_usage_cost",
        "fct_cost_allocation_monthly",
        "reconciliation_queue",
        "fct_guardrail_baselines",
        "fct_cost_center_daily",
        "fct_cost_forecast_daily",
        "fct_cost_forecast_monthly",
    }
    for mart, columns in needs.items():
        assert columns <= documented[mart], (mart, columns - documented[mart])


def test_bundle_has_the_weekly_review_and_refuses_a_snapshot_without_the_marts(tmp_path: Path) -> None:
    db = make_warehouse(tmp_path / "w.duckdb")
    published = publish_snapshot(db, tmp_path / "snap")
    assert published.row_counts["guardrail_actions"] == 3  # copied from the executor's audit file
    snap = published.duckdb_path
    names = zipfile.ZipFile(BytesIO(build_bundle(snap))).namelist()
    specs = load_specs()
    assert len([n for n in names if "/charts/" in n]) == len(specs.charts) == 10
    assert "ccfinops_superset/dashboards/ccfinops-weekly-review.yaml" in names
    assert specs.dashboard["title"] == "FinOps weekly review"
    # a snapshot lacking a mart the datasets read: one clear error, no bundle
    bare = tmp_path / "bare.duckdb"
    con = duckdb.connect(str(bare))
    con.execute("create schema analytics; create table analytics.fct_usage_cost as select 1 as cost")
    con.close()
    partial = publish_snapshot(bare, tmp_path / "snap2").duckdb_path
    with pytest.raises(BundleError, match=r"lacks marts \['fct_cost_allocation_monthly'"):
        build_bundle(partial)
    with pytest.raises(BundleError, match="does not exist"):
        build_bundle(tmp_path / "nope.duckdb")
    with pytest.raises(BundleError, match="not a DuckDB snapshot"):
        build_bundle(REPO / "README.md")


# --- a real Superset ----------------------------------------------------------------------------------

needs_superset = pytest.mark.skipif(
    not (VENV / "bin" / "superset").exists() and os.environ.get("CI") != "true",
    reason=f"Superset venv {VENV} missing (make superset)",
)


@pytest.fixture(scope="module")
def superset(tmp_path_factory: pytest.TempPathFactory) -> Iterator[local.Server]:
    # `superset db upgrade/init` takes 1-2 min: done once into a template home kept in the venv (a cache
    # folder), copied for each run.
    template = VENV / "ccfinops-test-home"
    started = time.monotonic()
    init_s = local.init_home(VENV, template, "admin", "test-admin-pw")
    home = tmp_path_factory.mktemp("superset") / "home"
    shutil.copytree(template, home, ignore=shutil.ignore_patterns("*.log"))
    server = local.serve(VENV, home)
    print(f"\nSuperset init {init_s:.0f} s, start {time.monotonic() - started - init_s:.0f} s")
    try:
        yield server
    finally:
        local.stop(server)
        assert server.process.poll() is not None


@needs_superset
def test_superset_reads_the_snapshot_charts_equal_the_marts_to_the_cent(
    superset: local.Server, tmp_path: Path
) -> None:
    db = make_warehouse(tmp_path / "warehouse.duckdb")
    out = tmp_path / "snapshots"
    publish_snapshot(db, out)
    runner = CliRunner()
    imported = runner.invoke(
        app,
        ["bi", "superset", "--url", superset.url, "--password", "test-admin-pw",
         "--snapshot", str(out / SNAPSHOT_FILE)],
    )  # fmt: skip
    assert imported.exit_code == 0, imported.output
    assert "/superset/dashboard/ccfinops-weekly-review/" in imported.output

    with SupersetClient(superset.url, "admin", "test-admin-pw") as client:
        board = client.dashboard("ccfinops-weekly-review")
        assert board["dashboard_title"] == "FinOps weekly review"
        charts = {c["slice_name"]: c["id"] for c in client.dashboard_charts(board["id"])}
        assert set(charts) == {c["title"] for c in load_specs().charts}

        def rows(title: str) -> list[dict]:
            return client.chart_data(charts[title])

        chargeback = {
            (day(r["month"]), r["cost_center"]): (
                cents(r["direct_cost"]),
                cents(r["allocated_cost"]),
                cents(r["chargeback_total"]),
            )
            for r in rows("Monthly chargeback by cost center (direct + allocated)")
        }
        assert chargeback == {
            (date(2026, 11, 1), "CC-SALES"): (Decimal("61.60"), Decimal("14950.00"), Decimal("15011.60")),
            (date(2026, 11, 1), "CC-SUPPORT"): (Decimal("0.00"), Decimal("11300.00"), Decimal("11300.00")),
            (date(2026, 11, 1), "UNATTRIBUTED"): (Decimal("3.50"), Decimal("0.00"), Decimal("3.50")),
            (date(2026, 10, 1), "CC-SALES"): (Decimal("16.80"), Decimal("3000.00"), Decimal("3016.80")),
        }
        # every cent of usage and pools is charged once: 81.90 usage + 29 250.00 pools
        assert sum(v[2] for v in chargeback.values()) == Decimal("29331.90")

        per_resolved = {
            (day(r["week_start"]), r["cost_center"]): cents(r["cost_per_resolved"])
            for r in rows("Cost per resolved contact by cost center (weekly)")
        }
        assert per_resolved == {
            (date(2026, 11, 9), "CC-SALES"): Decimal("4.00"),  # 160.00 / 40
            (date(2026, 11, 9), "CC-SUPPORT"): Decimal("4.60"),  # 230.00 / 50
            (date(2026, 11, 16), "CC-SALES"): Decimal("4.95"),  # 183.09 / 37
            (date(2026, 11, 16), "CC-SUPPORT"): None,  # 280.00, nothing resolved
            (date(2026, 11, 16), "CC-FINANCE"): Decimal("14.82"),  # 44.45 / 3
        }
        by_queue = rows("Cost per resolved contact by queue (weekly)")
        assert len(by_queue) == 5 and sum(cents(r["total_cost"]) for r in by_queue) == Decimal("897.54")

        share = {
            day(r["week_start"]): r["unattributed_share"] for r in rows("Unattributed share of cost (weekly)")
        }
        assert round(share[date(2026, 11, 16)], 6) == round(3.50 / 23.10, 6)  # 7 x 0.50 of 7 x 3.30
        assert share[date(2026, 11, 9)] == 0

        recon = rows("Reconciliation queue by reason")
        assert [(r["reason"], r["items"], cents(r["cost"])) for r in recon] == [
            ("no_cost_center", 7, Decimal("3.50"))
        ]
        triggers = rows("Guardrail triggers (days above the cost band)")
        assert [(day(r["cost_date"]), r["cost_center"], cents(r["over_upper_bound"])) for r in triggers] == [
            (date(2026, 11, 25), "CC-SUPPORT", Decimal("965.00")),
            (date(2026, 11, 18), "CC-SALES", Decimal("50.00")),
        ]
        actions = {
            (r["cost_center"], r["mitigation"], r["state"]): r["actions"]
            for r in rows("Guardrail actions by state")
        }
        assert actions == {
            ("CC-SUPPORT", "pause_outbound", "applied"): 1,
            ("CC-SUPPORT", "disable_transcription", "pending"): 1,
            ("CC-SALES", "pause_outbound", "dry_run"): 1,
        }
        weekly = {
            (day(r["cost_date"]), r["cost_center"]): cents(r["cost"])
            for r in rows("Weekly cost by cost center")
        }
        assert weekly[(date(2026, 11, 16), "CC-SALES")] == Decimal("19.60")  # 7 x 2.80
        assert weekly[(date(2026, 11, 16), "UNATTRIBUTED")] == Decimal("3.50")
        assert sum(weekly.values()) == Decimal("81.90")

        band = {
            day(r["cost_date"]): r
            for r in rows("This month, all cost centers - actual to date, forecast band, budget")
        }
        assert len(band) == 30 and all(cents(r["budget"]) == Decimal("3000.00") for r in band.values())
        assert cents(band[date(2026, 11, 25)]["actual_to_date"]) == Decimal("2500.00")
        assert band[date(2026, 11, 26)]["actual_to_date"] is None
        assert band[date(2026, 11, 24)]["lower_80"] is None
        end = band[date(2026, 11, 30)]
        assert cents(end["forecast_to_month_end"]) == Decimal("3050.00")  # 2 500 + 5 x 110
        assert [cents(end[k]) for k in ("lower_80", "upper_80", "lower_95", "upper_95")] == [
            Decimal("3000.00"), Decimal("3100.00"), Decimal("2980.00"), Decimal("3130.00")
        ]  # fmt: skip
        assert cents(band[date(2026, 11, 28)]["lower_80"]) == Decimal("2800.00")  # 3/5 of the way
        monthly = [
            (r["cost_center"], cents(r["forecast_over_budget"]), cents(r["lower_80"]))
            for r in rows("Month-end forecast vs budget by cost center")
        ]
        assert monthly == [
            ("CC-SALES", Decimal("120.00"), Decimal("1190.00")),
            ("ALL", Decimal("50.00"), Decimal("3000.00")),
            ("CC-SUPPORT", Decimal("-70.00"), Decimal("1800.00")),
        ]

        # A BI user never blocks publishing: Superset has the file open; a new snapshot replaces it.
        con = duckdb.connect(str(db))
        con.execute(
            "insert into analytics.fct_usage_cost (usage_id, usage_date, cost, cost_center)"
            " values ('u-late', date '2026-11-20', 10.00, 'CC-SALES')"
        )
        con.close()
        started = time.monotonic()
        publish_snapshot(db, out)
        assert time.monotonic() - started < 30
        after = {
            (day(r["month"]), r["cost_center"]): cents(r["chargeback_total"])
            for r in rows("Monthly chargeback by cost center (direct + allocated)")
        }
        assert after[(date(2026, 11, 1), "CC-SALES")] == Decimal("15021.60")

    if shutil.which("chromium"):
        shot = screenshot(superset, board["id"])
        assert shot.stat().st_size > 20_000


def browser_cookie(url: str, username: str, password: str) -> str:
    """A logged-in UI session cookie (form login with the CSRF token the REST API hands out)."""
    with httpx.Client(base_url=url, timeout=60) as http:
        jwt = http.post(
            "/api/v1/security/login", json={"username": username, "password": password, "provider": "db"}
        ).json()["access_token"]
        token = http.get("/api/v1/security/csrf_token/", headers={"Authorization": f"Bearer {jwt}"})
        http.post(
            "/login/", data={"username": username, "password": password, "csrf_token": token.json()["result"]}
        )
        assert http.get("/superset/welcome/").status_code == 200, "UI login failed"
        return "; ".join(f"{k}={v}" for k, v in http.cookies.items())


class _CookieProxy(BaseHTTPRequestHandler):
    """Loopback proxy to Superset that adds the logged-in session cookie (chromium has no cookie flag)."""

    upstream: str = ""
    cookie: str = ""

    def _forward(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        skip = {"host", "cookie", "accept-encoding", "connection", "content-length"}
        headers = {k: v for k, v in self.headers.items() if k.lower() not in skip}
        headers["Cookie"] = self.cookie
        reply = httpx.request(
            self.command, self.upstream + self.path, headers=headers, content=body, timeout=120
        )
        self.send_response(reply.status_code)
        drop = {"content-encoding", "transfer-encoding", "content-length", "connection", "set-cookie"}
        for key, value in reply.headers.multi_items():
            if key.lower() not in drop:
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(reply.content)))
        self.end_headers()
        self.wfile.write(reply.content)

    do_GET = do_POST = do_PUT = _forward

    def log_message(self, *args: object) -> None:
        pass


def screenshot(server: local.Server, dashboard_id: int) -> Path:
    """PNG of the dashboard by headless Debian chromium into the docs site (``$CCFINOPS_SITE_DIR``)."""
    from flows.settings import site_dir

    target = site_dir() / "bi" / "superset-finops-weekly-review.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    profile = target.parent / ".chromium-profile"
    handler = type("Proxy", (_CookieProxy,), {"upstream": server.url})
    handler.cookie = browser_cookie(server.url, "admin", "test-admin-pw")
    proxy = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{proxy.server_port}/superset/dashboard/{dashboard_id}/?standalone=1"
    try:
        subprocess.run(
            ["chromium", "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={profile}",
             "--window-size=1600,2400", "--virtual-time-budget=30000", f"--screenshot={target}", url],
            check=True, capture_output=True, timeout=180,
        )  # fmt: skip
    finally:
        proxy.shutdown()
        proxy.server_close()
        shutil.rmtree(profile, ignore_errors=True)
    return target


@needs_superset
def test_superset_errors_are_one_line_and_import_is_all_or_nothing(
    superset: local.Server, tmp_path: Path
) -> None:
    with pytest.raises(SupersetError, match="rejected the credentials of user 'admin'"):
        SupersetClient(superset.url, "admin", "wrong")
    with pytest.raises(SupersetError, match="unreachable"):
        SupersetClient("http://127.0.0.1:9", "admin", "x", timeout=5)
    db = make_warehouse(tmp_path / "w.duckdb")
    bundle = build_bundle(publish_snapshot(db, tmp_path / "snap").duckdb_path)
    # New datasets, charts and dashboard (fresh uuids), but the last chart names a dataset that is not in
    # the bundle: the import fails after the datasets were written, and must leave nothing behind.
    src = zipfile.ZipFile(BytesIO(bundle))
    fresh = {
        str(yaml.safe_load(src.read(n))["uuid"]): str(uuid.uuid4())
        for n in src.namelist()
        if "/datasets/" in n
    }
    broken = BytesIO()
    with zipfile.ZipFile(broken, "w") as zf:
        for name in src.namelist():
            text = src.read(name).decode().replace("ccfinops-weekly-review", "broken-review")
            for old, new in fresh.items():
                text = text.replace(old, new)
            if name.endswith("charts/guardrail_triggers.yaml"):
                text = re.sub(r"dataset_uuid: \S+", f"dataset_uuid: {uuid.uuid4()}", text)
            for old_table in ("table_name: ccfinops_", "slice_name: "):
                text = text.replace(old_table, old_table + "broken_")
            zf.writestr(name, text)
    with SupersetClient(superset.url, "admin", "test-admin-pw") as client:
        client.import_bundle(bundle)
        before = client.get("/api/v1/dataset/")["count"]
        with pytest.raises(SupersetError, match="refused to import the bundle"):
            client.import_bundle(broken.getvalue())
        assert client.get("/api/v1/dataset/")["count"] == before
        with pytest.raises(SupersetError, match="HTTP 404"):
            client.dashboard("broken-review")
        # the charts it overwrote before failing are back as they were
        names = {c["slice_name"] for c in client.dashboard_charts("ccfinops-weekly-review")}
        assert names == {c["title"] for c in load_specs().charts}
