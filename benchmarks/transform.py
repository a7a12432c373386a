"""Benchmark the dbt transform: full build, incremental build, and a hand-written DuckDB baseline.

    python benchmarks/transform.py            # 10 M simulated conversations
    python benchmarks/transform.py --quick    # 200 k conversations
    python benchmarks/transform.py --rows 2000000 --repeats 3

From one warehouse it reports:
  * full ``dbt build`` (--full-refresh): wall time and the summed model execution time from
    ``run_results.json`` (dbt start-up and parsing excluded from the latter);
  * the hourly telemetry flow's incremental ``dbt build --selector hourly`` after one more hour of
    traffic is appended (only the touched days of the incremental models and their tests);
  * one hand-written DuckDB query computing ``fct_cost_allocation_monthly`` from the same raw
    tables (voice items, attribution with the parent chain, rate-card currency, daily pool
    accruals, largest remainder per day, months) - checked to give exactly the dbt mart's rows.
  * dbt start-up alone (``dbt parse``: load the project, check the partial-parse cache, write the
    manifest), so the incremental wall time can be read without it;
  * with ``--spark`` (default when pyspark and java are available): the same raw data exported as
    parquet (``ingestion/lake.py``) and the same full ``dbt build`` on the ``spark`` target
    (local[2] Spark in this process), beside DuckDB's.
Ratios: model execution / hand-written query (target <= 3), incremental / full build (<= 0.10),
Spark full build / DuckDB full build. Medians of ``--repeats`` runs (Spark: one run).
The model-time ratio is printed twice: for the core path (the models ``fct_cost_allocation_monthly``
is built from - the same work the hand-written query does, plus what dbt keeps: the conversation
table and every rated, attributed usage item in ``fct_usage_cost``) and for the whole project
(every model: FOCUS, reconciliation, WFM, reporting, guardrails... which the query does not compute).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from flows.dbt_runner import HOURLY_SELECTOR, artifacts_dir, model_timings, run_dbt  # noqa: E402
from ingestion.registries import load_registries  # noqa: E402
from simulator.synthetic_raw import DEFAULT_DAYS, append_hour, write_synthetic_raw  # noqa: E402

TOLL_FREE = "('800', '833', '844', '855', '866', '877', '888')"


def _number_type(col: str) -> str:
    digits = f"regexp_replace({col}, '[^0-9]', '', 'g')"
    prefixes = TOLL_FREE.strip("()").replace("'", "").replace(", ", "|")
    return (
        f"case when {col} is null then null"
        f" when regexp_matches({digits}, '^(1({prefixes})[0-9]{{7}}$|({prefixes}))') then 'toll_free'"
        " else 'local' end"
    )


#: fct_cost_allocation_monthly from raw, written by hand for DuckDB (no dbt, no intermediate tables):
#: voice items -> conversation queue path -> attribution (default precedence, parent chain) -> rate
#: card currency -> daily basis -> daily pool accruals -> largest remainder per day -> month
HAND_WRITTEN = f"""
with recursive
acd as (
    select conversation_id, arg_min(queue_id, segment_start) as orig_q,
        arg_max(queue_id, segment_start) as final_q
    from raw.genesys_segments where purpose = 'acd' and queue_id is not null group by 1
),
conv as (
    select c.conversation_id, cast(c.campaign_id as varchar) as campaign,
        nullif(trim(c.cost_center), '') as explicit, a.orig_q, a.final_q
    from raw.genesys_conversations c left join acd a on a.conversation_id = c.conversation_id
),
cx_orig as (
    select cast(coalesce(master_contact_id, contact_id) as varchar) as master,
        cast(arg_min(skill_id, contact_start) as varchar) as orig_q
    from raw.cxone_contacts group by 1
),
items as (
    select 'genesys' as platform, s.session_id as src,
        cast(s.session_start at time zone 'UTC' as date) as d, c.final_q as q, c.orig_q as oq,
        c.campaign, nullif(trim(s.provider), '') as carrier, s.direction,
        {_number_type("coalesce(s.dnis, s.ani)")} as nt,
        epoch_ms(s.session_end) - epoch_ms(s.session_start) as ms, c.explicit
    from raw.genesys_sessions s
    left join conv c on c.conversation_id = s.conversation_id
    where nullif(trim(s.provider), '') is not null and s.media_type = 'voice'
        and s.purpose in ('customer', 'external')
        and epoch_ms(s.session_end) - epoch_ms(s.session_start) > 0
    union all
    select 'cxone', cast(x.contact_id as varchar), cast(x.contact_start at time zone 'UTC' as date),
        cast(x.skill_id as varchar), o.orig_q, cast(x.campaign_id as varchar),
        nullif(trim(x.carrier), ''),
        case when x.is_outbound then 'outbound' else 'inbound' end,
        coalesce(nullif(trim(x.number_type), ''), {_number_type("coalesce(x.point_of_contact, x.to_addr)")}),
        coalesce(x.total_duration_seconds, 0) * 1000, null
    from raw.cxone_contacts x
    left join cx_orig o on o.master = cast(coalesce(x.master_contact_id, x.contact_id) as varchar)
    where coalesce(lower(x.media_type) in ('voice', 'call', 'phonecall', 'phone call', '4'), false)
        and coalesce(x.total_duration_seconds, 0) > 0
    union all
    select 'genesys', md5(queue_id || '|' || interval_start || '|' || media_type),
        cast(interval_start at time zone 'UTC' as date), queue_id, queue_id, null,
        'genesys_cloud_voice', 'inbound', 'local', t_handle_sum_ms, null
    from raw.genesys_queue_intervals where is_provisional and media_type = 'voice' and t_handle_sum_ms > 0
),
period as (
    select date_trunc('month', min(f))::date as first_day, max(l) as as_of from (
        select min(cast(conversation_start at time zone 'UTC' as date)) as f,
            max(cast(conversation_start at time zone 'UTC' as date)) as l from raw.genesys_conversations
        union all
        select min(cast(contact_start at time zone 'UTC' as date)),
            max(cast(contact_start at time zone 'UTC' as date)) from raw.cxone_contacts
        union all
        select min(cast(interval_start at time zone 'UTC' as date)),
            max(cast(interval_start at time zone 'UTC' as date)) from raw.genesys_queue_intervals
    )
),
days as (select distinct d from items),
mday as (
    select m.platform, m.key_type, m.key, days.d, nullif(trim(m.cost_center), '') as cc, m.parent_queue_id
    from raw.config_cost_center_mappings m
    join days on m.effective_from <= days.d and (m.effective_to is null or m.effective_to > days.d)
    qualify row_number() over (partition by m.platform, m.key_type, m.key, days.d
        order by m.effective_from desc) = 1
),
chain (platform, key, d, cc, parent, hops) as (
    select platform, key, d, cc, parent_queue_id, 0 from mday where key_type = 'queue'
    union all
    select c.platform, c.key, c.d, p.cc, p.parent_queue_id, c.hops + 1
    from chain c join mday p on p.platform = c.platform and p.key_type = 'queue' and p.key = c.parent
        and p.d = c.d
    where c.cc is null and c.hops < 10
),
qmap as (
    select platform, key, d, arg_min(cc, hops) as cc from chain where cc is not null group by all
),
rates as (
    select usage_type, carrier, direction, number_type, days.d, r.currency
    from raw.config_rate_cards r
    join days on r.effective_from <= days.d and (r.effective_to is null or r.effective_to > days.d)
    where usage_type = 'voice'
    qualify row_number() over (partition by usage_type, carrier, direction, number_type, days.d
        order by r.effective_from desc) = 1
),
basis as (
    select i.d, i.platform,
        coalesce(man.cost_center, ex.cost_center, cm.cc, o.cc, h.cc, 'UNATTRIBUTED') as cost_center,
        coalesce(r.currency, w.currency) as currency, sum(i.ms) as ms
    from items i
    left join raw.manual_attributions ma on ma.source_record_id = i.src
    left join raw.config_cost_centers man on man.cost_center = nullif(trim(ma.cost_center), '')
    left join raw.config_cost_centers ex on ex.cost_center = i.explicit
    left join mday cm on cm.platform = i.platform and cm.key_type = 'campaign' and cm.key = i.campaign
        and cm.d = i.d
    left join qmap o on o.platform = i.platform and o.key = i.oq and o.d = i.d
    left join qmap h on h.platform = i.platform and h.key = i.q and h.d = i.d
    left join rates r on r.carrier = coalesce(i.carrier, '*') and r.direction = coalesce(i.direction, '*')
        and r.number_type = coalesce(i.nt, '*') and r.d = i.d
    left join rates w on w.carrier = '*' and w.direction = '*' and w.number_type = '*' and w.d = i.d
    where i.d >= (select first_day from period)
    group by all
),
accruals as (
    select d, month, pool_name, platform, currency, owner_cost_center, rule_version, dim,
        shared // dim + case when dom <= shared % dim then 1 else 0 end as shared_cents,
        total // dim + case when dom <= total % dim then 1 else 0 end
            - (shared // dim + case when dom <= shared % dim then 1 else 0 end) as overflow_cents
    from (
        select g.d, date_trunc('month', g.d)::date as month, p.pool_name, p.platform, p.currency,
            p.owner_cost_center, p.rule_version, day(g.d) as dom,
            day(last_day(g.d)) as dim,
            (2 * (p.monthly_amount::decimal(18, 6) * 1000000)::bigint::hugeint + 10000) // 20000 as total,
            (2 * (least(p.monthly_amount, coalesce(p.cap, p.monthly_amount))::decimal(18, 6)
                * 1000000)::bigint::hugeint + 10000) // 20000 as shared
        from (select cast(unnest(generate_series(first_day::timestamp, as_of::timestamp, interval 1 day))
                as date) as d from period) g
        join raw.config_cost_pools p on g.d >= p.period_start and (p.period_end is null or g.d < p.period_end)
        qualify row_number() over (partition by p.pool_name, g.d order by p.period_start desc) = 1
    )
),
pool_basis as (
    select a.d, a.month, a.pool_name, a.currency, a.shared_cents, a.rule_version, b.cost_center,
        sum(b.ms)::hugeint as ms
    from accruals a join basis b on b.d = a.d and (a.platform = 'all' or a.platform = b.platform)
        and a.currency = coalesce(b.currency, a.currency)
    group by all
),
floored as (
    select *, sum(ms) over w as total_ms, ms * shared_cents // sum(ms) over w as floor_cents,
        ms * shared_cents % sum(ms) over w as remainder
    from pool_basis window w as (partition by d, pool_name)
    qualify sum(ms) over w > 0
),
daily as (
    select d, month, pool_name, cost_center, 'allocated' as kind, currency, ms, total_ms, rule_version,
        floor_cents + case when row_number() over (partition by d, pool_name order by remainder desc,
            cost_center) <= shared_cents - sum(floor_cents) over (partition by d, pool_name)
            then 1 else 0 end as cents
    from floored
    union all
    select d, month, pool_name, 'UNALLOCATED', 'unallocated', currency, 0, 0, rule_version, shared_cents
    from accruals a where shared_cents > 0
        and not exists (select 1 from floored f where f.d = a.d and f.pool_name = a.pool_name)
    union all
    select d, month, pool_name, coalesce(owner_cost_center, 'UNALLOCATED'), 'cap_overflow', currency, 0, 0,
        rule_version, overflow_cents
    from accruals where overflow_cents > 0
),
month_totals as (
    select month, pool_name, sum(t) as total_ms
    from (select month, pool_name, d, max(total_ms) as t from daily group by all) group by all
),
pool_days as (
    select month, pool_name, count(*) as days_accrued, max(dim) as dim from accruals group by all
),
monthly as (
    select month, pool_name, cost_center, kind, currency, sum(ms) as ms, sum(cents) as cents,
        max(rule_version) as rule_version
    from daily group by all
)
select m.month, m.pool_name as cost_pool, m.cost_center, m.kind as allocation_kind, m.currency,
    ((2 * m.ms * 1000 + 60) // 120)::decimal(18, 0) * 0.000001::decimal(18, 6) as queue_minutes,
    ((2 * coalesce(t.total_ms, 0) * 1000 + 60) // 120)::decimal(18, 0) * 0.000001::decimal(18, 6)
        as total_minutes,
    case when m.kind = 'allocated' and t.total_ms > 0 then
        ((2 * m.ms * 1000000 + t.total_ms) // (2 * t.total_ms))::decimal(18, 0) * 0.000001::decimal(18, 6)
    end as allocation_share,
    m.cents::decimal(18, 0) * 0.01::decimal(18, 6) as allocated_shared_cost,
    p.days_accrued::integer as days_accrued, p.days_accrued = p.dim as is_month_closed,
    m.rule_version as allocation_rule_version
from monthly m
left join month_totals t on t.month = m.month and t.pool_name = m.pool_name
left join pool_days p on p.month = m.month and p.pool_name = m.pool_name
"""

COMPARE_COLUMNS = (
    "month, cost_pool, cost_center, allocation_kind, currency, queue_minutes, total_minutes,"
    " allocation_share, allocated_shared_cost, days_accrued, is_month_closed, allocation_rule_version"
)


def run_hand_written(db: Path) -> tuple[float, int, int]:
    """Seconds for the hand-written query, its row count, and rows differing from the dbt mart."""
    import duckdb

    con = duckdb.connect(str(db))
    try:
        con.execute("set enable_progress_bar = false")
        start = time.perf_counter()
        con.execute(f"create or replace temp table hand as {HAND_WRITTEN}")
        seconds = time.perf_counter() - start
        rows = con.execute("select count(*) from hand").fetchone()[0]
        diff = con.execute(
            f"select count(*) from ((select {COMPARE_COLUMNS} from hand except all"
            f" select {COMPARE_COLUMNS} from analytics.fct_cost_allocation_monthly)"
            f" union all (select {COMPARE_COLUMNS} from analytics.fct_cost_allocation_monthly except all"
            f" select {COMPARE_COLUMNS} from hand))"
        ).fetchone()[0]
    finally:
        con.close()
    return seconds, rows, diff


def data_test_seconds(run_results: Path) -> float:
    """Summed execution time of the data tests (generic and singular) in a ``run_results.json``."""
    data = json.loads(run_results.read_text())
    return sum(
        float(item.get("execution_time") or 0.0)
        for item in data.get("results", [])
        if item.get("unique_id", "").startswith("test.")
    )


#: the mart the hand-written query reproduces; its ancestors are the core path
CORE_MART = "model.ccfinops.fct_cost_allocation_monthly"


def core_path_models(manifest: Path, mart: str = CORE_MART) -> set[str]:
    """The models ``mart`` is built from (itself included), from a ``manifest.json``."""
    parents = json.loads(manifest.read_text())["parent_map"]
    seen: set[str] = set()
    todo = [mart]
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(p for p in parents.get(node, []) if p.startswith("model."))
    return seen


def timed_build(db: Path, args: list[str]) -> tuple[float, float, float]:
    """Wall seconds of one ``dbt build``, the summed execution time of its models, and of those
    on the core path (:func:`core_path_models`)."""
    start = time.perf_counter()
    # one thread: the summed model times are then real execution, not time spent waiting for a core
    run_dbt(["build", "--threads", "1", *args], db, quiet=True)
    wall = time.perf_counter() - start
    results = artifacts_dir(db, "duckdb") / "target" / "run_results.json"
    models = {k: v for k, v in model_timings(results).items() if k.startswith("model.")}
    slowest = sorted(models.items(), key=lambda kv: -kv[1])[:5]
    print("    slowest models: " + ", ".join(f"{k.split('.')[-1]} {v:.2f} s" for k, v in slowest))
    print(f"    data tests: {data_test_seconds(results):.2f} s")
    core = core_path_models(results.parent / "manifest.json")
    return wall, sum(models.values()), sum(v for k, v in models.items() if k in core)


def dbt_startup_seconds(db: Path) -> float:
    """Wall seconds of ``dbt parse`` on the project: dbt's start-up (project, profile, manifest) alone."""
    start = time.perf_counter()
    run_dbt(["parse"], db, quiet=True)
    return time.perf_counter() - start


def spark_available() -> bool:
    """pyspark, dbt-spark and a java binary are installed."""
    return (
        shutil.which("java") is not None
        and importlib.util.find_spec("pyspark") is not None
        and importlib.util.find_spec("dbt.adapters.spark") is not None
    )


def spark_full_build(base: Path, workdir: Path, select: list[str]) -> tuple[float, float, float]:
    """Export ``base``'s raw tables as parquet, then a full Spark ``dbt build``.

    Returns (export seconds, build wall seconds, summed model seconds).
    """
    from ingestion.lake import export_raw_to_lake

    spark_dir = workdir / "spark"
    shutil.rmtree(spark_dir, ignore_errors=True)
    os.environ["CCFINOPS_SPARK_DIR"] = str(spark_dir)
    os.environ["CCFINOPS_SPARK_LAKE"] = str(spark_dir / "lake")
    exported = export_raw_to_lake(base, spark_dir / "lake")
    start = time.perf_counter()
    run_dbt(
        ["build", "--full-refresh", "--exclude", "resource_type:snapshot", *select],
        target="spark",
        quiet=True,
    )
    wall = time.perf_counter() - start
    results = artifacts_dir(None, "spark") / "target" / "run_results.json"
    models = {k: v for k, v in model_timings(results).items() if k.startswith("model.")}
    slowest = sorted(models.items(), key=lambda kv: -kv[1])[:5]
    print("    spark slowest models: " + ", ".join(f"{k.split('.')[-1]} {v:.2f} s" for k, v in slowest))
    print(f"    spark data tests: {data_test_seconds(results):.2f} s")
    return exported.seconds, wall, sum(models.values())


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=10_000_000, help="simulated conversations (default 10 M)")
    parser.add_argument("--quick", action="store_true", help="200 k conversations, 3 repeats")
    parser.add_argument("--repeats", type=int, default=None, help="repeats per measurement (median)")
    parser.add_argument("--days", type=float, default=DEFAULT_DAYS, help="days the conversations span")
    parser.add_argument("--workdir", type=Path, default=None, help="folder for the warehouse (default: temp)")
    parser.add_argument("--select", nargs="*", default=[], help="dbt selection (default: the whole project)")
    parser.add_argument(
        "--reuse-raw", action="store_true", help="reuse base.duckdb of an earlier run in --workdir"
    )
    parser.add_argument(
        "--spark",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="also build the same data on the spark target (default: when pyspark and java are installed)",
    )
    args = parser.parse_args(argv)
    rows = 200_000 if args.quick else args.rows
    repeats = args.repeats or (3 if args.quick else 1)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="ccfinops-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    select = ["--select", *args.select, "--indirect-selection", "cautious"] if args.select else []

    base = workdir / "base.duckdb"
    (workdir / "run.duckdb").unlink(missing_ok=True)
    if args.reuse_raw and base.exists():
        print(f"reusing the raw tables in {base}")
    else:
        base.unlink(missing_ok=True)
        t0 = time.perf_counter()
        load_registries(base)
        load = write_synthetic_raw(base, rows, days=args.days, load_registries=False)
        print(f"generated {rows:,} conversations in {time.perf_counter() - t0:.1f} s: {load.row_counts}")

    full_wall, full_models, full_core, incr_wall, incr_models, hand = [], [], [], [], [], []
    hour = max(1, round(rows / (args.days * 24)))
    for repeat in range(repeats):
        db = workdir / "run.duckdb"
        shutil.copy(base, db)
        wall, models, core = timed_build(db, ["--full-refresh", *select])
        full_wall.append(wall)
        full_models.append(models)
        full_core.append(core)
        seconds, hand_rows, diff = run_hand_written(db)
        hand.append(seconds)
        if diff:
            print(f"hand-written query differs from the dbt mart in {diff} rows", file=sys.stderr)
            return 1
        append_hour(db, hour, seed=100 + repeat)
        # the hourly telemetry flow's build (dbt_project/selectors.yml), unless --select narrows both
        wall, models, _ = timed_build(db, select or ["--selector", HOURLY_SELECTOR])
        incr_wall.append(wall)
        incr_models.append(models)
        print(
            f"run {repeat + 1}: full {full_wall[-1]:.1f} s (models {full_models[-1]:.1f} s, "
            f"core path {full_core[-1]:.1f} s), "
            f"hand-written {seconds:.2f} s ({hand_rows} rows, identical to the mart), "
            f"incremental +1 h ({hour:,} conversations) {wall:.1f} s (models {models:.1f} s)"
        )

    startup = dbt_startup_seconds(workdir / "run.duckdb")
    spark = None
    if args.spark or (args.spark is None and spark_available()):
        spark = spark_full_build(base, workdir, select)
        print(f"spark: export {spark[0]:.1f} s, full build {spark[1]:.1f} s (models {spark[2]:.1f} s)")

    med = statistics.median
    print()
    print(f"conversations:                    {rows:,} over {args.days:g} days, repeats {repeats}")
    print(f"full dbt build wall time:         {med(full_wall):8.1f} s")
    print(f"full build model execution:       {med(full_models):8.1f} s (run_results.json, every model)")
    print(f"  of which the core path:         {med(full_core):8.1f} s (the allocation mart's ancestors)")
    print(f"hand-written DuckDB allocation:   {med(hand):8.2f} s")
    print(f"hourly build (+1 hour) wall:      {med(incr_wall):8.1f} s (models {med(incr_models):.1f} s)")
    print(f"ratio core-path models / hand-written: {med(full_core) / med(hand):6.2f}  (target <= 3)")
    print(f"ratio all models / hand-written:      {med(full_models) / med(hand):6.2f}  (whole project)")
    print(f"ratio incremental / full (wall):      {med(incr_wall) / med(full_wall):6.3f} (target <= 0.10)")
    print(f"ratio incremental / full (models):    {med(incr_models) / med(full_models):6.3f}")
    print(f"dbt start-up (dbt parse):         {startup:8.1f} s (part of every wall time above)")
    print(
        f"ratio incremental / full (wall, start-up excluded): "
        f"{(med(incr_wall) - startup) / (med(full_wall) - startup):6.3f}"
    )
    if spark is not None:
        export_s, spark_wall, spark_models = spark
        print(
            f"spark full dbt build wall time:   {spark_wall:8.1f} s (+ raw parquet export {export_s:.1f} s)"
        )
        print(f"spark full build model execution: {spark_models:8.1f} s")
        print(f"ratio spark / duckdb full build (wall):   {spark_wall / med(full_wall):6.2f}")
        print(f"ratio spark / duckdb full build (models): {spark_models / med(full_models):6.2f}")
    print(f"warehouse: {workdir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
