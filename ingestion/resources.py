"""Which vendor resources a run cannot do without (core) and which it can (auxiliary).

Core: Genesys conversation details (async jobs) and CXone completed contacts. Without them a run
has nothing to cost, so a core failure fails the run loudly (exit non-zero, reason printed);
what the other platform and the auxiliary resources fetched is still committed.

Auxiliary: everything else (billable usage, queue aggregates, data availability, dispositions, …).
An org may lack the permission or product, in which case the vendor answers 403/404: the resource
is marked ``unavailable`` (one warning line naming the endpoint and what it needs), the run goes on
and the warehouse models treat its data as absent. An auxiliary resource failing otherwise (5xx or
timeouts after the bounded retries) is marked ``failed``: the rest still commits and the run exits
with the distinct "partial" code (3).

Override the class of a resource with ``CCFINOPS_CORE_RESOURCES`` (comma-separated names, e.g.
``genesys.licence_usage`` to make a missing billing permission fatal).

Re-ask policy: an org's permissions and products change rarely, so an auxiliary resource found
unavailable (403/404) is not asked again on every hourly run. Until ``CCFINOPS_REPROBE_HOURS``
(default 24) have passed since the run that found it unavailable (``raw.ingest_run_stats``:
``unavailable_resources``, ``started_at``), it is *skipped* — not requested, recorded in
``skipped_resources``, treated as absent by the models — and the first run after that asks again
(a re-probe: one request; if the org gained the product, its data loads from then on). A resource
that *failed* (5xx/timeouts) is never skipped: the next run asks again, and the windows/months it
missed are retried (ledger, ``licence_retry_months``).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal, TypeVar

from ingestion.http import ApiError, AuthError

log = logging.getLogger("ccfinops.ingest")

Kind = Literal["core", "auxiliary"]
Status = Literal["ok", "unavailable", "failed", "skipped"]
REPROBE_HOURS = 24.0
T = TypeVar("T")


@dataclass(frozen=True)
class Resource:
    """One vendor endpoint the ingest reads."""

    name: str
    kind: Kind
    endpoint: str
    needs: str  # the permission / product an org must have


RESOURCES: dict[str, Resource] = {
    r.name: r
    for r in (
        Resource(
            "genesys.conversation_details",
            "core",
            "POST /api/v2/analytics/conversations/details/jobs",
            "analytics:conversationDetail:view",
        ),
        Resource(
            "genesys.data_availability",
            "auxiliary",
            "GET /api/v2/analytics/conversations/details/jobs/availability",
            "analytics:conversationDetail:view",
        ),
        Resource(
            "genesys.queue_intervals",
            "auxiliary",
            "POST /api/v2/analytics/conversations/aggregates/query",
            "analytics:conversationAggregate:view",
        ),
        Resource(
            "genesys.licence_usage",
            "auxiliary",
            "GET /api/v2/billing/reports/billableusage",
            "billing:subscription:view (Billing)",
        ),
        Resource(
            "genesys.billing_contracts",
            "auxiliary",
            "GET /api/v2/billing/contracts (billing periods, invoices, invoice lines; preview API)",
            "Billing contract/invoice view (preview; permission name not verified)",
        ),
        Resource(
            "cxone.completed_contacts",
            "core",
            "GET /incontactapi/services/{version}/contacts/completed",
            "Reporting API (Reports: Contact History view)",
        ),
        Resource(
            "cxone.dispositions",
            "auxiliary",
            "GET /incontactapi/services/{version}/dispositions",
            "ACD Dispositions view (Admin)",
        ),
    )
}


def kind_of(name: str) -> Kind:
    """``core`` or ``auxiliary`` (``CCFINOPS_CORE_RESOURCES`` promotes auxiliary ones)."""
    extra = {n.strip() for n in os.environ.get("CCFINOPS_CORE_RESOURCES", "").split(",") if n.strip()}
    return "core" if name in extra else RESOURCES[name].kind


def reprobe_after() -> timedelta:
    """How long an unavailable auxiliary resource is not asked again (``CCFINOPS_REPROBE_HOURS``)."""
    raw = os.environ.get("CCFINOPS_REPROBE_HOURS")
    try:
        hours = float(raw) if raw not in (None, "") else REPROBE_HOURS
    except ValueError as exc:
        raise ValueError(f"CCFINOPS_REPROBE_HOURS must be a number, got {raw!r}") from exc
    return timedelta(hours=max(0.0, hours))


def to_skip(
    history: list[tuple[datetime, str | None, str | None]], now: datetime, after: timedelta
) -> dict[str, datetime]:
    """Auxiliary resources to skip this run → when they were found unavailable.

    ``history``: (started_at, unavailable_resources, skipped_resources) of the platform's runs,
    newest first. A resource's last *probe* is the newest run that did not skip it; it is skipped
    when that probe found it unavailable less than ``after`` ago.
    """
    found: dict[str, datetime] = {}
    decided: set[str] = set()
    for started, unavailable, skipped in history:
        skipped_here = {n for n in (skipped or "").split(",") if n}
        for name in RESOURCES:
            if name in decided or name in skipped_here:
                continue
            decided.add(name)
            if (
                name in (unavailable or "").split(",")
                and now - started < after
                and kind_of(name) == "auxiliary"
            ):
                found[name] = started
    return found


@dataclass
class ResourceStatus:
    """What happened to one resource in a run."""

    name: str
    kind: Kind
    status: Status = "ok"
    http_status: int | None = None
    reason: str = ""


@dataclass
class ResourceTracker:
    """Per-run outcome of every resource of one platform."""

    platform: str
    statuses: dict[str, ResourceStatus] = field(default_factory=dict)
    skip: dict[str, datetime] = field(default_factory=dict)  # unavailable at → not asked this run

    def ok(self, name: str) -> None:
        """Note that ``name`` answered (unless it already failed)."""
        self.statuses.setdefault(name, ResourceStatus(name, kind_of(name)))

    def guard(self, name: str, fn: Callable[[], T], default: T) -> T:
        """``fn()``; for an auxiliary resource a vendor error returns ``default`` and is recorded.

        403/404 → ``unavailable`` (the org lacks the permission/product); anything else the HTTP
        layer gave up on (5xx, timeouts, after bounded retries) → ``failed``. Auth errors and any
        error of a core resource propagate. A resource in ``skip`` is not called at all.
        """
        if name in self.skip and kind_of(name) == "auxiliary":
            if name not in self.statuses:
                since = self.skip[name]
                log.info(
                    "%s: %s not asked (unavailable at %s; re-probed %s later)",
                    self.platform,
                    name,
                    since.isoformat(timespec="minutes"),
                    reprobe_after(),
                )
                reason = f"unavailable at {since.isoformat(timespec='minutes')}"
                self.statuses[name] = ResourceStatus(name, "auxiliary", "skipped", None, reason)
            return default
        try:
            value = fn()
        except AuthError:
            raise
        except ApiError as exc:
            if kind_of(name) == "core":
                self.statuses[name] = ResourceStatus(name, "core", "failed", exc.status, str(exc))
                raise
            self.mark(name, exc)
            return default
        self.ok(name)
        return value

    def mark(self, name: str, exc: ApiError) -> None:
        """Record an auxiliary failure once and print one warning line."""
        if name in self.statuses and self.statuses[name].status != "ok":
            return
        res = RESOURCES[name]
        if exc.status in (403, 404):
            status: Status = "unavailable"
            reason = f"HTTP {exc.status}: needs {res.needs}"
            log.warning(
                "%s: %s unavailable for this org (%s answered %s; needs %s); continuing without it",
                self.platform,
                name,
                res.endpoint,
                exc.status,
                res.needs,
            )
        else:
            status = "failed"
            reason = str(exc)
            log.warning(
                "%s: %s failed (%s): %s; other resources still load", self.platform, name, res.endpoint, exc
            )
        self.statuses[name] = ResourceStatus(name, "auxiliary", status, exc.status, reason)

    def by_status(self, status: Status) -> list[str]:
        """Names of resources with ``status``."""
        return sorted(n for n, s in self.statuses.items() if s.status == status)
