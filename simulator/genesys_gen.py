"""Seeded Genesys conversations, generated one UTC day at a time with numpy.

A day is a set of column arrays (``GenesysDay``): one row per conversation, sorted by start, and one
row per queue hop (CSR layout via ``hop_ptr``). Everything is a pure function of (seed, day, volume,
spikes), so any date range streams without holding a month in memory.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from threading import Lock

import numpy as np

from simulator.config import CampaignSpike
from simulator.org import GenesysOrg, stable_uuid

DAY_MS = 86_400_000
DOW_FACTOR = np.array([1.15, 1.10, 1.05, 1.05, 1.00, 0.45, 0.30])
DOW_FACTOR = DOW_FACTOR * 7 / DOW_FACTOR.sum()
HOUR_WEIGHTS = np.array(
    [
        0.2,
        0.1,
        0.1,
        0.1,
        0.2,
        0.5,
        1.5,
        3.5,
        6.5,
        8.5,
        9.0,
        8.8,
        8.0,
        8.4,
        8.6,
        8.2,
        7.5,
        6.0,
        4.2,
        3.0,
        2.0,
        1.2,
        0.0,
        0.0,
    ]
)
HOUR_WEIGHTS = HOUR_WEIGHTS / HOUR_WEIGHTS.sum()
MEDIA = ("voice", "message", "callback")
MAX_HOPS = 3
# path patterns: 0 = single queue, 1 = overflow, 2 = overflow then Emergency Fallback, 3 = agent transfer
P_SINGLE, P_OVERFLOW, P_FALLBACK, P_TRANSFER = 0, 1, 2, 3


def epoch_ms(d: date) -> int:
    """Milliseconds since the epoch at midnight UTC of ``d``."""
    return int(datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp() * 1000)


@dataclass
class GenesysDay:
    day: date
    base_ms: int
    n: int
    hex_ids: list[str]  # 28 hex chars per conversation (ids derive from it)
    start: np.ndarray  # ms offsets from base_ms
    end: np.ndarray
    ivr_end: np.ndarray  # == start when no IVR
    cust_end: np.ndarray
    outbound: np.ndarray  # bool
    media: np.ndarray  # index into MEDIA
    carrier: np.ndarray  # index into org.carriers (voice only meaningful)
    org_number: np.ndarray  # index into org numbers list (local + toll_free)
    toll_free: np.ndarray  # bool
    customer_number: np.ndarray  # int64 10 digits
    campaign: np.ndarray  # index into org.campaigns, -1 none
    first_queue: np.ndarray
    abandoned: np.ndarray
    final_wrapup: np.ndarray  # index into wrapup list, -1 none
    transcription_ms: np.ndarray
    eval_score: np.ndarray  # -1 none
    eval_agent: np.ndarray
    cost_center: np.ndarray  # index into explicit_cost_centers, -1 none
    late_u: np.ndarray  # uniform draw deciding lateness under the late_share fault
    hop_ptr: np.ndarray  # n + 1
    hop_queue: np.ndarray
    hop_start: np.ndarray
    hop_acd_end: np.ndarray
    hop_answered: np.ndarray
    hop_agent: np.ndarray
    hop_alert_end: np.ndarray
    hop_talk_end: np.ndarray
    hop_hold_end: np.ndarray
    hop_wrap_end: np.ndarray
    hop_wrapup: np.ndarray  # index into wrapup list, -1 none
    hop_transfer: np.ndarray  # agent transferred the call onward

    @property
    def voice_seconds(self) -> np.ndarray:
        """Customer-leg seconds (ceil) per conversation: the billed call duration."""
        return -((self.start - self.cust_end) // 1000)


def day_volume(org: GenesysOrg, per_month: int, d: date, seed: int) -> int:
    """Conversations started on ``d``: monthly volume × day-of-week seasonality × small noise."""
    base = per_month * 12 / 365.25
    rng = np.random.default_rng([seed, d.toordinal(), 7])
    return max(0, int(round(base * DOW_FACTOR[d.weekday()] * (1 + rng.normal(0, 0.03)))))


def generate_day(
    org: GenesysOrg, seed: int, d: date, per_month: int, spikes: list[CampaignSpike] | tuple = ()
) -> GenesysDay:
    """Generate every conversation that starts on UTC day ``d``."""
    rng = np.random.default_rng([seed, d.toordinal(), 1])
    queues = org.queues
    nq = len(queues)
    n_base = day_volume(org, per_month, d, seed)
    shares = np.array([q.share for q in queues], dtype=float)
    shares = shares / shares.sum()
    first_queue = rng.choice(nq, size=n_base, p=shares)
    camp_index = {c["id"]: i for i, c in enumerate(org.campaigns)} | {
        c["name"]: i for i, c in enumerate(org.campaigns)
    }
    queue_campaign = {org.queue_index(c["queue"]): i for i, c in enumerate(org.campaigns)}
    campaign = np.full(n_base, -1, dtype=np.int64)
    outbound = np.array([queues[q].outbound for q in range(nq)])[first_queue]
    for qi, ci in queue_campaign.items():
        if queues[qi].outbound:
            campaign[first_queue == qi] = ci
        else:  # inbound queue with an outbound campaign: 10 % of its traffic is campaign dialling
            pick = (first_queue == qi) & (rng.random(n_base) < 0.10)
            campaign[pick] = ci
            outbound = outbound | pick
    # optional campaign spikes: extra outbound conversations for the campaign on the spike days
    extra_q: list[np.ndarray] = []
    extra_c: list[np.ndarray] = []
    for sp in spikes:
        if sp.start <= d < sp.end and sp.campaign in camp_index and sp.factor > 1:
            ci = camp_index[sp.campaign]
            n_camp = int(np.sum(campaign == ci))
            k = int(round(n_camp * (sp.factor - 1)))
            qi = org.queue_index(org.campaigns[ci]["queue"])
            extra_q.append(np.full(k, qi))
            extra_c.append(np.full(k, ci))
    if extra_q:
        eq, ec = np.concatenate(extra_q), np.concatenate(extra_c)
        first_queue = np.concatenate([first_queue, eq])
        campaign = np.concatenate([campaign, ec])
        outbound = np.concatenate([outbound, np.ones(len(eq), dtype=bool)])
    n = len(first_queue)

    media = np.where(outbound, 0, rng.choice(3, size=n, p=[0.92, 0.06, 0.02]))
    voice = media == 0

    # ---- queue path patterns
    q_id = {q.id: i for i, q in enumerate(queues)}
    overflow_of = np.array([q_id.get(q.overflow_to, -1) if q.overflow_to else -1 for q in queues])
    transfer_of = np.array([q_id.get(q.transfer_to, -1) if q.transfer_to else -1 for q in queues])
    fallback = next((i for i, q in enumerate(queues) if q.is_overflow and not q.parent), -1)
    u_path = rng.random(n)
    ov = overflow_of[first_queue]
    tr = transfer_of[first_queue]
    pattern = np.full(n, P_SINGLE)
    can_ov = (ov >= 0) & ~outbound
    pattern[can_ov & (u_path < 0.12)] = P_OVERFLOW
    pattern[can_ov & (u_path < 0.12 * 0.25) & (fallback >= 0)] = P_FALLBACK
    pattern[(tr >= 0) & ~outbound & (u_path >= 0.12) & (u_path < 0.22)] = P_TRANSFER
    hq = np.full((n, MAX_HOPS), -1, dtype=np.int64)
    hq[:, 0] = first_queue
    m = (pattern == P_OVERFLOW) | (pattern == P_FALLBACK)
    hq[m, 1] = ov[m]
    m2 = pattern == P_FALLBACK
    hq[m2, 2] = fallback
    mt = pattern == P_TRANSFER
    hq[mt, 1] = tr[mt]
    n_hops = (hq >= 0).sum(axis=1)
    abandoned = (~outbound) & (rng.random(n) < 0.05)

    # ---- per-hop draws (row-major flatten keeps hops grouped by conversation)
    hop_mask = hq >= 0
    hop_conv = np.repeat(np.arange(n), n_hops)
    hop_queue = hq[hop_mask]
    nh = len(hop_queue)
    hop_pos = np.tile(np.arange(MAX_HOPS), (n, 1))[hop_mask]
    last_hop = hop_pos == (n_hops[hop_conv] - 1)
    hop_transfer = (pattern[hop_conv] == P_TRANSFER) & (hop_pos == 0)
    hop_answered = np.where(last_hop, ~abandoned[hop_conv], hop_transfer)
    ob = outbound[hop_conv]
    wait = np.where(
        ob,
        rng.integers(1000, 3000, nh),
        np.where(hop_answered, rng.lognormal(10.2, 0.8, nh), rng.integers(60_000, 240_000, nh)),
    ).astype(np.int64)
    wait = np.minimum(wait, 900_000)
    alert = np.where(hop_answered, rng.integers(2000, 15000, nh), 0)
    talk = np.where(hop_answered, np.minimum(rng.lognormal(12.4, 0.7, nh), 3_000_000), 0).astype(np.int64)
    hold = np.where(hop_answered & (rng.random(nh) < 0.3), rng.integers(10_000, 120_000, nh), 0)
    acw = np.where(hop_answered, rng.integers(10_000, 90_000, nh), 0)
    hop_agent = np.where(hop_answered, rng.integers(0, org.agents, nh), -1)
    n_res, n_unres = len(org.wrapups_resolved), len(org.wrapups_unresolved)
    wr_resolved = rng.random(nh) < 0.72
    wr_code = np.where(wr_resolved, rng.integers(0, n_res, nh), n_res + rng.integers(0, n_unres, nh))
    esc = org.wrapups_unresolved.index("ESCALATED") + n_res if "ESCALATED" in org.wrapups_unresolved else 0
    wr_code = np.where(hop_transfer, esc, wr_code)
    hop_wrapup = np.where(hop_answered, wr_code, -1)
    advance = wait + alert + talk + hold  # customer timeline consumed by each hop

    # ---- conversation timeline
    ivr = np.where(~outbound & voice, rng.integers(10_000, 90_000, n), 0)
    total_adv = np.add.reduceat(advance, np.r_[0, np.cumsum(n_hops)[:-1]]) if n else np.zeros(0, np.int64)
    last_idx = np.cumsum(n_hops) - 1
    cust_len = ivr + total_adv
    tail = np.where(hop_answered[last_idx], acw[last_idx], 0) if n else np.zeros(0, np.int64)
    conv_len = cust_len + tail
    hour = rng.choice(24, size=n, p=HOUR_WEIGHTS)
    start = hour.astype(np.int64) * 3_600_000 + rng.integers(0, 3_600_000, n)
    start = np.minimum(start, DAY_MS - 1000 - conv_len)
    order = np.argsort(start, kind="stable")
    # reorder conversation arrays, then rebuild the hop arrays in the new order
    inv = np.empty(n, dtype=np.int64)
    inv[order] = np.arange(n)
    hop_order = np.argsort(inv[hop_conv], kind="stable")

    def c(a: np.ndarray) -> np.ndarray:
        return a[order]

    def h(a: np.ndarray) -> np.ndarray:
        return a[hop_order]

    start, ivr, cust_len, conv_len = c(start), c(ivr), c(cust_len), c(conv_len)
    outbound, media, campaign, first_queue, abandoned = (
        c(outbound),
        c(media),
        c(campaign),
        c(first_queue),
        c(abandoned),
    )
    n_hops = c(n_hops)
    hop_ptr = np.r_[0, np.cumsum(n_hops)].astype(np.int64)
    hop_queue, wait, alert, talk, hold, acw = h(hop_queue), h(wait), h(alert), h(talk), h(hold), h(acw)
    hop_answered, hop_agent, hop_wrapup, hop_transfer, advance = (
        h(hop_answered),
        h(hop_agent),
        h(hop_wrapup),
        h(hop_transfer),
        h(advance),
    )
    hop_conv_sorted = np.repeat(np.arange(n), n_hops)
    csum = np.cumsum(advance)
    excl = csum - advance
    hop_start = (
        start[hop_conv_sorted]
        + ivr[hop_conv_sorted]
        + excl
        - (excl[hop_ptr[:-1]][hop_conv_sorted] if nh else 0)
    )
    hop_acd_end = hop_start + wait
    hop_alert_end = hop_acd_end + alert
    hop_talk_end = hop_alert_end + talk
    hop_hold_end = hop_talk_end + hold
    hop_wrap_end = hop_hold_end + acw

    voice = media == 0
    carriers = list(org.carrier_mix)
    carrier = rng.choice(len(carriers), size=n, p=np.array([org.carrier_mix[k] for k in carriers]))
    carrier = np.array([org.carriers.index(k) for k in carriers])[carrier]
    n_local, n_tf = len(org.numbers_local), len(org.numbers_toll_free)
    toll_free = (~outbound) & (rng.random(n) < 0.35)
    org_number = np.where(toll_free, n_local + rng.integers(0, n_tf, n), rng.integers(0, n_local, n))
    area = rng.choice(np.array([212, 312, 415, 503, 617, 713, 805, 917]), size=n)
    customer_number = area.astype(np.int64) * 10_000_000 + rng.integers(2_000_000, 9_999_999, n)
    last = hop_ptr[1:] - 1
    final_wrapup = np.where(hop_answered[last], hop_wrapup[last], -1) if n else np.zeros(0, np.int64)
    answered_conv = ~abandoned
    transcribed = voice & answered_conv & (rng.random(n) < 0.35)
    talk_sum = np.add.reduceat(talk, hop_ptr[:-1]) if n else np.zeros(0, np.int64)
    transcription_ms = np.where(transcribed, talk_sum, 0)
    evaluated = answered_conv & (rng.random(n) < 0.04)
    eval_score = np.where(evaluated, rng.integers(40, 101, n), -1)
    eval_agent = np.where(evaluated, hop_agent[last] if n else 0, -1)
    cost_center = np.where(rng.random(n) < 0.03, rng.integers(0, len(org.explicit_cost_centers), n), -1)
    late_u = rng.random(n)
    hex_ids = rng.bytes(14 * n).hex()
    ids = [hex_ids[i : i + 28] for i in range(0, 28 * n, 28)]
    return GenesysDay(
        day=d,
        base_ms=epoch_ms(d),
        n=n,
        hex_ids=ids,
        start=start,
        end=start + conv_len,
        ivr_end=start + ivr,
        cust_end=start + cust_len,
        outbound=outbound,
        media=media,
        carrier=carrier,
        org_number=org_number,
        toll_free=toll_free,
        customer_number=customer_number,
        campaign=campaign,
        first_queue=first_queue,
        abandoned=abandoned,
        final_wrapup=final_wrapup,
        transcription_ms=transcription_ms,
        eval_score=eval_score,
        eval_agent=eval_agent,
        cost_center=cost_center,
        late_u=late_u,
        hop_ptr=hop_ptr,
        hop_queue=hop_queue,
        hop_start=hop_start,
        hop_acd_end=hop_acd_end,
        hop_answered=hop_answered,
        hop_agent=hop_agent,
        hop_alert_end=hop_alert_end,
        hop_talk_end=hop_talk_end,
        hop_hold_end=hop_hold_end,
        hop_wrap_end=hop_wrap_end,
        hop_wrapup=hop_wrapup,
        hop_transfer=hop_transfer,
    )


class DayCache:
    """A small LRU of generated days (thread-safe), keyed by (platform, day)."""

    def __init__(self, size: int = 6) -> None:
        self._size = size
        self._items: OrderedDict[tuple, object] = OrderedDict()
        self._lock = Lock()

    def get(self, key: tuple, make):  # type: ignore[no-untyped-def]
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = make()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return value


def uuid_of(hex28: str, suffix: str) -> str:
    """Format 28 hex chars + a 4-char role suffix as a UUID string."""
    return f"{hex28[:8]}-{hex28[8:12]}-{hex28[12:16]}-{hex28[16:20]}-{hex28[20:28]}{suffix}"


def ms_strings(base_ms: int, arr: np.ndarray) -> list[str]:
    """ISO-8601 UTC strings with milliseconds (no trailing Z) for offsets in ``arr``."""
    return np.datetime_as_string((arr + base_ms).astype("datetime64[ms]"), unit="ms").tolist()


def iso_ms(ms: int) -> str:
    """One epoch-ms value as ``YYYY-MM-DDTHH:MM:SS.mmmZ``."""
    return str(np.datetime64(int(ms), "ms")) + "Z"


EVALUATOR_IDS = [stable_uuid(f"genesys-evaluator-{i}") for i in range(5)]
FORM_ID = stable_uuid("genesys-qa-form-standard")


__all__ = ["GenesysDay", "generate_day", "DayCache", "uuid_of", "ms_strings", "iso_ms", "epoch_ms"]
