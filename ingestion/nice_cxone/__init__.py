"""dlt source ``nice_cxone``: completed contacts from the Reporting API (skip/top, ``_links.next``, 204)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import dlt
from dlt.sources import DltResource

from ingestion.genesys_cloud import SourceStats
from ingestion.http import ApiClient, CxonePasswordGrant, RetryPolicy, RunCounters, TokenBucket
from ingestion.nice_cxone import helpers as h
from ingestion.nice_cxone import settings as s
from ingestion.resources import ResourceTracker
from ingestion.windows import chunk

__all__ = ["CxoneOptions", "make_client", "nice_cxone"]

ProgressFn = Callable[[str, int, int, int], None]


@dataclass
class CxoneOptions:
    """Tuning knobs for CXone pulls."""

    rate_per_min: float = s.DEFAULT_RATE_PER_MIN
    burst: float | None = None
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    api_version: str = s.API_VERSION
    window: timedelta = timedelta(days=7)
    top: int = s.PAGE_TOP


def make_client(
    auth_base: str,
    api_base: str | None,
    access_key_id: str,
    access_key_secret: str,
    client_id: str,
    client_secret: str,
    options: CxoneOptions,
    counters: RunCounters | None = None,
) -> ApiClient:
    """The shared HTTP client for CXone; without ``api_base`` the API host is discovered."""
    auth = CxonePasswordGrant(auth_base, access_key_id, access_key_secret, client_id, client_secret)
    api = ApiClient(
        "cxone",
        api_base or auth_base,
        auth,
        TokenBucket(options.rate_per_min, options.burst),
        options.retry,
        counters,
    )
    if not api_base:
        api.base_url = h.discover_api_endpoint(api, auth)
    return api


@dlt.source(name=s.SOURCE_NAME, max_table_nesting=0)
def nice_cxone(
    start: datetime,
    end: datetime,
    access_key_id: str | None = dlt.secrets.value,
    access_key_secret: str | None = dlt.secrets.value,
    client_id: str | None = dlt.secrets.value,
    client_secret: str | None = dlt.secrets.value,
    auth_base: str | None = dlt.config.value,
    api_base: str | None = None,
    options: CxoneOptions | None = None,
    api: ApiClient | None = None,
    stats: SourceStats | None = None,
    progress: ProgressFn | None = None,
    tracker: ResourceTracker | None = None,
) -> Sequence[DltResource]:
    """CXone completed contacts that started in [start, end).

    Args:
        start: first instant (already extended back by the trailing window).
        end: end of the pull (exclusive).
        access_key_id: CXone access key id (password-grant username).
        access_key_secret: access key secret (password-grant password).
        client_id: registered application client id (Basic client auth).
        client_secret: application client secret.
        auth_base: auth host, e.g. ``https://cxone.niceincontact.com``.
        api_base: API host; discovered from ``/.well-known/cxone-configuration`` when empty.
        options: limiter/retry/version tuning.
        api: a ready client (the pipeline passes one so counters are shared).
        stats: filled with what was extracted.
        progress: ``fn(platform, done, total, records)`` after each window.
        tracker: records each resource's outcome (dispositions are auxiliary: names stay empty).
    """
    opts = options or CxoneOptions()
    if api is None:
        if not (access_key_id and access_key_secret and client_id and client_secret and auth_base):
            raise ValueError("nice_cxone needs the access key, the client id/secret and auth_base")
        api = make_client(
            auth_base, api_base, access_key_id, access_key_secret, client_id, client_secret, opts
        )
    st = stats if stats is not None else SourceStats()
    rt = tracker if tracker is not None else ResourceTracker(s.PLATFORM)

    @dlt.resource(name=s.CONTACTS_TABLE, write_disposition="merge", primary_key=s.PRIMARY_KEY)
    def completed_contacts() -> Iterator[Any]:
        """Completed contacts as Arrow tables, window by window."""
        windows = chunk(start, end, min(opts.window, timedelta(days=s.MAX_RANGE_DAYS)))
        st.windows_total = len(windows)
        flattener: h.ContactFlattener | None = None
        for window in windows:
            for page in h.completed_contact_pages(api, window, opts.api_version, opts.top):
                if flattener is None:  # lookups after the core resource answered, never as a gate
                    rt.ok("cxone.completed_contacts")
                    names = rt.guard("cxone.dispositions", lambda: h.dispositions(api, opts.api_version), {})
                    flattener = h.ContactFlattener(names)
                table = flattener.table(page)
                st.count(s.CONTACTS_TABLE, table.num_rows)
                yield table
            st.windows_done += 1
            if progress:
                progress(s.PLATFORM, st.windows_done, st.windows_total, sum(st.records.values()))
        rt.ok("cxone.completed_contacts")
        state = dlt.current.source_state()
        old = state.get("pulled_until")
        if old is None or end.isoformat() > old:
            state["pulled_until"] = end.isoformat()
        st.pulled_until = datetime.fromisoformat(state["pulled_until"])

    from ingestion.nice_cxone.wfm import wfm_resources  # auxiliary (issue 16)

    return (completed_contacts, *wfm_resources(api, opts.api_version, start, end))
