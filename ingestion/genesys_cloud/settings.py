"""Genesys Cloud CX endpoints, defaults and the declared Arrow schemas of the raw tables."""

from __future__ import annotations

import pyarrow as pa

SOURCE_NAME = "genesys_cloud"
PLATFORM = "genesys"

TOKEN_PATH = "/oauth/token"
JOBS_PATH = "/api/v2/analytics/conversations/details/jobs"
AVAILABILITY_PATH = "/api/v2/analytics/conversations/details/jobs/availability"
AGGREGATES_PATH = "/api/v2/analytics/conversations/aggregates/query"
BILLABLE_USAGE_PATH = "/api/v2/billing/reports/billableusage"

DEFAULT_RATE_PER_MIN = 100.0
MAX_INTERVAL_DAYS = 31
JOB_PAGE_SIZE = 1000
AGGREGATE_GRANULARITY = "PT30M"
AGGREGATE_METRICS = ["nOffered", "nConnected", "tHandle", "tTalk", "tAcw"]
ACTIVE_JOB_STATES = frozenset({"QUEUED", "PENDING"})
LOST_JOB_STATES = frozenset({"FAILED", "EXPIRED", "CANCELLED"})

TS = pa.timestamp("us", tz="UTC")

CONVERSATIONS_TABLE = "genesys_conversations"
SESSIONS_TABLE = "genesys_sessions"
SEGMENTS_TABLE = "genesys_segments"
EVALUATIONS_TABLE = "genesys_evaluations"
QUEUE_INTERVALS_TABLE = "genesys_queue_intervals"
LICENCE_TABLE = "genesys_licence_usage"
VOICE_USAGE_TABLE = "genesys_voice_usage"
LEDGER_TABLE = "ingest_reconciliation_ledger"

CONVERSATIONS_SCHEMA = pa.schema(
    [
        pa.field("conversation_id", pa.string(), nullable=False),
        ("conversation_start", TS),
        ("conversation_end", TS),
        ("originating_direction", pa.string()),
        ("media_type", pa.string()),
        ("division_id", pa.string()),
        ("cost_center", pa.string()),
        ("campaign_id", pa.string()),
        ("final_wrapup_code", pa.string()),
        ("transcription_ms", pa.int64()),
        ("is_late", pa.bool_()),
    ]
)
SESSIONS_SCHEMA = pa.schema(
    [
        pa.field("session_id", pa.string(), nullable=False),
        ("conversation_id", pa.string()),
        ("participant_id", pa.string()),
        ("purpose", pa.string()),
        ("media_type", pa.string()),
        ("direction", pa.string()),
        ("provider", pa.string()),
        ("protocol_call_id", pa.string()),
        ("ani", pa.string()),
        ("dnis", pa.string()),
        ("user_id", pa.string()),
        ("session_start", TS),
        ("session_end", TS),
    ]
)
SEGMENTS_SCHEMA = pa.schema(
    [
        pa.field("segment_id", pa.string(), nullable=False),
        ("conversation_id", pa.string()),
        ("session_id", pa.string()),
        ("segment_index", pa.int32()),
        ("segment_type", pa.string()),
        ("purpose", pa.string()),
        ("queue_id", pa.string()),
        ("user_id", pa.string()),
        ("segment_start", TS),
        ("segment_end", TS),
        ("wrapup_code", pa.string()),
        ("disconnect_type", pa.string()),
    ]
)
EVALUATIONS_SCHEMA = pa.schema(
    [
        pa.field("evaluation_id", pa.string(), nullable=False),
        ("conversation_id", pa.string()),
        ("user_id", pa.string()),
        ("evaluated_at", TS),
        ("total_score", pa.float64()),
    ]
)
VOICE_USAGE_SCHEMA = pa.schema(
    [
        pa.field("sip_call_id", pa.string(), nullable=False),
        ("call_start", TS),
        ("direction", pa.string()),
        ("usage_group", pa.string()),
        ("duration_seconds", pa.int64()),
        ("rate_per_minute", pa.decimal128(18, 6)),
        ("cost", pa.decimal128(18, 6)),
        ("currency", pa.string()),
    ]
)
QUEUE_INTERVALS_SCHEMA = pa.schema(
    [
        pa.field("queue_id", pa.string(), nullable=False),
        pa.field("interval_start", TS, nullable=False),
        ("interval_end", TS),
        pa.field("media_type", pa.string(), nullable=False),
        ("n_offered", pa.int64()),
        ("n_answered", pa.int64()),
        ("t_handle_count", pa.int64()),
        ("t_handle_sum_ms", pa.int64()),
        ("t_talk_sum_ms", pa.int64()),
        ("t_acw_sum_ms", pa.int64()),
        ("is_provisional", pa.bool_()),
    ]
)
# CSV header -> raw column (the Cloud Voice usage report's documented column names).
VOICE_USAGE_CSV_COLUMNS = {
    "SIP Call Id": "sip_call_id",
    "Start time": "call_start",
    "Direction": "direction",
    "Usage Group": "usage_group",
    "Adjusted Duration (seconds)": "duration_seconds",
    "Usage Rate Per Minute": "rate_per_minute",
    "Total cost": "cost",
    "Currency": "currency",
}

PRIMARY_KEYS: dict[str, str | list[str]] = {
    CONVERSATIONS_TABLE: "conversation_id",
    SESSIONS_TABLE: "session_id",
    SEGMENTS_TABLE: "segment_id",
    EVALUATIONS_TABLE: "evaluation_id",
    QUEUE_INTERVALS_TABLE: ["queue_id", "interval_start", "media_type"],
    LICENCE_TABLE: ["period_start", "charge_name"],
    VOICE_USAGE_TABLE: "sip_call_id",
    LEDGER_TABLE: ["platform", "window_start"],
}

QUEUE_INTERVAL_COLUMNS = {
    "queue_id": {"data_type": "text", "nullable": False},
    "interval_start": {"data_type": "timestamp", "timezone": True, "nullable": False},
    "interval_end": {"data_type": "timestamp", "timezone": True},
    "media_type": {"data_type": "text", "nullable": False},
    "n_offered": {"data_type": "bigint"},
    "n_answered": {"data_type": "bigint"},
    "t_handle_count": {"data_type": "bigint"},
    "t_handle_sum_ms": {"data_type": "bigint"},
    "t_talk_sum_ms": {"data_type": "bigint"},
    "t_acw_sum_ms": {"data_type": "bigint"},
    "is_provisional": {"data_type": "bool"},
}
LICENCE_COLUMNS = {
    "period_start": {"data_type": "timestamp", "timezone": True, "nullable": False},
    "period_end": {"data_type": "timestamp", "timezone": True},
    "charge_name": {"data_type": "text", "nullable": False},
    "user_count": {"data_type": "bigint"},
}
LEDGER_COLUMNS = {
    "platform": {"data_type": "text", "nullable": False},
    "window_start": {"data_type": "timestamp", "timezone": True, "nullable": False},
    "window_end": {"data_type": "timestamp", "timezone": True},
    "reason": {"data_type": "text"},
    "status": {"data_type": "text"},
    "recorded_at": {"data_type": "timestamp", "timezone": True},
    "replaced_at": {"data_type": "timestamp", "timezone": True},
}
