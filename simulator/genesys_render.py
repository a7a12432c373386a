"""Fast JSON rendering of Genesys conversation detail records (string templates, no dicts).

Ids and names are hex/uuid/ASCII values from the org file, so no JSON escaping is needed; the
org names are escaped once with orjson when the renderer is built.
"""

from __future__ import annotations

import numpy as np
import orjson

from simulator.genesys_gen import (
    EVALUATOR_IDS,
    FORM_ID,
    MEDIA,
    GenesysDay,
    ms_strings,
    uuid_of,
)
from simulator.org import GenesysOrg


def _j(value: str) -> str:
    return orjson.dumps(value).decode()


class ConversationRenderer:
    """Turns rows of a ``GenesysDay`` into conversation JSON strings."""

    def __init__(self, org: GenesysOrg) -> None:
        self.org = org
        self.queue_ids = [q.id for q in org.queues]
        self.queue_names = [_j(q.name) for q in org.queues]
        self.agent_ids = org.agent_ids
        self.agent_names = [f"Agent {i:03d}" for i in range(1, org.agents + 1)]
        self.wrapups = org.wrapups_resolved + org.wrapups_unresolved
        self.numbers = org.numbers_local + org.numbers_toll_free
        self.carriers = org.carriers
        self.campaign_ids = [c["id"] for c in org.campaigns]
        self.cost_centers = [_j(c) for c in org.explicit_cost_centers]
        self.division = org.division_id
        self.ivr_flow = org.ivr_flow_id

    def render(self, day: GenesysDay, rows: np.ndarray, with_attributes: bool) -> list[str]:
        """JSON text of each conversation in ``rows`` (indices into ``day``)."""
        if len(rows) == 0:
            return []
        rows = np.asarray(rows, dtype=np.int64)
        hs, he = day.hop_ptr[rows], day.hop_ptr[rows + 1]
        counts = he - hs
        total = int(counts.sum())
        firsts = np.cumsum(counts) - counts
        hop_idx = np.repeat(hs - firsts, counts) + np.arange(total)
        base = day.base_ms
        t_start = ms_strings(base, day.start[rows])
        t_end = ms_strings(base, day.end[rows])
        t_ivr = ms_strings(base, day.ivr_end[rows])
        t_cust = ms_strings(base, day.cust_end[rows])
        h_start = ms_strings(base, day.hop_start[hop_idx])
        h_acd = ms_strings(base, day.hop_acd_end[hop_idx])
        h_alert = ms_strings(base, day.hop_alert_end[hop_idx])
        h_talk = ms_strings(base, day.hop_talk_end[hop_idx])
        h_hold = ms_strings(base, day.hop_hold_end[hop_idx])
        h_wrap = ms_strings(base, day.hop_wrap_end[hop_idx])
        hq = day.hop_queue[hop_idx].tolist()
        hans = day.hop_answered[hop_idx].tolist()
        hag = day.hop_agent[hop_idx].tolist()
        hwr = day.hop_wrapup[hop_idx].tolist()
        htr = day.hop_transfer[hop_idx].tolist()
        hhold = (day.hop_hold_end[hop_idx] > day.hop_talk_end[hop_idx]).tolist()
        outb = day.outbound[rows].tolist()
        media = day.media[rows].tolist()
        carrier = day.carrier[rows].tolist()
        onum = day.org_number[rows].tolist()
        cnum = day.customer_number[rows].tolist()
        camp = day.campaign[rows].tolist()
        aband = day.abandoned[rows].tolist()
        trans = day.transcription_ms[rows].tolist()
        escore = day.eval_score[rows].tolist()
        eagent = day.eval_agent[rows].tolist()
        cc = day.cost_center[rows].tolist()
        hexes = day.hex_ids
        rows_l = rows.tolist()
        counts_l = counts.tolist()
        out: list[str] = []
        k = 0
        qids, qnames, aids, anames, wrs = (
            self.queue_ids,
            self.queue_names,
            self.agent_ids,
            self.agent_names,
            self.wrapups,
        )
        for j, r in enumerate(rows_l):
            b = hexes[r]
            pre = f"{b[:8]}-{b[8:12]}-{b[12:16]}-{b[16:20]}-{b[20:28]}"
            ob = outb[j]
            direction = "outbound" if ob else "inbound"
            mt = MEDIA[media[j]]
            ts, te, tc = t_start[j], t_end[j], t_cust[j]
            parts: list[str] = []
            # customer participant
            sess = [f'"sessionId":"{pre}2001","mediaType":"{mt}","direction":"{direction}"']
            if mt == "voice":
                sess.append(
                    f',"provider":"{self.carriers[carrier[j]]}","protocolCallId":"{b[:12]}-{b[12:28]}@sip.sim.ccfinops"'
                )
            else:
                sess.append(
                    ',"provider":"PureCloud Messaging"' if mt == "message" else ',"provider":"PureCloud"'
                )
            if mt != "message":
                org_no = "tel:" + self.numbers[onum[j]]
                cust_no = f"tel:+1{cnum[j]}"
                if ob:
                    sess.append(f',"ani":"{org_no}","dnis":"{cust_no}"')
                else:
                    sess.append(f',"ani":"{cust_no}","dnis":"{org_no}"')
            if camp[j] >= 0 and ob:
                sess.append(f',"outboundCampaignId":"{self.campaign_ids[camp[j]]}"')
            if trans[j] > 0:
                sess.append(f',"metrics":[{{"name":"tTranscription","value":{trans[j]},"emitDate":"{te}Z"}}]')
            disc = "peer" if aband[j] else "endpoint"
            sess.append(
                f',"segments":[{{"segmentStart":"{ts}Z","segmentEnd":"{tc}Z","segmentType":"interact",'
                f'"disconnectType":"{disc}"}}]'
            )
            attrs = ""
            if with_attributes and cc[j] >= 0:
                attrs = f',"attributes":{{"ccfinops_cost_center":{self.cost_centers[cc[j]]}}}'
            parts.append(
                f'{{"participantId":"{pre}1001","participantName":"Customer","purpose":"customer"{attrs},'
                f'"sessions":[{{{"".join(sess)}}}]}}'
            )
            if not ob and mt == "voice":
                parts.append(
                    f'{{"participantId":"{pre}1002","participantName":"Main IVR","purpose":"ivr",'
                    f'"sessions":[{{"sessionId":"{pre}2002","mediaType":"voice","direction":"inbound","flow":{{"flowId":'
                    f'"{self.ivr_flow}","flowName":"Main IVR","flowType":"INBOUNDCALL"}},"segments":[{{'
                    f'"segmentStart":"{ts}Z","segmentEnd":"{t_ivr[j]}Z","segmentType":"ivr",'
                    f'"disconnectType":"transfer"}}]}}]}}'
                )
            for p in range(counts_l[j]):
                x = k + p
                q = hq[x]
                qid = qids[q]
                acd_disc = "transfer" if hans[x] or p + 1 < counts_l[j] else "peer"
                parts.append(
                    f'{{"participantId":"{pre}13{p}0","participantName":{qnames[q]},"purpose":"acd",'
                    f'"sessions":[{{"sessionId":"{pre}23{p}0","mediaType":"{mt}","direction":"{direction}",'
                    f'"segments":[{{"segmentStart":"{h_start[x]}Z","segmentEnd":"{h_acd[x]}Z",'
                    f'"segmentType":"interact","queueId":"{qid}","disconnectType":"{acd_disc}"}}]}}]}}'
                )
                if hans[x]:
                    a = hag[x]
                    hold = (
                        f',{{"segmentStart":"{h_talk[x]}Z","segmentEnd":"{h_hold[x]}Z","segmentType":"hold",'
                        f'"queueId":"{qid}"}}'
                        if hhold[x]
                        else ""
                    )
                    parts.append(
                        f'{{"participantId":"{pre}14{p}0","participantName":"{anames[a]}","purpose":"agent",'
                        f'"userId":"{aids[a]}","sessions":[{{"sessionId":"{pre}24{p}0","mediaType":"{mt}",'
                        f'"direction":"{direction}","segments":['
                        f'{{"segmentStart":"{h_acd[x]}Z","segmentEnd":"{h_alert[x]}Z","segmentType":"alert",'
                        f'"queueId":"{qid}"}},'
                        f'{{"segmentStart":"{h_alert[x]}Z","segmentEnd":"{h_talk[x]}Z","segmentType":"interact",'
                        f'"queueId":"{qid}","disconnectType":"{"transfer" if htr[x] else "client"}"}}{hold},'
                        f'{{"segmentStart":"{h_hold[x]}Z","segmentEnd":"{h_wrap[x]}Z","segmentType":"wrapup",'
                        f'"queueId":"{qid}","wrapUpCode":"{wrs[hwr[x]]}"}}]}}]}}'
                    )
            evals = ""
            if escore[j] >= 0:
                lastq = qids[hq[k + counts_l[j] - 1]]
                evals = (
                    f',"evaluations":[{{"evaluationId":"{pre}3000","evaluatorId":"{EVALUATOR_IDS[r % 5]}",'
                    f'"userId":"{aids[eagent[j]]}","eventTime":"{te}Z","formId":"{FORM_ID}",'
                    f'"formName":"Standard QA","queueId":"{lastq}","oTotalScore":{escore[j]}}}]'
                )
            k += counts_l[j]
            out.append(
                f'{{"conversationId":"{pre}0000","conversationStart":"{ts}Z","conversationEnd":"{te}Z",'
                f'"originatingDirection":"{direction}","divisionIds":["{self.division}"],'
                f'"mediaStatsMinConversationMos":4.4{evals},"participants":[{",".join(parts)}]}}'
            )
        return out


def conversation_id(day: GenesysDay, row: int) -> str:
    """The conversation id of one row."""
    return uuid_of(day.hex_ids[row], "0000")
