"""Genesys Cloud helpers: the API calls, the async-job runner and the record flatteners."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from ingestion.genesys_cloud import settings as s
from ingestion.http import ApiClient, ApiError
from ingestion.windows import Window, iso_z


class JobLost(Exception):
    """A detail job (or its cursor) expired or failed before every page was read."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass
class JobTuning:
    """How detail jobs are polled and paged."""

    page_size: int = s.JOB_PAGE_SIZE
    poll_initial_s: float = 0.25
    poll_max_s: float = 3.0
    timeout_s: float = 900.0


@dataclass
class WindowResult:
    """The flattened granular data of one successfully pulled window."""

    window: Window
    conversations: list[pa.Table] = field(default_factory=list)
    sessions: list[pa.Table] = field(default_factory=list)
    segments: list[pa.Table] = field(default_factory=list)
    evaluations: list[pa.Table] = field(default_factory=list)
    pages: int = 0
    records: int = 0


# ----------------------------------------------------------------------------- API calls
def availability(api: ApiClient) -> datetime | None:
    """``dataAvailabilityDate`` of the detail-job data lake."""
    body = api.get_json(s.AVAILABILITY_PATH)
    value = (body or {}).get("dataAvailabilityDate")
    return parse_ts(value) if value else None


def submit_detail_job(api: ApiClient, window: Window) -> str:
    """Submit a detail job for ``window``; returns its id."""
    body = {"interval": window.interval(), "order": "asc", "orderBy": "conversationStart"}
    return str(api.post_json(s.JOBS_PATH, body)["jobId"])


def run_detail_job(
    api: ApiClient,
    window: Window,
    tuning: JobTuning,
    on_page: Callable[[list[dict[str, Any]]], None],
    sleep: Callable[[float], None] = time.sleep,
    job_id: str | None = None,
    read_page: Callable[[bytes], str | None] | None = None,
) -> int:
    """Submit a detail job for ``window`` (unless ``job_id`` names one already submitted), wait for
    it, and hand every result page to ``on_page`` (or, when given, its raw bytes to ``read_page``,
    which returns the page's cursor).

    Raises ``JobLost`` (reason ``job_expired`` or ``cursor_expired``) when the job ends FAILED,
    EXPIRED or CANCELLED, when its results vanish, or when a cursor is rejected. Returns pages read.
    """
    job_id = job_id or submit_detail_job(api, window)
    delay = tuning.poll_initial_s
    deadline = time.monotonic() + tuning.timeout_s
    while True:
        status = api.get_json(f"{s.JOBS_PATH}/{job_id}")
        state = status.get("state")
        if state == "FULFILLED":
            break
        if state in s.LOST_JOB_STATES:
            raise JobLost("job_expired", f"job {job_id} {state}: {status.get('errorMessage') or ''}".strip())
        if time.monotonic() > deadline:
            raise JobLost("job_expired", f"job {job_id} still {state} after {tuning.timeout_s:.0f}s")
        sleep(delay)
        delay = min(tuning.poll_max_s, delay * 1.6)
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"pageSize": tuning.page_size}
        if cursor:
            params["cursor"] = cursor
        try:
            resp = api.request("GET", f"{s.JOBS_PATH}/{job_id}/results", params=params)
        except ApiError as exc:
            if exc.status in (400, 404, 410):
                reason = "cursor_expired" if cursor and exc.status == 400 else "job_expired"
                raise JobLost(reason, exc.vendor_message) from exc
            raise
        pages += 1
        if read_page is not None:
            cursor = read_page(resp.content)
        else:
            page = orjson.loads(resp.content)  # an empty body fails loudly, as before
            on_page(page.get("conversations") or [])
            cursor = page.get("cursor")
        if not cursor:
            return pages


def aggregates(api: ApiClient, window: Window, granularity: str = s.AGGREGATE_GRANULARITY) -> list[dict]:
    """Queue × media-type × interval aggregates for ``window`` as ``genesys_queue_intervals`` rows."""
    body = {
        "interval": window.interval(),
        "granularity": granularity,
        "timeZone": "UTC",
        "groupBy": ["queueId", "mediaType"],
        "metrics": s.AGGREGATE_METRICS,
    }
    answer = api.post_json(s.AGGREGATES_PATH, body) or {}
    rows: list[dict[str, Any]] = []
    for result in answer.get("results") or []:
        group = result.get("group") or {}
        for bucket in result.get("data") or []:
            start_s, end_s = bucket["interval"].split("/")
            stats = {m["metric"]: m.get("stats") or {} for m in bucket.get("metrics") or []}
            answered = stats.get("nConnected") or stats.get("nAnswered") or {}
            rows.append(
                {
                    "queue_id": group.get("queueId"),
                    "interval_start": parse_ts(start_s),
                    "interval_end": parse_ts(end_s),
                    "media_type": group.get("mediaType") or "unknown",
                    "n_offered": int(stats.get("nOffered", {}).get("count") or 0),
                    "n_answered": int(answered.get("count") or 0),
                    "t_handle_count": int(stats.get("tHandle", {}).get("count") or 0),
                    "t_handle_sum_ms": int(stats.get("tHandle", {}).get("sum") or 0),
                    "t_talk_sum_ms": int(stats.get("tTalk", {}).get("sum") or 0),
                    "t_acw_sum_ms": int(stats.get("tAcw", {}).get("sum") or 0),
                }
            )
    return rows


def billable_usage(
    api: ApiClient,
    start: datetime,
    end: datetime,
    tuning: JobTuning,
    sleep: Callable[[float], None] = time.sleep,
) -> list[dict[str, Any]]:
    """Licence usage for [start, end): one row per charge name (polls while ``InProgress``)."""
    params = {"startDate": iso_z(start), "endDate": iso_z(end)}
    delay = tuning.poll_initial_s
    deadline = time.monotonic() + tuning.timeout_s
    while True:
        body = api.get_json(s.BILLABLE_USAGE_PATH, params=params) or {}
        if body.get("status") == "Complete":
            break
        if time.monotonic() > deadline:
            raise ApiError(
                "genesys", None, f"billable usage still {body.get('status')}", s.BILLABLE_USAGE_PATH
            )
        sleep(delay)
        delay = min(tuning.poll_max_s, delay * 1.6)
    rows = []
    for usage in body.get("usages") or []:
        total = usage.get("totalUsage")
        count = int(Decimal(str(total))) if total not in (None, "") else len(usage.get("resources") or [])
        rows.append(
            {"period_start": start, "period_end": end, "charge_name": usage["name"], "user_count": count}
        )
    return rows


# ----------------------------------------------------------------------------- flatteners
class DetailFlattener:
    """Turns detail-record pages into column lists, then Arrow tables with the declared schemas.

    ``late_before``: conversations that started before it and are not in ``known`` are flagged
    ``is_late``; ``known`` maps already-loaded conversation ids to their stored ``is_late``.
    """

    def __init__(self, late_before: str | None = None, known: dict[str, bool] | None = None) -> None:
        self.late_before = late_before
        self.known = known or {}
        self._reset()

    def _reset(self) -> None:
        self.conv: dict[str, list[Any]] = {n: [] for n in s.CONVERSATIONS_SCHEMA.names}
        # sessions keep the row of their conversation, segments the row of their session; the
        # repeated columns (ids, purpose, user) are filled by Arrow ``take`` in ``flush``
        self.sess: dict[str, list[Any]] = {n: [] for n in _SESSION_OWN + ("_conv_row",)}
        self.seg: dict[str, list[Any]] = {n: [] for n in _SEGMENT_OWN + ("_sess_row",)}
        self.ev: dict[str, list[Any]] = {n: [] for n in s.EVALUATIONS_SCHEMA.names}

    def add(self, conversations: Iterable[dict[str, Any]]) -> int:
        """Flatten a page of conversations; returns how many were added."""
        c, ss, sg, ev = self.conv, self.sess, self.seg, self.ev
        (c_id, c_start, c_end, c_dir, c_media, c_div, c_cc, c_camp, c_wrap, c_tr, c_late) = (
            c[n] for n in s.CONVERSATIONS_SCHEMA.names
        )
        (
            s_id,
            s_part,
            s_purp,
            s_media,
            s_dir,
            s_prov,
            s_pcid,
            s_ani,
            s_dnis,
            s_user,
            s_start,
            s_end,
            s_crow,
        ) = (ss[n] for n in _SESSION_OWN + ("_conv_row",))
        (g_idx, g_type, g_q, g_start, g_end, g_wrap, g_disc, g_srow) = (
            sg[n] for n in _SEGMENT_OWN + ("_sess_row",)
        )
        late_before, known = self.late_before, self.known
        n = 0
        crow = len(c_id)
        srow = len(s_id)
        for conv in conversations:
            cid = conv["conversationId"]
            start = conv.get("conversationStart")
            media = cost_center = campaign = wrapup = None
            transcription = 0
            for part in conv.get("participants") or ():
                purpose = part.get("purpose")
                pid = part.get("participantId")
                user = part.get("userId")
                attrs = part.get("attributes")
                if attrs and cost_center is None:
                    cost_center = attrs.get("ccfinops_cost_center")
                for sess in part.get("sessions") or ():
                    sid = sess["sessionId"]
                    smedia = sess.get("mediaType")
                    if media is None and purpose in ("customer", "external"):
                        media = smedia
                    if campaign is None:
                        campaign = sess.get("outboundCampaignId")
                    for metric in sess.get("metrics") or ():
                        if metric.get("name") == "tTranscription":
                            transcription += int(metric.get("value") or 0)
                    first = last = None
                    for idx, seg in enumerate(sess.get("segments") or ()):
                        st, en = seg.get("segmentStart"), seg.get("segmentEnd")
                        if st is not None and (first is None or st < first):
                            first = st
                        if en is not None and (last is None or en > last):
                            last = en
                        stype = seg.get("segmentType")
                        code = seg.get("wrapUpCode")
                        if code is not None and purpose == "agent" and stype == "wrapup":
                            wrapup = code
                        g_srow.append(srow)
                        g_idx.append(idx)
                        g_type.append(stype)
                        g_q.append(seg.get("queueId"))
                        g_start.append(st)
                        g_end.append(en)
                        g_wrap.append(code)
                        g_disc.append(seg.get("disconnectType"))
                    s_id.append(sid)
                    s_crow.append(crow)
                    s_part.append(pid)
                    s_purp.append(purpose)
                    s_media.append(smedia)
                    s_dir.append(sess.get("direction"))
                    s_prov.append(sess.get("provider"))
                    s_pcid.append(sess.get("protocolCallId"))
                    s_ani.append(sess.get("ani"))
                    s_dnis.append(sess.get("dnis"))
                    s_user.append(user)
                    s_start.append(first)
                    s_end.append(last)
                    srow += 1
            for evaluation in conv.get("evaluations") or ():
                ev["evaluation_id"].append(evaluation["evaluationId"])
                ev["conversation_id"].append(cid)
                ev["user_id"].append(evaluation.get("userId"))
                ev["evaluated_at"].append(evaluation.get("eventTime"))
                score = evaluation.get("oTotalScore")
                ev["total_score"].append(float(score) if score is not None else None)
            if cid in known:
                late = known[cid]
            else:
                late = late_before is not None and start is not None and start < late_before
            c_id.append(cid)
            c_start.append(start)
            c_end.append(conv.get("conversationEnd"))
            c_dir.append(conv.get("originatingDirection"))
            c_media.append(media)
            divs = conv.get("divisionIds")
            c_div.append(divs[0] if divs else None)
            c_cc.append(cost_center)
            c_camp.append(campaign)
            c_wrap.append(wrapup)
            c_tr.append(transcription)
            c_late.append(late)
            crow += 1
            n += 1
        return n

    def flush(self, result: WindowResult) -> None:
        """Move the buffered columns into ``result`` as Arrow tables."""
        if self.conv["conversation_id"]:
            conv = _table(self.conv, s.CONVERSATIONS_SCHEMA)
            conv_rows = pa.array(self.sess["_conv_row"], pa.int64())
            sess = _table(
                self.sess | {"conversation_id": conv["conversation_id"].take(conv_rows)}, s.SESSIONS_SCHEMA
            )
            sess_rows = pa.array(self.seg["_sess_row"], pa.int64())
            index = pa.array(self.seg["segment_index"], pa.int32())
            session_id = sess["session_id"].take(sess_rows)
            inherited = {
                "segment_id": pc.binary_join_element_wise(session_id, index.cast(pa.string()), ":"),
                "conversation_id": sess["conversation_id"].take(sess_rows),
                "session_id": session_id,
                "segment_index": index,
                "purpose": sess["purpose"].take(sess_rows),
                "user_id": sess["user_id"].take(sess_rows),
            }
            result.conversations.append(conv)
            result.sessions.append(sess)
            result.segments.append(_table(self.seg | inherited, s.SEGMENTS_SCHEMA))
        if self.ev["evaluation_id"]:
            result.evaluations.append(_table(self.ev, s.EVALUATIONS_SCHEMA))
        self._reset()


_SESSION_OWN = tuple(n for n in s.SESSIONS_SCHEMA.names if n != "conversation_id")
_SEGMENT_OWN = (
    "segment_index",
    "segment_type",
    "queue_id",
    "segment_start",
    "segment_end",
    "wrapup_code",
    "disconnect_type",
)


def _table(columns: dict[str, Any], schema: pa.Schema) -> pa.Table:
    arrays = []
    for f in schema:
        values = columns[f.name]
        if isinstance(values, pa.ChunkedArray | pa.Array):
            arrays.append(values.cast(f.type) if values.type != f.type else values)
        elif pa.types.is_timestamp(f.type):
            arrays.append(pa.array(values, pa.string()).cast(f.type))
        else:
            arrays.append(pa.array(values, f.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def pull_window(
    api: ApiClient,
    window: Window,
    tuning: JobTuning,
    flattener_factory: Callable[[], DetailFlattener],
    flush_every: int = 20_000,
    job_id: str | None = None,
    pool: Executor | None = None,
) -> WindowResult:
    """Read one window's detail job (submitted now, or ``job_id``) completely into Arrow tables
    (raises ``JobLost``).

    With ``pool`` (a process pool), each page's raw bytes are parsed and flattened there, so
    parsing runs beside the HTTP reads and dlt's extraction instead of under their GIL; the
    calling thread waits for a page before asking for the next one, so at most one page per
    window is in flight.
    """
    result = WindowResult(window)
    flattener = flattener_factory()
    if pool is not None:
        known = _KnownLate(flattener.known)

        def read_page(content: bytes) -> str | None:
            cursor, part = pool.submit(parse_page, content, flattener.late_before).result()
            result.records += part.records
            result.conversations.extend(known.apply(t) for t in part.conversations)
            result.sessions.extend(part.sessions)
            result.segments.extend(part.segments)
            result.evaluations.extend(part.evaluations)
            return cursor

        result.pages = run_detail_job(
            api, window, tuning, lambda _c: None, job_id=job_id, read_page=read_page
        )
        for name in ("conversations", "sessions", "segments", "evaluations"):
            parts = getattr(result, name)
            if len(parts) > 1:  # one table per window: fewer, larger parquet row groups
                setattr(result, name, [pa.concat_tables(parts)])
        return result
    pending = 0

    def on_page(conversations: list[dict[str, Any]]) -> None:
        nonlocal pending
        added = flattener.add(conversations)
        result.records += added
        pending += added
        if pending >= flush_every:
            flattener.flush(result)
            pending = 0

    result.pages = run_detail_job(api, window, tuning, on_page, job_id=job_id)
    flattener.flush(result)
    return result


def parse_page(content: bytes, late_before: str | None) -> tuple[str | None, WindowResult]:
    """Parse one detail-results page and flatten it to Arrow tables (runs in a worker process).

    ``is_late`` is computed from ``late_before`` only; the caller overrides it for already-loaded
    conversations (``_KnownLate``). Returns the page's cursor and its tables.
    """
    page = orjson.loads(content)  # an empty body fails loudly
    flattener = DetailFlattener(late_before)
    part = WindowResult(None)  # type: ignore[arg-type]
    part.records = flattener.add(page.get("conversations") or [])
    flattener.flush(part)
    return page.get("cursor"), part


class _KnownLate:
    """Applies stored ``is_late`` flags of already-loaded conversations to a conversations table."""

    def __init__(self, known: dict[str, bool]) -> None:
        self.ids = pa.array(list(known), pa.string()) if known else None
        self.flags = pa.array(list(known.values()), pa.bool_()) if known else None

    def apply(self, conv: pa.Table) -> pa.Table:
        """``conv`` with ``is_late`` replaced by the stored flag wherever the id is known."""
        if self.ids is None or self.flags is None:
            return conv
        index = pc.index_in(conv["conversation_id"], value_set=self.ids)
        late = pc.if_else(pc.is_null(index), conv["is_late"], self.flags.take(index))
        at = conv.schema.get_field_index("is_late")
        return conv.set_column(at, conv.schema.field(at), late)


def parse_ts(value: str) -> datetime:
    """Parse an ISO-8601 UTC timestamp (``Z`` or offset)."""
    dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def month_spans(start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """Calendar months touched by [start, end) as (month_start, next_month_start) pairs."""
    spans = []
    cur = start.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    while cur < end:
        nxt = (cur + timedelta(days=32)).replace(day=1)
        spans.append((cur, nxt))
        cur = nxt
    return spans
