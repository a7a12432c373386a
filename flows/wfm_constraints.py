"""Feed cost constraints back into workforce scheduling (``POST /api/v2/scheduling/groups/shifts``)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from prefect import flow, task

from flows.alerts import alert_on_failure


@task(name="compute-wfm-constraints", retries=0)
def compute_task(db_path: str, week_start: date, tz: str) -> dict[str, Any]:
    """Constraints per queue × shift from ``fct_wfm_shift_constraints``, as the scheduling payload."""
    from flows.wfm import build_payload, load_constraints

    constraints = load_constraints(db_path, week_start, tz)
    if not constraints:
        raise LookupError(f"no queue cost in the history before {week_start}: nothing to constrain")
    return build_payload(constraints, week_start, tz=tz)


@task(name="post-wfm-constraints", retries=2, retry_delay_seconds=[5, 20])
def post_task(payload: dict[str, Any]) -> dict[str, Any]:
    """POST the payload (the shared client retries 429/5xx; a whole-task retry re-posts the same body)."""
    from flows.wfm import post_payload

    return post_payload(payload)


@flow(name="wfm_constraints", log_prints=True, on_failure=[alert_on_failure], on_crashed=[alert_on_failure])
def wfm_constraints(
    db: str | None = None,
    week_start: date | None = None,
    timezone: str | None = None,
    dry_run: bool = False,
) -> dict[str, Any]:
    """Compute ``maxCostPerHour`` / ``minQualityThreshold`` per queue and shift for the coming week and push.

    ``dry_run`` prints the payload instead of posting it.
    """
    from flows.settings import timezone_name
    from flows.wfm import next_week_start
    from ingestion.warehouse import resolve_db_path

    db_path = str(resolve_db_path(db))
    week = week_start or next_week_start(date.today())
    payload = compute_task(db_path, week, timezone_name(timezone))
    if dry_run:
        print(json.dumps(payload, indent=2))
        return {"payload": payload, "response": None}
    response = post_task(payload)
    ident = response.get("id") if isinstance(response, dict) else response
    print(f"pushed {len(payload['shifts'])} shift constraints for the week of {week} (id {ident})")
    return {"payload": payload, "response": response}


if __name__ == "__main__":
    wfm_constraints()
