"""Ground truth for tests, computed from the same generator and visibility rules as the API."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import numpy as np

from simulator.genesys_api import licence_holders, voice_rows
from simulator.genesys_gen import epoch_ms, uuid_of
from simulator.org import is_toll_free
from simulator.state import SimState


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days)]


def genesys_truth(s: SimState, start: date, end: date, ids: bool = False) -> dict[str, Any]:
    """Conversations that started in [start, end) (UTC days) as of the simulator clock."""
    org = s.org.genesys
    now = s.clock.now_ms()
    avail = s.availability_ms()
    f = s.faults
    qids = [q.id for q in org.queues]
    numbers = org.numbers_local + org.numbers_toll_free
    tf_number = np.array([is_toll_free(n) for n in numbers])
    out: dict[str, Any] = {
        "platform": "genesys",
        "start": start.isoformat(),
        "end": end.isoformat(),
        "as_of": s.clock.now().isoformat(),
        "conversation_count": 0,
        "visible_count": 0,
        "late_pending_count": 0,
        "unavailable_count": 0,
        "abandoned": 0,
        "outbound": 0,
        "voice_calls": 0,
        "voice_billable_seconds": 0,
        "transcription_ms": 0,
        "evaluations": 0,
        "explicit_cost_center_count": 0,
    }
    per_q: Counter[str] = Counter()
    first_q: Counter[str] = Counter()
    adj_by_rate: Counter[tuple[str, str, str]] = Counter()
    id_list: list[str] = []
    for d in _days(start, end):
        day = s.genesys_day(d)
        ended = day.base_ms + day.end <= now
        late = s.late_mask(day, now, f.late_share, int(f.late_delay_s * 1000))
        visible = ended & ~late & (day.base_ms + day.end <= avail)
        rows = np.nonzero(ended)[0]
        out["conversation_count"] += int(ended.sum())
        out["visible_count"] += int(visible.sum())
        out["late_pending_count"] += int((ended & late).sum())
        out["unavailable_count"] += int((ended & ~late & ~visible).sum())
        out["abandoned"] += int(day.abandoned[rows].sum())
        out["outbound"] += int(day.outbound[rows].sum())
        out["transcription_ms"] += int(day.transcription_ms[rows].sum())
        out["evaluations"] += int((day.eval_score[rows] >= 0).sum())
        out["explicit_cost_center_count"] += int((day.cost_center[rows] >= 0).sum())
        counts = np.diff(day.hop_ptr)
        hop_keep = np.repeat(ended, counts)
        for qi, n in zip(*np.unique(day.hop_queue[hop_keep], return_counts=True), strict=True):
            per_q[qids[int(qi)]] += int(n)
        for qi, n in zip(*np.unique(day.first_queue[rows], return_counts=True), strict=True):
            first_q[qids[int(qi)]] += int(n)
        vr = voice_rows(s, day)
        out["voice_calls"] += len(vr)
        secs = day.voice_seconds[vr]
        adj = -(-secs // 6) * 6
        out["voice_billable_seconds"] += int(adj.sum())
        ob = day.outbound[vr]
        tf = ~ob & tf_number[day.org_number[vr]]
        key = day.carrier[vr] * 4 + ob * 2 + tf
        for k, total in enumerate(np.bincount(key, weights=adj, minlength=len(org.carriers) * 4).tolist()):
            if total:
                carrier, o, t = org.carriers[k // 4], (k // 2) % 2, k % 2
                adj_by_rate[(carrier, "outbound" if o else "inbound", "toll_free" if t else "local")] += int(
                    total
                )
        if ids:
            id_list.extend(uuid_of(day.hex_ids[r], "0000") for r in rows.tolist())
    cost_by_carrier: dict[str, Decimal] = {}
    for (carrier, direction, group), secs_total in adj_by_rate.items():
        cost = org.voice_rates[carrier][direction][group] * Decimal(secs_total // 6) / 10
        cost_by_carrier[carrier] = cost_by_carrier.get(carrier, Decimal(0)) + cost
    out["voice_cost"] = format(sum(cost_by_carrier.values(), Decimal(0)), "f")
    out["voice_cost_by_carrier"] = {k: format(v, "f") for k, v in sorted(cost_by_carrier.items())}
    out["currency"] = org.currency
    out["per_queue_offered"] = dict(sorted(per_q.items()))
    out["per_first_queue"] = dict(sorted(first_q.items()))
    out["licences"] = {k: len(v) for k, v in licence_holders(s).items()}
    if ids:
        out["conversation_ids"] = id_list
    return out


def cxone_truth(s: SimState, start: date, end: date, ids: bool = False) -> dict[str, Any]:
    """Contacts that started in [start, end) and ended before the clock."""
    org = s.org.cxone
    now = s.clock.now_ms()
    out: dict[str, Any] = {
        "platform": "cxone",
        "start": start.isoformat(),
        "end": end.isoformat(),
        "as_of": s.clock.now().isoformat(),
        "contact_count": 0,
        "master_contact_count": 0,
        "transfer_contacts": 0,
        "abandoned": 0,
        "outbound": 0,
        "voice_calls": 0,
        "voice_billable_seconds": 0,
    }
    per_skill: Counter[int] = Counter()
    adj_by_rate: Counter[tuple[str, str]] = Counter()
    numbers = org.numbers_local + org.numbers_toll_free
    tf_number = np.array([is_toll_free(n) for n in numbers])
    id_list: list[int] = []
    for d in _days(start, end):
        day = s.cxone_day(d)
        rows = np.nonzero(day.base_ms + day.end <= now)[0]
        out["contact_count"] += len(rows)
        out["master_contact_count"] += len(np.unique(day.master_id[rows]))
        out["transfer_contacts"] += int(day.transfer[rows].sum())
        out["abandoned"] += int(day.abandoned[rows].sum())
        out["outbound"] += int(day.outbound[rows].sum())
        for si, n in zip(*np.unique(day.skill[rows], return_counts=True), strict=True):
            per_skill[int(org.skills[int(si)]["id"])] += int(n)
        voice = rows[day.media[rows] == 4]
        out["voice_calls"] += len(voice)
        secs = day.total_s[voice]
        adj = np.maximum(-(-secs // org.increment_s) * org.increment_s, org.minimum_s)
        out["voice_billable_seconds"] += int(adj.sum())
        ob = day.outbound[voice]
        tf = ~ob & tf_number[day.org_number[voice]]
        for k, total in enumerate(np.bincount(ob * 2 + tf, weights=adj, minlength=4).tolist()):
            if total:
                adj_by_rate[("outbound" if k // 2 else "inbound", "toll_free" if k % 2 else "local")] += int(
                    total
                )
        if ids:
            id_list.extend(day.contact_id[rows].tolist())
    rates = org.voice_rates[org.carrier]
    cost = sum((rates[dn][g] * Decimal(v) / 60 for (dn, g), v in adj_by_rate.items()), Decimal(0))
    out["voice_cost"] = format(cost, "f")
    out["currency"] = org.currency
    out["per_skill"] = {str(k): v for k, v in sorted(per_skill.items())}
    if ids:
        out["contact_ids"] = id_list
    return out


def ground_truth(s: SimState, platform: str, start: date, end: date, ids: bool = False) -> dict[str, Any]:
    if platform == "genesys":
        return genesys_truth(s, start, end, ids)
    if platform == "cxone":
        return cxone_truth(s, start, end, ids)
    raise ValueError(f"platform must be genesys or cxone, got {platform!r}")


__all__ = ["ground_truth", "epoch_ms"]
