"""Flow failure alerts through the same notification relay as the guardrails."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def send(title: str, body: str, key: str, attachments: Sequence[Path] = ()) -> bool:
    """Send through ``guardrails.notify.Notifier.from_env()``; return whether any target got it.

    The relay retries and de-duplicates by ``key`` itself; without configured targets nothing is sent.
    """
    from guardrails.notify import Notifier

    result = Notifier.from_env().send(title, body, key, attachments=tuple(attachments))
    if getattr(result, "failed_targets", None):
        failed = len(result.failed_targets)
        log.warning("notification %r: %d target(s) failed: %s", key, failed, result.reason)
    elif not getattr(result, "sent", True):
        log.info("notification %r not sent: %s", key, getattr(result, "reason", ""))
    return bool(getattr(result, "sent", result))


def send_once(
    state_file: Path, title: str, body: str, key: str, attachments: Sequence[Path] = (), keep_days: int = 35
) -> bool:
    """Send unless ``key`` was already delivered (recorded in ``state_file``; survives across runs).

    Hourly flows see the same breach every hour; the relay's cooldown lives in memory only, so the
    flow remembers which keys went out. Keys older than ``keep_days`` are forgotten.
    """
    from guardrails.routing import load_state, save_state

    sent = load_state(state_file)
    if key in sent:
        log.info("notification %r already sent at %s", key, sent[key])
        return False
    delivered = send(title, body, key, attachments)
    if delivered:
        sent[key] = datetime.now(UTC).isoformat()
        save_state(state_file, sent, keep_days=keep_days)
    return delivered


def alert_on_failure(flow: Any, flow_run: Any, state: Any) -> None:
    """Prefect ``on_failure`` hook: tell the on-call channel which flow failed and why.

    Only the flow name, run name and the state's message go out (no parameters, which may hold paths
    or URLs with credentials).
    """
    name = getattr(flow, "name", "flow")
    run = getattr(flow_run, "name", "?")
    message = (getattr(state, "message", None) or "failed").strip()
    body = f"Flow `{name}` run `{run}` ended {getattr(state, 'name', 'Failed')}: {message[:1500]}"
    try:
        send(f"ccfinops: flow {name} failed", body, key=f"flow-failure:{name}")
    except Exception:  # an alert failure must never mask the flow's own failure
        log.exception("could not send the failure alert for flow %s", name)
