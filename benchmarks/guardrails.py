"""Guardrail receiver throughput and latency, durability on, against a bare FastAPI endpoint.

Both servers run as separate uvicorn processes with the same settings (one worker, asyncio loop) and
are driven by the same load generator (wrk, 32 connections, unique event ids per request) in the
same run, alternating, a few repeats; medians are printed with the ratios. The receiver does the
full work per event: auth, parse, cost from the rate cards, attribution, policy decision against
the exported rule book, append + fsync (group commit) to the spool before answering.

    python benchmarks/guardrails.py [--quick] [--duration 10] [--connections 32] [--repeats 3]

Targets (issue 5): events/s >= 60 % of the bare endpoint, p99 <= 2x the bare p99;
``GET /api/v1/cost-mapping`` p99 <= 5 ms.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SECRET = "bench-secret"
TOKEN = "bench-token"
SALES_Q = "d41a4916-e89a-57c0-aa86-60d147f9421a"

BARE_APP = """
from fastapi import FastAPI, Request
from fastapi.responses import Response
app = FastAPI()
CONST = b'{"decision":"allow"}'
@app.post("/api/v1/evaluate-usage")
async def bare(request: Request) -> Response:
    await request.body()
    return Response(CONST, media_type="application/json")
"""

LUA_POST = """
local counter = 0
local nthreads = 0
function setup(thread)
  nthreads = nthreads + 1
  thread:set("tid", nthreads)
end
function init(args)
  prefix = os.time() .. "-" .. tid .. "-"
end
request = function()
  counter = counter + 1
  local body = string.format(
    '{"event_id":"bench-%s%d","event_type":"telephony.call.completed","queue_id":"%s",' ..
    '"duration_ms":%d,"timestamp":"%s"}', prefix, counter, "QUEUE", 30000 + (counter %% 600) * 100, "TS")
  return wrk.format("POST", "/api/v1/evaluate-usage",
    {["Content-Type"] = "application/json", ["X-Platform-Secret"] = "SECRET"}, body)
end
"""

LUA_GET = """
request = function()
  return wrk.format("GET", "/api/v1/cost-mapping?queue_id=QUEUE", {["Authorization"] = "Bearer TOKEN"})
end
"""


def _start(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    line = proc.stdout.readline() if proc.stdout else ""
    m = re.search(r"http://127\.0\.0\.1:(\d+)", line)
    if not m:
        proc.kill()
        raise RuntimeError(f"server did not start: {cmd} -> {line!r}")
    url = f"http://127.0.0.1:{m.group(1)}"
    import httpx

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(url + "/openapi.json", timeout=1)
            return proc, url
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("server not reachable")


def _stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def run_wrk(url: str, script: Path, duration: int, connections: int) -> dict[str, float]:
    """One wrk run; returns requests/s, p50/p99 ms and non-2xx count."""
    threads = min(2, connections)
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    pct = {p: _ms(v, u) for p, v, u in re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M)}
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sock = re.search(r"Socket errors: (.*)", out)
    return {
        "rps": rps,
        "p50": pct["50"],
        "p99": pct["99"],
        "non2xx": float(errors.group(1)) if errors else 0.0,
        "socket_errors": 1.0 if sock else 0.0,
    }


def _histogram(text: str, name: str, label: str = "") -> dict[str, float]:
    """count, sum and the p99 bucket bound of one Prometheus histogram in ``/metrics`` text."""
    buckets = []
    count = total = 0.0
    for line in text.splitlines():
        if line.startswith("#") or (label and label not in line):
            continue
        if line.startswith(name + "_bucket"):
            le = line.split('le="')[1].split('"')[0]
            buckets.append((float("inf") if le == "+Inf" else float(le), float(line.rsplit(" ", 1)[1])))
        elif line.startswith(name + "_count"):
            count = float(line.rsplit(" ", 1)[1])
        elif line.startswith(name + "_sum"):
            total = float(line.rsplit(" ", 1)[1])
    p99 = next((le for le, c in sorted(buckets) if count and c >= 0.99 * count), float("nan"))
    return {"count": count, "sum": total, "p99": p99}


def _rules(work: Path) -> Path:
    """The shipped registries exported by dbt as the rule book, with a high expected cost (no breach)."""
    import duckdb
    import orjson

    if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
        sys.path[0] = str(REPO)  # this file is named guardrails.py: import the package, not itself
    from flows.dbt_runner import run_dbt
    from guardrails.rulebook import artifact_bytes, export_rulebook
    from ingestion.registries import load_registries
    from simulator.synthetic_raw import create_raw_tables

    db = work / "rules.duckdb"
    load_registries(db)
    con = duckdb.connect(str(db))
    try:
        create_raw_tables(con)
    finally:
        con.close()
    run_dbt(["run", "--select", "+path:models/marts/guardrails"], db, quiet=True)
    out = work / "rules.json"
    export_rulebook(db, out)
    tables = orjson.loads(out.read_bytes())["tables"]
    cols = tables["baselines"]["columns"]
    today = datetime.now(UTC).date()
    rows = []
    for cc in ("CC-SALES", "CC-SUPPORT", "CC-FINANCE", "CC-RETENTION", "CC-COLLECTIONS", "CC-MARKETING"):
        for i in range(-1, 2):
            row = dict.fromkeys(cols)
            row |= {
                "cost_date": (today + timedelta(days=i)).isoformat(),
                "cost_center": cc,
                "daily_cost": "250000.00",
                "guardrail_band_pct": "15",
                "policy_mode": "expected",
                "expected_daily_cost": "250000.00",
                "effective_band_pct": "15",
                "floor_amount": "5.00",
                "expected_upper_bound": "287500.00",
                "expected_status": "within",
                "weekday_history_weeks": 8,
                "baseline_30d": "250000.00",
                "seed_upper_bound": "287500.00",
                "seed_status": "within",
                "history_days": 30,
                "status": "within",
            }
            rows.append([row[c] for c in cols])
    tables["baselines"]["rows"] = rows
    out.write_bytes(artifact_bytes(tables, "benchmark"))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="one short repeat (smoke run)")
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument(
        "--tmpfs-diagnostic",
        action="store_true",
        help="also run the receiver with its spool on /dev/shm (fsync is free there: NOT durable) to "
        "separate the disk's share of the cost",
    )
    args = ap.parse_args()
    if args.quick:
        args.duration, args.repeats = 3, 1
    if not shutil.which("wrk"):
        sys.exit("wrk not found: apt-get install -y wrk")

    work = Path(tempfile.mkdtemp(prefix="ccfinops-bench-"))
    (work / "bare_app.py").write_text(BARE_APP)
    ts = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    lua_post = (
        LUA_POST.replace("QUEUE", SALES_Q).replace("TS", ts).replace("SECRET", SECRET).replace("%%", "%")
    )
    (work / "post.lua").write_text(lua_post)
    (work / "get.lua").write_text(LUA_GET.replace("QUEUE", SALES_Q).replace("TOKEN", TOKEN))
    rules = _rules(work)
    env = {
        **os.environ,
        "CCFINOPS_WEBHOOK_SECRET": SECRET,
        "CCFINOPS_COST_API_TOKEN": TOKEN,
        "CCFINOPS_GUARDRAIL_RULES": str(rules),
        "CCFINOPS_NOTIFY_URLS": "",
        "PYTHONPATH": str(REPO),
    }
    guard_cmd = [
        sys.executable,
        "-m",
        "flows.cli",
        "guardrails",
        "serve",
        "--port",
        "0",
        "--spool",
        str(work / "spool"),
        "--db",
        str(work / "unused.duckdb"),
    ]
    bare_cmd = [
        sys.executable,
        "-c",
        "import socket,sys,uvicorn; sys.path.insert(0, '.'); from bare_app import app;"
        "s=socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP);"
        "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1);"
        "s.bind(('127.0.0.1', 0)); print(f'bare listening on http://127.0.0.1:{s.getsockname()[1]}',"
        " flush=True); uvicorn.Server(uvicorn.Config(app, log_level='warning', access_log=False))"
        ".run(sockets=[s])",
    ]
    guard, guard_url = _start(guard_cmd, env, REPO)
    bare, bare_url = _start(bare_cmd, env, work)
    results: dict[str, list[dict[str, float]]] = {"bare": [], "guard": [], "mapping": []}
    try:
        run_wrk(bare_url, work / "post.lua", 1, args.connections)  # warm-up
        run_wrk(guard_url, work / "post.lua", 1, args.connections)
        for _ in range(args.repeats):
            results["bare"].append(run_wrk(bare_url, work / "post.lua", args.duration, args.connections))
            results["guard"].append(run_wrk(guard_url, work / "post.lua", args.duration, args.connections))
        if args.tmpfs_diagnostic:
            shm = Path(tempfile.mkdtemp(prefix="ccfinops-bench-", dir="/dev/shm"))
            shm_cmd = [*guard_cmd[:-4], "--spool", str(shm), "--db", str(work / "unused.duckdb")]
            shm_proc, shm_url = _start(shm_cmd, env, REPO)
            try:
                run_wrk(shm_url, work / "post.lua", 1, args.connections)
                results["tmpfs"] = [
                    run_wrk(shm_url, work / "post.lua", args.duration, args.connections)
                    for _ in range(args.repeats)
                ]
            finally:
                _stop(shm_proc)
                shutil.rmtree(shm, ignore_errors=True)
        results["mapping"].append(run_wrk(guard_url, work / "get.lua", max(3, args.duration // 2), 1))
        results["mapping"].append(
            run_wrk(guard_url, work / "get.lua", max(3, args.duration // 2), args.connections)
        )
        import httpx

        health = httpx.get(guard_url + "/healthz").json()
        metrics_text = httpx.get(guard_url + "/metrics").text
    finally:
        _stop(guard)
        _stop(bare)
    spooled = sum(p.read_bytes().count(b"\n") for p in (work / "spool").glob("events-*.jsonl"))

    def med(kind: str, key: str) -> float:
        return statistics.median(r[key] for r in results[kind])

    bare_rps, guard_rps = med("bare", "rps"), med("guard", "rps")
    bare_p99, guard_p99 = med("bare", "p99"), med("guard", "p99")
    rps_ratio, p99_ratio = guard_rps / bare_rps, guard_p99 / bare_p99
    print(
        f"ccfinops guardrails benchmark — wrk -t2 -c{args.connections} -d{args.duration}s, "
        f"{args.repeats} repeat(s), medians, {date.today()}"
    )
    print(f"{'':28}{'events/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'non-2xx':>9}")
    print(
        f"{'bare FastAPI (constant)':28}{bare_rps:>10.0f}{med('bare', 'p50'):>9.2f}{bare_p99:>9.2f}"
        f"{med('bare', 'non2xx'):>9.0f}"
    )
    print(
        f"{'receiver, durability on':28}{guard_rps:>10.0f}{med('guard', 'p50'):>9.2f}{guard_p99:>9.2f}"
        f"{med('guard', 'non2xx'):>9.0f}"
    )
    print(
        f"throughput ratio {rps_ratio:.2f} (target >= 0.60: {'PASS' if rps_ratio >= 0.6 else 'FAIL'}); "
        f"p99 ratio {p99_ratio:.2f} (target <= 2.00: {'PASS' if p99_ratio <= 2.0 else 'FAIL'})"
    )
    if "tmpfs" in results:
        print(
            f"{'diagnostic: spool on tmpfs':28}{med('tmpfs', 'rps'):>10.0f}{med('tmpfs', 'p50'):>9.2f}"
            f"{med('tmpfs', 'p99'):>9.2f}{med('tmpfs', 'non2xx'):>9.0f}   (not durable; ratio "
            f"{med('tmpfs', 'rps') / bare_rps:.2f} / p99 ratio {med('tmpfs', 'p99') / bare_p99:.2f})"
        )
    one, many = results["mapping"]
    mapping_server = _histogram(metrics_text, "ccfinops_guardrail_request_seconds", 'endpoint="cost-mapping"')
    print(
        f"cost-mapping GET, 1 connection: {one['rps']:.0f} req/s, p50 {one['p50']:.2f} ms, "
        f"p99 {one['p99']:.2f} ms (target <= 5 ms: {'PASS' if one['p99'] <= 5 else 'FAIL'}); "
        f"server-side p99 <= {mapping_server['p99'] * 1000:.1f} ms, {mapping_server['count']:.0f} requests"
    )
    print(
        f"cost-mapping GET, {args.connections} connections: {many['rps']:.0f} req/s, "
        f"p50 {many['p50']:.2f} ms, "
        f"p99 {many['p99']:.2f} ms (queueing on one worker; load generator on the same cores)"
    )
    print(f"machine load average during the run: {os.getloadavg()[0]:.2f} (2 cores; other jobs share them)")
    sync = _histogram(metrics_text, "ccfinops_guardrail_spool_sync_seconds")
    batch = _histogram(metrics_text, "ccfinops_guardrail_spool_flush_batch")
    lat = _histogram(metrics_text, "ccfinops_guardrail_request_seconds", 'endpoint="evaluate-usage"')
    print(
        f"group commits: {batch['count']:.0f}, mean {batch['sum'] / max(batch['count'], 1):.1f} events each; "
        f"fdatasync mean {sync['sum'] / max(sync['count'], 1) * 1000:.2f} ms, "
        f"p99 <= {sync['p99'] * 1000:.0f} ms; "
        f"server-side evaluate-usage p99 <= {lat['p99'] * 1000:.0f} ms (histogram bucket bounds)"
    )
    print(f"spooled events: {spooled} (indexed by the receiver: {health['events_indexed']})")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
