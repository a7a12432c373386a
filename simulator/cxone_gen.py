"""Seeded NICE CXone completed contacts, one UTC day at a time (transfers share ``masterContactId``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from simulator.genesys_gen import DAY_MS, DOW_FACTOR, HOUR_WEIGHTS, epoch_ms
from simulator.org import CxoneOrg

CONTACT_ID_BASE = 500_000_000_000
END_REASONS = ("Contact Hung Up", "Agent Hung Up", "Transferred", "Contact Abandoned")


@dataclass
class CxoneDay:
    day: date
    base_ms: int
    n: int
    contact_id: np.ndarray
    master_id: np.ndarray
    start: np.ndarray  # ms offset from base_ms
    total_s: np.ndarray
    pre_q: np.ndarray
    in_q: np.ndarray
    agent_s: np.ndarray
    hold_s: np.ndarray
    hold_count: np.ndarray
    acw_s: np.ndarray
    skill: np.ndarray  # index into org.skills
    agent: np.ndarray  # agent id or 0
    team: np.ndarray  # index into org.teams, -1 none
    outbound: np.ndarray
    media: np.ndarray  # 4 = Call, 3 = Chat
    abandoned: np.ndarray
    transfer: np.ndarray
    disposition: np.ndarray  # disposition id, 0 none
    end_reason: np.ndarray  # index into END_REASONS
    org_number: np.ndarray  # index into local + toll_free numbers
    toll_free: np.ndarray
    customer_number: np.ndarray

    @property
    def end(self) -> np.ndarray:
        return self.start + self.total_s * 1000


def generate_cxone_day(org: CxoneOrg, seed: int, d: date, per_month: int) -> CxoneDay:
    """Every contact leg that starts on UTC day ``d``."""
    rng = np.random.default_rng([seed, d.toordinal(), 2])
    base = per_month * 12 / 365.25
    n0 = max(0, int(round(base * DOW_FACTOR[d.weekday()] * (1 + rng.normal(0, 0.03)))))
    skills = org.skills
    shares = np.array([float(s.get("share", 0)) for s in skills])
    shares = shares / shares.sum()
    sk = rng.choice(len(skills), size=n0, p=shares)
    outbound = np.array([bool(s.get("outbound")) for s in skills])[sk]
    sid = {int(s["id"]): i for i, s in enumerate(skills)}
    overflow = np.array([sid.get(int(s["overflow_to"]), -1) if s.get("overflow_to") else -1 for s in skills])
    has_transfer = (overflow[sk] >= 0) & (rng.random(n0) < 0.12)
    media = np.where(outbound, 4, np.where(rng.random(n0) < 0.9, 4, 3))
    hour = rng.choice(24, size=n0, p=HOUR_WEIGHTS)
    start = hour.astype(np.int64) * 3_600_000 + rng.integers(0, 3_600_000, n0)

    def legs(k: int, first: bool) -> dict[str, np.ndarray]:
        pre = np.where(first, rng.integers(5, 60, k), 0)
        inq = rng.integers(3, 240, k)
        ab = first & (rng.random(k) < 0.05)
        ag = np.where(ab, 0, np.minimum(rng.lognormal(5.6, 0.7, k), 3000).astype(np.int64))
        hold = np.where(~ab & (rng.random(k) < 0.25), rng.integers(10, 120, k), 0)
        acw = np.where(ab, 0, rng.integers(10, 90, k))
        return {"pre": pre, "inq": inq, "ab": ab, "ag": ag, "hold": hold, "acw": acw}

    a = legs(n0, True)
    a["ab"] = a["ab"] & ~has_transfer
    a["ag"] = np.where(a["ab"], 0, np.maximum(a["ag"], 30))
    total1 = a["pre"] + a["inq"] + a["ag"] + a["hold"]
    nt = int(has_transfer.sum())
    b = legs(nt, False)
    b["ab"] = np.zeros(nt, dtype=bool)
    total2 = b["inq"] + b["ag"] + b["hold"]
    first_ix = np.nonzero(has_transfer)[0]
    start = np.minimum(start, DAY_MS - 1000 - (total1 + np.where(has_transfer, 0, 0)) * 1000)
    start2 = start[first_ix] + total1[first_ix] * 1000
    over = start2 + total2 * 1000 > DAY_MS - 1000
    shift = np.where(over, start2 + total2 * 1000 - (DAY_MS - 1000), 0)
    start[first_ix] -= shift
    start2 -= shift
    # concatenate legs: first legs then transfer legs
    all_start = np.concatenate([start, start2])
    n = n0 + nt
    leg_master = np.concatenate([np.arange(n0), first_ix])  # index of the first leg
    skill = np.concatenate([sk, overflow[sk[first_ix]]])
    order = np.argsort(all_start, kind="stable")
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    id_base = CONTACT_ID_BASE + (d.toordinal() - 730_000) * 1_000_000
    contact_id = id_base + rank  # ids ascend with start time
    master_id = contact_id[leg_master]

    def cat(x: str) -> np.ndarray:
        return np.concatenate([a[x], b[x]])

    is_out = np.concatenate([outbound, outbound[first_ix]])
    med = np.concatenate([media, media[first_ix]])
    ab = cat("ab")
    transfer = np.concatenate([has_transfer, np.ones(nt, dtype=bool)])
    agents = 30_294_000 + rng.integers(1, org.agents + 1, n)
    agents = np.where(ab, 0, agents)
    team_of_skill = np.array([2 if s.get("outbound") else (0 if "Sales" in s["name"] else 1) for s in skills])
    team = np.where(ab, -1, team_of_skill[skill])
    res = [org.disposition_ids[x] for x in org.dispositions_resolved]
    unres = [org.disposition_ids[x] for x in org.dispositions_unresolved]
    disp = np.where(
        rng.random(n) < 0.7,
        np.array(res)[rng.integers(0, len(res), n)],
        np.array(unres)[rng.integers(0, len(unres), n)],
    )
    disp = np.where(ab, 0, disp)
    leg1_transfer = np.concatenate([has_transfer, np.zeros(nt, dtype=bool)])
    end_reason = np.where(ab, 3, np.where(leg1_transfer, 2, rng.integers(0, 2, n)))
    n_local, n_tf = len(org.numbers_local), len(org.numbers_toll_free)
    tf1 = ~outbound & (rng.random(n0) < 0.4)
    toll_free = np.concatenate([tf1, tf1[first_ix]])
    num1 = np.where(tf1, n_local + rng.integers(0, n_tf, n0), rng.integers(0, n_local, n0))
    org_number = np.concatenate([num1, num1[first_ix]])
    cust1 = rng.choice(np.array([212, 312, 617, 801]), n0).astype(np.int64) * 10_000_000 + rng.integers(
        2_000_000, 9_999_999, n0
    )
    customer = np.concatenate([cust1, cust1[first_ix]])
    hold = cat("hold")

    def o(x: np.ndarray) -> np.ndarray:
        return x[order]

    return CxoneDay(
        day=d,
        base_ms=epoch_ms(d),
        n=n,
        contact_id=o(contact_id),
        master_id=o(master_id),
        start=o(all_start),
        total_s=o(np.concatenate([total1, total2])),
        pre_q=o(cat("pre")),
        in_q=o(cat("inq")),
        agent_s=o(cat("ag")),
        hold_s=o(hold),
        hold_count=o((hold > 0).astype(np.int64)),
        acw_s=o(cat("acw")),
        skill=o(skill),
        agent=o(agents),
        team=o(team),
        outbound=o(is_out),
        media=o(med),
        abandoned=o(ab),
        transfer=o(transfer),
        disposition=o(disp),
        end_reason=o(end_reason),
        org_number=o(org_number),
        toll_free=o(toll_free),
        customer_number=o(customer),
    )


LEGACY_MAX_VERSION = 25


def render_contacts(org: CxoneOrg, day: CxoneDay, rows: np.ndarray, version: int) -> list[dict]:
    """Completed-contact dicts for ``rows`` using the field names of API ``version``."""
    out: list[dict] = []
    numbers = org.numbers_local + org.numbers_toll_free
    skills = org.skills
    camp = {c["name"]: c for c in org.campaigns}
    teams = org.teams
    starts = np.datetime_as_string(
        (day.start[rows] + day.base_ms).astype("datetime64[ms]"), unit="ms"
    ).tolist()
    lastupd = np.datetime_as_string(
        (day.end[rows] + day.acw_s[rows] * 1000 + day.base_ms).astype("datetime64[ms]"), unit="ms"
    ).tolist()
    legacy = version <= LEGACY_MAX_VERSION
    for j, r in enumerate(np.asarray(rows).tolist()):
        s = skills[int(day.skill[r])]
        c = camp.get(s.get("campaign", ""))
        ob = bool(day.outbound[r])
        org_no = numbers[int(day.org_number[r])].lstrip("+")
        cust = f"1{int(day.customer_number[r])}"
        team = int(day.team[r])
        med = int(day.media[r])
        tr = bool(day.transfer[r])
        rec = {
            "contactId": int(day.contact_id[r]),
            "masterContactId": int(day.master_id[r]),
            ("contactStart" if legacy else "contactStartDate"): starts[j] + "Z",
            "lastUpdateTime": lastupd[j] + "Z",
        }
        if legacy:
            rec["mediaType"] = med
        else:
            rec["mediaTypeId"] = med
            rec["mediaTypeName"] = "Call" if med == 4 else "Chat"
        rec |= {
            "isOutbound": ob,
            "skillId": int(s["id"]),
            "skillName": s["name"],
            "campaignId": int(c["id"]) if c else 0,
            "campaignName": c["name"] if c else "",
            "agentId": int(day.agent[r]),
            "teamId": int(teams[team]["id"]) if team >= 0 else 0,
        }
        if not legacy:
            rec["teamName"] = teams[team]["name"] if team >= 0 else ""
        rec[("fromAddr" if legacy else "fromAddress")] = org_no if ob else cust
        rec[("toAddr" if legacy else "toAddress")] = cust if ob else org_no
        rec["pointOfContactId"] = 900 + int(day.org_number[r])
        rec["pointOfContactName"] = ("Toll-Free " if bool(day.toll_free[r]) else "Local ") + org_no
        rec |= {
            "preQueueSeconds": int(day.pre_q[r]),
            "inQueueSeconds": int(day.in_q[r]),
            "agentSeconds": int(day.agent_s[r]),
            "holdSeconds": int(day.hold_s[r]),
        }
        if not legacy:
            rec["holdCount"] = int(day.hold_count[r])
        rec["ACWSeconds" if legacy else "acwSeconds"] = int(day.acw_s[r])
        rec["confSeconds" if legacy else "conferenceSeconds"] = 0
        rec["totalDurationSeconds"] = int(day.total_s[r])
        rec["abandoned"] = bool(day.abandoned[r])
        if not legacy:
            rec["abandonSeconds"] = int(day.in_q[r]) if bool(day.abandoned[r]) else 0
        rec |= {
            "endReason": END_REASONS[int(day.end_reason[r])],
            "primaryDispositionId": int(day.disposition[r]),
            "transferIndicatorId": 1 if tr else 0,
            "transferIndicatorName": "Transfer" if tr else "None",
        }
        out.append(rec)
    return out
