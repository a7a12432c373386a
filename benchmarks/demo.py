"""Time the demo's phases: simulate, ingest, build, quality, publish, report (and the rest).

Each repeat runs ``ccfinops demo`` in a fresh process and folder (fresh warehouse, fresh local Prefect
server), so every repeat pays the same start-up costs a user pays. Phase times are exclusive (a dbt
build inside the monthly close counts under ``build``); the table shows the median of the repeats.
The baseline is the issue's target: the whole demo in <= 180 s after install. The snapshot is
published even when a critical data-quality expectation fails, so ``publish`` is always timed.

    python benchmarks/demo.py [--quick] [--repeats 3] [--conversations-per-month 100000] [--months 3]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TARGET_S = 180.0
MAIN_PHASES = ("simulate", "ingest", "build", "quality", "publish", "report")

CHILD = """
import json, os, sys
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("TQDM_DISABLE", "1")
from simulator.demo import run_demo
work = sys.argv[1]
r = run_demo(os.path.join(work, "warehouse.duckdb"), conversations_per_month=int(sys.argv[2]),
             months=int(sys.argv[3]), out=work, publish_on_dq_failure=True,
             echo=lambda s: print(s, file=sys.stderr))
print(json.dumps({"phases": r.phases, "failures": r.failures}))
"""


def run_once(conversations: int, months: int) -> dict:
    """One demo in a fresh process and folder; returns phases, failures and wall seconds."""
    work = Path(tempfile.mkdtemp(prefix="ccfinops-demo-bench-"))
    try:
        start = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-c", CHILD, str(work), str(conversations), str(months)],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.perf_counter() - start
        if proc.returncode != 0 or not proc.stdout.strip():
            sys.stderr.write(proc.stderr[-4000:])
            raise SystemExit(f"demo run failed (exit {proc.returncode})")
        data = json.loads(proc.stdout.strip().splitlines()[-1])
        data["wall"] = wall
        return data
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small org (2 000 conversations/month), 1 repeat")
    ap.add_argument("--repeats", type=int, default=None)
    ap.add_argument("--conversations-per-month", type=int, default=None)
    ap.add_argument("--months", type=int, default=3)
    args = ap.parse_args()
    conversations = args.conversations_per_month or (2_000 if args.quick else 100_000)
    repeats = args.repeats or (1 if args.quick else 3)

    runs = []
    for i in range(repeats):
        data = run_once(conversations, args.months)
        runs.append(data)
        print(f"run {i + 1}/{repeats}: {data['wall']:.1f} s wall", flush=True)
        for failure in data["failures"]:
            print(f"  (part failed: {failure})")

    names: list[str] = []
    for r in runs:
        names += [n for n in r["phases"] if n not in names]
    median = {n: statistics.median(r["phases"].get(n, 0.0) for r in runs) for n in names}
    wall = statistics.median(r["wall"] for r in runs)
    print()
    print(
        f"demo: {conversations:,} Genesys conversations/month (+30 % CXone contacts), {args.months} months, "
        f"median of {repeats}"
    )
    print(f"{'phase':22s} {'seconds':>8s}")
    for n in [p for p in MAIN_PHASES if p in median] + [p for p in names if p not in MAIN_PHASES]:
        print(f"{n:22s} {median[n]:8.1f}")
    print(f"{'total (wall, process)':22s} {wall:8.1f}")
    print(f"baseline (target)      {TARGET_S:8.1f}")
    print(
        f"ratio wall / target    {wall / TARGET_S:8.2f}  ({'within' if wall <= TARGET_S else 'OVER'} target)"
    )


if __name__ == "__main__":
    main()
