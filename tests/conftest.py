"""Settings shared by every test: no telemetry, no network beyond loopback."""

from __future__ import annotations

import os

for _key, _value in {
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    "DO_NOT_TRACK": "1",
    "RUNTIME__DLTHUB_TELEMETRY": "false",
    "GX_ANALYTICS_ENABLED": "false",
    "TQDM_DISABLE": "1",
}.items():
    os.environ.setdefault(_key, _value)
