"""NICE CXone endpoints, defaults and the declared Arrow schema of ``cxone_contacts``."""

from __future__ import annotations

import pyarrow as pa

SOURCE_NAME = "nice_cxone"
PLATFORM = "cxone"

TOKEN_PATH = "/auth/token"
DISCOVERY_PATH = "/.well-known/cxone-configuration"
API_VERSION = "v30.0"
COMPLETED_CONTACTS_PATH = "/incontactapi/services/{version}/contacts/completed"
DISPOSITIONS_PATH = "/incontactapi/services/{version}/dispositions"

DEFAULT_RATE_PER_MIN = 50.0
MAX_RANGE_DAYS = 31
PAGE_TOP = 10_000

CONTACTS_TABLE = "cxone_contacts"
PRIMARY_KEY = "contact_id"
TOLL_FREE_PREFIXES = ("800", "833", "844", "855", "866", "877", "888")
VOICE_CARRIER = "nice_cxone_voice"
MEDIA_TYPES = {4: "voice", 3: "chat", 1: "email", 5: "voicemail", 6: "work_item", 7: "sms", 8: "social"}

TS = pa.timestamp("us", tz="UTC")
CONTACTS_SCHEMA = pa.schema(
    [
        pa.field("contact_id", pa.int64(), nullable=False),
        ("master_contact_id", pa.int64()),
        ("contact_start", TS),
        ("contact_end", TS),
        ("skill_id", pa.int64()),
        ("skill_name", pa.string()),
        ("campaign_id", pa.int64()),
        ("campaign_name", pa.string()),
        ("agent_id", pa.int64()),
        ("team_id", pa.int64()),
        ("media_type", pa.string()),
        ("is_outbound", pa.bool_()),
        ("from_addr", pa.string()),
        ("to_addr", pa.string()),
        ("point_of_contact", pa.string()),
        ("total_duration_seconds", pa.int64()),
        ("in_queue_seconds", pa.int64()),
        ("agent_seconds", pa.int64()),
        ("hold_seconds", pa.int64()),
        ("acw_seconds", pa.int64()),
        ("disposition", pa.string()),
        ("abandoned", pa.bool_()),
        ("transfer_indicator", pa.bool_()),
        ("end_reason", pa.string()),
        ("number_type", pa.string()),
        ("carrier", pa.string()),
    ]
)

# raw column -> (current v26+ field, v17–v25 field)
FIELD_NAMES = {
    "contact_start": ("contactStartDate", "contactStart"),
    "from_addr": ("fromAddress", "fromAddr"),
    "to_addr": ("toAddress", "toAddr"),
    "acw_seconds": ("acwSeconds", "ACWSeconds"),
    "media_type": ("mediaTypeId", "mediaType"),
}
