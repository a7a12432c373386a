"""NICE CXone helpers: API discovery, completed-contact paging and the contact flattener."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import timedelta
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from ingestion.http import ApiClient, CxonePasswordGrant
from ingestion.nice_cxone import settings as s
from ingestion.windows import Window, chunk, iso_z


def discover_api_endpoint(api: ApiClient, auth: CxonePasswordGrant) -> str:
    """``api_endpoint`` from ``/.well-known/cxone-configuration?tenantId=`` (tenant from the id_token)."""
    api.authenticate()
    if not auth.tenant_id:
        raise ValueError("CXone token response carried no tenantId; set CXONE_API_BASE instead")
    body = api.get_json(auth.auth_base + s.DISCOVERY_PATH, params={"tenantId": auth.tenant_id})
    endpoint = (body or {}).get("api_endpoint")
    if not endpoint:
        raise ValueError("CXone discovery document has no api_endpoint")
    return str(endpoint).rstrip("/")


def dispositions(api: ApiClient, version: str) -> dict[int, str]:
    """Disposition id → name."""
    body = api.get_json(s.DISPOSITIONS_PATH.format(version=version)) or {}
    return {int(d["dispositionId"]): str(d["dispositionName"]) for d in body.get("dispositions") or []}


def completed_contact_pages(
    api: ApiClient, window: Window, version: str, top: int = s.PAGE_TOP
) -> Iterator[list[dict[str, Any]]]:
    """Pages of ``contacts/completed`` for the window: skip/top, following ``_links.next``; 204 ends."""
    url: str | None = s.COMPLETED_CONTACTS_PATH.format(version=version)
    params: dict[str, Any] | None = {
        "startDate": iso_z(window.start),
        "endDate": iso_z(window.end),
        "skip": 0,
        "top": top,
    }
    while url:
        resp = api.request("GET", url, params=params)
        if resp.status_code == 204 or not resp.content:
            return
        body = orjson.loads(resp.content)
        contacts = body.get("completedContacts") or []
        if not contacts:
            return
        api.counters.add(pages=1)
        yield contacts
        nxt = (body.get("_links") or {}).get("next")
        if nxt:
            url, params = nxt, None
        else:
            url = None


def _number_type(number: str | None) -> str | None:
    if not number:
        return None
    digits = "".join(ch for ch in number if ch.isdigit())
    if digits.startswith("1") and len(digits) == 11:
        digits = digits[1:]
    return "toll_free" if digits.startswith(s.TOLL_FREE_PREFIXES) else "local"


class ContactFlattener:
    """Completed contacts (either field-name generation) → ``cxone_contacts`` Arrow tables."""

    def __init__(self, disposition_names: dict[int, str]) -> None:
        self.dispositions = disposition_names

    def table(self, contacts: Iterable[dict[str, Any]]) -> pa.Table:
        """One Arrow table with the declared schema."""
        cols: dict[str, list[Any]] = {n: [] for n in s.CONTACTS_SCHEMA.names}
        start_col, end_col = cols["contact_start"], cols["contact_end"]
        for c in contacts:
            start = c.get("contactStartDate") or c.get("contactStart")
            from_addr = c.get("fromAddress", c.get("fromAddr"))
            to_addr = c.get("toAddress", c.get("toAddr"))
            media_id = c.get("mediaTypeId", c.get("mediaType"))
            media = s.MEDIA_TYPES.get(int(media_id)) if media_id is not None else None
            if media is None and c.get("mediaTypeName"):
                media = str(c["mediaTypeName"]).lower()
            outbound = bool(c.get("isOutbound"))
            total = _int(c.get("totalDurationSeconds"))
            disp_id = _int(c.get("primaryDispositionId"))
            transfer_name = c.get("transferIndicatorName")
            voice = media == "voice"
            cols["contact_id"].append(_int(c["contactId"]))
            cols["master_contact_id"].append(_int(c.get("masterContactId")))
            start_col.append(start)
            end_col.append(total)
            cols["skill_id"].append(_int(c.get("skillId")))
            cols["skill_name"].append(c.get("skillName"))
            cols["campaign_id"].append(_int(c.get("campaignId")) or None)
            cols["campaign_name"].append(c.get("campaignName") or None)
            cols["agent_id"].append(_int(c.get("agentId")) or None)
            cols["team_id"].append(_int(c.get("teamId")) or None)
            cols["media_type"].append(media)
            cols["is_outbound"].append(outbound)
            cols["from_addr"].append(from_addr)
            cols["to_addr"].append(to_addr)
            cols["point_of_contact"].append(c.get("pointOfContactName"))
            cols["total_duration_seconds"].append(total)
            cols["in_queue_seconds"].append(_int(c.get("inQueueSeconds")))
            cols["agent_seconds"].append(_int(c.get("agentSeconds")))
            cols["hold_seconds"].append(_int(c.get("holdSeconds")))
            cols["acw_seconds"].append(_int(c.get("acwSeconds", c.get("ACWSeconds"))))
            cols["disposition"].append(self.dispositions.get(disp_id, str(disp_id)) if disp_id else None)
            cols["abandoned"].append(bool(c.get("abandoned")))
            cols["transfer_indicator"].append(bool(transfer_name) and transfer_name != "None")
            cols["end_reason"].append(c.get("endReason"))
            # toll-free pricing applies to inbound calls to an 800-style number; outbound is local
            cols["number_type"].append(("local" if outbound else _number_type(to_addr)) if voice else None)
            cols["carrier"].append(s.VOICE_CARRIER if voice else None)
        starts = pa.array(start_col, pa.string()).cast(s.TS)
        seconds = pa.array([t or 0 for t in end_col], pa.int64())
        ends = pc.add(starts, pc.cast(pc.multiply(seconds, 1_000_000), pa.duration("us")))
        arrays = []
        for f in s.CONTACTS_SCHEMA:
            if f.name == "contact_start":
                arrays.append(starts)
            elif f.name == "contact_end":
                arrays.append(ends)
            else:
                arrays.append(pa.array(cols[f.name], f.type))
        return pa.Table.from_arrays(arrays, schema=s.CONTACTS_SCHEMA)


def _int(value: Any) -> int | None:
    if value is None or value == "":
        return None
    return int(value)


def range_chunks(window: Window) -> list[Window]:
    """Split a window into ≤31-day ranges (the API's cap)."""
    return chunk(window.start, window.end, timedelta(days=s.MAX_RANGE_DAYS))
