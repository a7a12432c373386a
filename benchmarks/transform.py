"""Benchmark the dbt transform: full build, incremental build, and a hand-written DuckDB baseline.

    python benchmarks/transform.py            # 10 M simulated conversations
    python benchmarks/transform.py --quick    # 200 k conversations
    python benchmarks/transform.py --rows 2000000 --repeats 3

From one warehouse it reports:
  * full ``dbt build`` (--full-refresh): wall time and the summed model execution time from
    ``run_results.json`` (dbt start-up and parsing excluded from the latter);
  * an incremental ``dbt build`` after one more hour of traffic is appended;
  * one hand-written DuckDB query computing ``fct_cost_allocation_monthly`` from the same raw
    tables (rating, attribution, allocation with largest remainder) - checked to give exactly
    the dbt mart's rows.
  * dbt start-up alone (``dbt parse``: load the project, check the partial-parse cache, write the
    manifest), so the incremental wall time can be read without it;
  * with ``--spark`` (default when pyspark and java are available): the same raw data exported as
    parquet (``ingestion/lake.py``) and the same full ``dbt build`` on the ``spark`` target
    (local[2] Spark in this process), beside DuckDB's.
Ratios: model execution / hand-written query (target <= 3), incremental / full build (<= 0.10),
Spark full build / DuckDB full build. Medians of ``--repeats`` runs (Spark: one run).
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

from flows.dbt_runner import artifacts_dir, model_timings, run_dbt  # noqa: E402
from ingestion.registries import load_registries  # noqa: E402
from simulator.synthetic_raw import DEFAULT_DAYS, append_hour, write_synthetic_raw  # noqa: E402

TOLL_FREE = "('800', '833', '844', '855', '866', '877', '888')"


def _number_type(col: str) -> str:
    digits = f"regexp_replace({col}, '[^0-9]', '', 'g')"
    national = f"case when length({digits}) = 11 and {digits}[1] = '1' then {digits}[2:] else {digits} end"
    return (
        f"case when {col} is null then null when ({national})[1:3] in {TOLL_FREE} then 'toll_free'"
        " else 'local' end"
    )


#: fct_cost_allocation_monthly from raw, written by hand for DuckDB (no dbt, no intermediate tables)
HAND_WRITTEN = f"""
with
mappings as (select * from raw.config_cost_center_mappings),
registered as (select cost_center from raw.config_cost_centers),
acd as (
    select conversation_id, arg_min(queue_id, segment_start) as orig_q,
        arg_max(queue_id, segment_start) as final_q
    from raw.genesys_segments where purpose = 'acd' and queue_id is not null group by 1
),
cx_orig as (
    select cast(coalesce(master_contact_id, contact_id) as varchar) as master,
        cast(arg_min(skill_id, (contact_start, contact_id)) as varchar) as orig_q
    from raw.cxone_contacts group by 1
),
items as (
    select 'genesys' as platform, 'voice' as usage_type, s.session_id as src,
        cast(s.session_start at time zone 'UTC' as date) as d, a.final_q as q, a.orig_q as oq,
        c.campaign_id as campaign, s.provider as carrier, s.direction,
        {_number_type("coalesce(s.dnis, s.ani)")} as nt,
        epoch_ms(s.session_end) - epoch_ms(s.session_start) as ms, c.cost_center as explicit, false as prov
    from raw.genesys_sessions s
    left join raw.genesys_conversations c on c.conversation_id = s.conversation_id
    left join acd a on a.conversation_id = s.conversation_id
    where s.provider is not null and s.purpose in ('customer', 'external')
        and epoch_ms(s.session_end) - epoch_ms(s.session_start) > 0
    union all
    select 'genesys', 'transcription', c.conversation_id,
        cast(c.conversation_start at time zone 'UTC' as date),
        a.final_q, a.orig_q, c.campaign_id, null, null, null, c.transcription_ms, c.cost_center, false
    from raw.genesys_conversations c left join acd a on a.conversation_id = c.conversation_id
    where c.transcription_ms > 0
    union all
    select 'genesys', 'wem_evaluation', e.evaluation_id, cast(e.evaluated_at at time zone 'UTC' as date),
        a.final_q, a.orig_q, c.campaign_id, null, null, null, null, c.cost_center, false
    from raw.genesys_evaluations e
    left join raw.genesys_conversations c on c.conversation_id = e.conversation_id
    left join acd a on a.conversation_id = e.conversation_id
    union all
    select 'cxone', 'voice', cast(x.contact_id as varchar), cast(x.contact_start at time zone 'UTC' as date),
        cast(x.skill_id as varchar), o.orig_q, cast(x.campaign_id as varchar), x.carrier,
        case when x.is_outbound then 'outbound' else 'inbound' end,
        coalesce(nullif(x.number_type, ''), {_number_type("coalesce(x.point_of_contact, x.to_addr)")}),
        x.total_duration_seconds * 1000, null, false
    from raw.cxone_contacts x
    left join cx_orig o on o.master = cast(coalesce(x.master_contact_id, x.contact_id) as varchar)
    where lower(x.media_type) in ('voice', 'call', 'phonecall', 'phone call', '4')
        and x.total_duration_seconds > 0
    union all
    select 'genesys', 'voice', md5(queue_id || '|' || interval_start || '|' || media_type),
        cast(interval_start at time zone 'UTC' as date), queue_id, queue_id, null,
        'genesys_cloud_voice', 'inbound', 'local', t_handle_sum_ms, null, true
    from raw.genesys_queue_intervals where is_provisional and media_type = 'voice' and t_handle_sum_ms > 0
),
attributed as (
    select i.*,
        coalesce(man.cost_center, ex.cost_center, o.cost_center, op1.cost_center, op2.cost_center,
            h.cost_center, hp1.cost_center, hp2.cost_center, cm.cost_center, 'UNATTRIBUTED') as cost_center
    from items i
    left join raw.manual_attributions ma on ma.source_record_id = i.src
    left join registered man on man.cost_center = ma.cost_center
    left join registered ex on ex.cost_center = i.explicit
    left join mappings o on o.platform = i.platform and o.key_type = 'queue' and o.key = i.oq
        and i.d >= o.effective_from and (o.effective_to is null or i.d < o.effective_to)
    left join mappings op1 on op1.platform = i.platform and op1.key_type = 'queue'
        and op1.key = o.parent_queue_id
        and i.d >= op1.effective_from and (op1.effective_to is null or i.d < op1.effective_to)
    left join mappings op2 on op2.platform = i.platform and op2.key_type = 'queue'
        and op2.key = op1.parent_queue_id
        and i.d >= op2.effective_from and (op2.effective_to is null or i.d < op2.effective_to)
    left join mappings h on h.platform = i.platform and h.key_type = 'queue' and h.key = i.q
        and i.d >= h.effective_from and (h.effective_to is null or i.d < h.effective_to)
    left join mappings hp1 on hp1.platform = i.platform and hp1.key_type = 'queue'
        and hp1.key = h.parent_queue_id
        and i.d >= hp1.effective_from and (hp1.effective_to is null or i.d < hp1.effective_to)
    left join mappings hp2 on hp2.platform = i.platform and hp2.key_type = 'queue'
        and hp2.key = hp1.parent_queue_id
        and i.d >= hp2.effective_from and (hp2.effective_to is null or i.d < hp2.effective_to)
    left join mappings cm on cm.platform = i.platform and cm.key_type = 'campaign' and cm.key = i.campaign
        and i.d >= cm.effective_from and (cm.effective_to is null or i.d < cm.effective_to)
),
rated as (
    select a.platform, a.cost_center, a.usage_type, a.d, a.ms,
        coalesce(r.currency, w.currency) as currency, coalesce(r.rate, w.rate) as rate,
        coalesce(r.unit, w.unit) as unit,
        coalesce(r.increment_seconds, w.increment_seconds) as inc,
        case when a.prov then 0 else coalesce(r.minimum_seconds, w.minimum_seconds) end as mins
    from attributed a
    left join raw.config_rate_cards r on r.usage_type = a.usage_type and r.carrier = coalesce(a.carrier, '*')
        and r.direction = coalesce(a.direction, '*') and r.number_type = coalesce(a.nt, '*')
        and a.d >= r.effective_from and (r.effective_to is null or a.d < r.effective_to)
    left join raw.config_rate_cards w on w.usage_type = a.usage_type and w.carrier = '*' and w.direction = '*'
        and w.number_type = '*' and a.d >= w.effective_from
        and (w.effective_to is null or a.d < w.effective_to)
),
costed as (
    select platform, cost_center, usage_type, currency, date_trunc('month', d)::date as month, ms,
        case
            when rate is null then null
            when unit = 'evaluation' then rate
            else ((2 * (case when ms <= 0 then 0 when coalesce(inc, 0) <= 0 then (ms + 999) // 1000
                        else greatest((ms + inc * 1000 - 1) // (inc * 1000) * inc, mins) end)::hugeint
                   * (rate * 1000000)::bigint + 60) // 120)::decimal(18, 0) * 0.000001::decimal(18, 6)
        end as cost
    from rated
),
usage_months as (
    select month, platform, cost_center, currency,
        sum(case when usage_type = 'voice' then ms else 0 end) as queue_ms, sum(cost) as direct_cost
    from costed group by all
),
months as (
    select cast(range as date) as month from range(
        (select min(period_start) from raw.config_cost_pools)::timestamp,
        greatest((select max(coalesce(period_end, period_start)) from raw.config_cost_pools),
                 coalesce((select max(month) from usage_months),
                          (select max(period_start) from raw.config_cost_pools)))
            ::timestamp + interval 1 day,
        interval 1 month)
),
pool_months as (
    select m.month, p.pool_name as cost_pool, p.platform as pool_platform, p.currency,
        least(p.monthly_amount, coalesce(p.cap, p.monthly_amount))::decimal(18, 6) as pool_amount,
        p.rule_version
    from raw.config_cost_pools p join months m on m.month >= date_trunc('month', p.period_start)
        and (p.period_end is null and m.month <= (select max(month) from usage_months)
             or m.month < p.period_end)
    qualify row_number() over (partition by p.pool_name, m.month order by p.period_start desc) = 1
),
basis as (
    select pm.month, pm.cost_pool, pm.pool_amount, pm.currency, pm.rule_version, u.cost_center,
        sum(u.queue_ms) as queue_ms, sum(u.direct_cost) as direct_cost,
        (2 * (pm.pool_amount * 1000000)::bigint + 10000) // 20000 as pool_cents
    from pool_months pm join usage_months u on u.month = pm.month
        and pm.currency = coalesce(u.currency, pm.currency)
        and (pm.pool_platform = 'all' or pm.pool_platform = u.platform)
    group by all
),
shares as (
    select *, sum(queue_ms) over w as total_ms,
        (queue_ms::hugeint * pool_cents) // sum(queue_ms::hugeint) over w as floor_cents,
        (queue_ms::hugeint * pool_cents) % sum(queue_ms::hugeint) over w as remainder
    from basis window w as (partition by month, cost_pool)
),
ranked as (
    select *, row_number() over (partition by month, cost_pool order by remainder desc, cost_center) as rk,
        pool_cents - sum(floor_cents) over (partition by month, cost_pool) as leftover
    from shares where total_ms > 0
)
select month, cost_pool, cost_center, pool_amount, currency,
    ((2 * queue_ms::hugeint * 1000 + 60) // 120)::decimal(18, 0) * 0.000001::decimal(18, 6) as queue_minutes,
    ((2 * total_ms::hugeint * 1000 + 60) // 120)::decimal(18, 0) * 0.000001::decimal(18, 6) as total_minutes,
    ((2 * queue_ms::hugeint * 1000000 + total_ms) // (2 * total_ms))::decimal(18, 0)
        * 0.000001::decimal(18, 6) as allocation_share,
    (floor_cents + case when rk <= leftover then 1 else 0 end)::decimal(18, 0) * 0.01::decimal(18, 6)
        as allocated_shared_cost,
    coalesce(direct_cost, 0)::decimal(18, 6) as direct_cost, rule_version as allocation_rule_version
from ranked
union all
select month, cost_pool, 'UNALLOCATED', pool_amount, currency, 0, 0, null,
    ((2 * (pool_amount * 1000000)::bigint + 10000) // 20000)::decimal(18, 0) * 0.01::decimal(18, 6), 0,
    rule_version
from pool_months pm
where not exists (
    select 1 from basis b where b.month = pm.month and b.cost_pool = pm.cost_pool and b.queue_ms > 0
)
"""

COMPARE_COLUMNS = (
    "month, cost_pool, cost_center, pool_amount, currency, queue_minutes, total_minutes, allocation_share,"
    " allocated_shared_cost, direct_cost, allocation_rule_version"
)


def run_hand_written(db: Path) -> tuple[float, int, int]:
    """Seconds for the hand-written query, its row count, and rows differing from the dbt mart."""
    import duckdb

    con = duckdb.connect(str(db))
    try:
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


def timed_build(db: Path, args: list[str]) -> tuple[float, float]:
    """Wall seconds of one ``dbt build`` and the summed execution time of its models."""
    start = time.perf_counter()
    # one thread: the summed model times are then real execution, not time spent waiting for a core
    run_dbt(["build", "--threads", "1", *args], db, quiet=True)
    wall = time.perf_counter() - start
    results = artifacts_dir(db, "duckdb") / "target" / "run_results.json"
    models = {k: v for k, v in model_timings(results).items() if k.startswith("model.")}
    slowest = sorted(models.items(), key=lambda kv: -kv[1])[:5]
    print("    slowest models: " + ", ".join(f"{k.split('.')[-1]} {v:.2f} s" for k, v in slowest))
    print(f"    data tests: {data_test_seconds(results):.2f} s")
    return wall, sum(models.values())


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

    full_wall, full_models, incr_wall, incr_models, hand = [], [], [], [], []
    hour = max(1, round(rows / (args.days * 24)))
    for repeat in range(repeats):
        db = workdir / "run.duckdb"
        shutil.copy(base, db)
        wall, models = timed_build(db, ["--full-refresh", *select])
        full_wall.append(wall)
        full_models.append(models)
        seconds, hand_rows, diff = run_hand_written(db)
        hand.append(seconds)
        if diff:
            print(f"hand-written query differs from the dbt mart in {diff} rows", file=sys.stderr)
            return 1
        append_hour(db, hour, seed=100 + repeat)
        wall, models = timed_build(db, select)
        incr_wall.append(wall)
        incr_models.append(models)
        print(
            f"run {repeat + 1}: full {full_wall[-1]:.1f} s (models {full_models[-1]:.1f} s), "
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
    print(f"full build model execution:       {med(full_models):8.1f} s (run_results.json)")
    print(f"hand-written DuckDB allocation:   {med(hand):8.2f} s")
    print(f"incremental build (+1 hour) wall: {med(incr_wall):8.1f} s (models {med(incr_models):.1f} s)")
    print(f"ratio model execution / hand-written: {med(full_models) / med(hand):6.2f}  (target <= 3)")
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
