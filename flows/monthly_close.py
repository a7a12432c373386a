"""Monthly close: rebuild last month's allocation, freeze its chargeback in dbt, write the chargeback CSVs."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task

from flows.alerts import alert_on_failure
from flows.locks import warehouse_lock
from flows.tasks import dbt_build_task, notify_task
from ingestion import warehouse as _warehouse

ALLOCATION_SELECT = ("fct_cost_allocation_monthly",)


@task(name="write-chargebacks", retries=0)
def chargeback_task(db_path: str, month: date, out_root: str, reused: bool) -> Any:
    """Read the month's frozen close from the marts and write the chargeback CSVs."""

    from flows.close import load_close, write_chargebacks

    with warehouse_lock(db_path):
        con = _warehouse.connect(db_path, read_only=True)
        try:
            result = load_close(con, month, reused=reused)
            write_chargebacks(con, result, Path(out_root))
        finally:
            con.close()
    return result


@flow(name="monthly_close", log_prints=True, on_failure=[alert_on_failure], on_crashed=[alert_on_failure])
def monthly_close(
    db: str | None = None,
    month: date | None = None,
    out: str | None = None,
    rebuild: bool = True,
    reclose: bool = False,
    notify: bool = True,
) -> Any:
    """Close ``month`` (default: last month).

    A month that is already closed keeps its frozen numbers unless ``reclose``; otherwise dbt freezes it
    in ``fct_chargeback_monthly`` (``close_month`` var), after a full refresh of the allocation mart
    (``rebuild``) so late usage and the rule versions in force are applied.
    """
    from flows.close import CLOSE_SELECT, is_closed, previous_month
    from flows.settings import close_dir
    from ingestion.warehouse import resolve_db_path

    db_path = str(resolve_db_path(db))
    month = (month or previous_month(date.today())).replace(day=1)
    out_root = str(close_dir(out))
    with warehouse_lock(db_path):
        con = _warehouse.connect(db_path)
        try:
            already = is_closed(con, month)
        finally:
            con.close()
    if reclose or not already:
        dbt_build_task(
            db_path,
            select=(*ALLOCATION_SELECT, *CLOSE_SELECT) if rebuild else CLOSE_SELECT,
            full_refresh=rebuild,
            dbt_vars={"close_month": month.isoformat()},
        )
    result = chargeback_task(db_path, month, out_root, reused=already and not reclose)
    log = get_run_logger()
    if not result.conserved:
        log.warning(
            "allocation for %s does not conserve pool amounts: pools %s, allocated %s",
            month,
            result.total_pool_amount,
            result.total_allocated,
        )
    print(
        f"closed {month:%Y-%m} ({'frozen earlier' if result.reused else 'frozen now'}, {result.close_id}): "
        f"direct {result.total_direct:.2f}, allocated {result.total_allocated:.2f} of pools "
        f"{result.total_pool_amount:.2f}; rule versions {', '.join(result.rule_versions) or 'n/a'}; "
        f"{len(result.files)} file(s) in {result.files[0].parent if result.files else out_root}"
    )
    if notify and not result.reused:
        notify_task(
            f"ccfinops: {month:%B %Y} closed",
            f"Chargeback for {month:%Y-%m} frozen ({result.close_id}); rule versions "
            f"{', '.join(result.rule_versions)}. Files: {result.files[-1] if result.files else out_root}",
            key=f"close:{month:%Y-%m}",
        )
    return result


if __name__ == "__main__":
    monthly_close()
