"""Notifications through apprise to loopback receivers: Slack, Teams Workflows (HTTPS), SMTP (aiosmtpd)."""

from __future__ import annotations

import datetime as dt
import json
import ssl
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from apprise.plugins.slack import NotifySlack

from guardrails.notify import Notifier
from tests.guardrails.conftest import free_port

pytestmark = pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")


def _self_signed(tmp: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(hours=1))
        .sign(key, hashes.SHA256())
    )
    crt, pem = tmp / "cert.pem", tmp / "key.pem"
    crt.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return crt, pem


class Hooks:
    """An HTTPS loopback webhook receiver: records POSTs, fails the first ``fail_next`` with 500."""

    def __init__(self, tmp: Path) -> None:
        self.received: list[tuple[str, Any]] = []
        self.fail_next = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                if outer.fail_next > 0:
                    outer.fail_next -= 1
                    self.send_response(500)
                    self.end_headers()
                    return
                outer.received.append((self.path, json.loads(body or b"null")))
                self.send_response(200)
                self.send_header("content-type", "text/plain")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        crt, key = _self_signed(tmp)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(crt, key)
        self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hooks(tmp_path, monkeypatch) -> Iterator[Hooks]:
    h = Hooks(tmp_path)
    # apprise's Slack plugin posts to a fixed host; point it at the loopback receiver (same payload code path)
    monkeypatch.setattr(NotifySlack, "webhook_url", f"https://127.0.0.1:{h.port}/services")
    yield h
    h.close()


class Inbox:
    """aiosmtpd handler keeping every message."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


SLACK = "slack://T000AAAA/B000BBBB/abcdefghijklmnopqrstuvwx/?verify=no"


def _teams(port: int) -> str:
    return f"workflows://127.0.0.1:{port}/wf123/sig456/?verify=no"


def test_slack_teams_and_email_are_delivered(hooks, smtp):
    inbox, smtp_port = smtp
    email = f"mailto://guardrails@127.0.0.1:{smtp_port}?to=finops@example.com&from=guardrails@example.com&mode=insecure"
    n = Notifier([SLACK, _teams(hooks.port), email], retries=1)
    result = n.send("CC-SALES over budget", "consumption 1.50 > 1.15", key="CC-SALES")
    assert result.sent and result.failed_targets == []
    paths = sorted(p for p, _ in hooks.received)
    assert paths[0].startswith("/services/T000AAAA/B000BBBB/")
    assert paths[1].startswith("/workflows/wf123/triggers/manual/paths/invoke?") and "sig=sig456" in paths[1]
    slack_body = next(b for p, b in hooks.received if p.startswith("/services"))
    assert "CC-SALES over budget" in json.dumps(slack_body)
    teams_body = next(b for p, b in hooks.received if p.startswith("/workflows"))
    assert "consumption 1.50 > 1.15" in json.dumps(teams_body)
    deadline = time.monotonic() + 5
    while not inbox.messages and time.monotonic() < deadline:
        time.sleep(0.05)
    (msg,) = inbox.messages
    assert msg.rcpt_tos == ["finops@example.com"] and b"CC-SALES over budget" in msg.content


def test_retries_then_success(hooks):
    hooks.fail_next = 2
    n = Notifier([SLACK], retries=3, backoff_s=0.01)
    result = n.send("t", "b", key="CC-SUPPORT")
    assert result.sent and result.attempts == {0: 3}
    assert len(hooks.received) == 1


def test_every_attempt_failing_is_reported_and_starts_no_cooldown(hooks):
    hooks.fail_next = 10
    n = Notifier([SLACK], retries=2, backoff_s=0.01)
    failed = n.send("t", "b", key="CC-X")
    assert not failed.sent and failed.reason == "every target failed" and failed.attempts == {0: 2}
    hooks.fail_next = 0
    assert n.send("t", "b", key="CC-X").sent  # no cooldown after a total failure


def test_cooldown_and_dedup_per_key(hooks):
    now = [1000.0]
    n = Notifier([SLACK], cooldown_s=600, retries=1, clock=lambda: now[0])
    assert n.send("over", "1.50", key="CC-SALES").sent
    dup = n.send("over", "1.50", key="CC-SALES")
    assert not dup.sent and dup.reason.startswith("duplicate")
    cool = n.send("over", "1.70", key="CC-SALES")
    assert not cool.sent and cool.reason.startswith("cooldown")
    assert n.send("over", "1.70", key="CC-SUPPORT").sent  # other key, own cooldown
    now[0] += 601
    assert n.send("over", "1.90", key="CC-SALES").sent
    assert len(hooks.received) == 3


def test_from_env_and_invalid_url(monkeypatch):
    monkeypatch.setenv("CCFINOPS_NOTIFY_URLS", SLACK)
    monkeypatch.setenv("CCFINOPS_NOTIFY_COOLDOWN_S", "5")
    n = Notifier.from_env()
    assert n.enabled and n.cooldown_s == 5
    monkeypatch.setenv("CCFINOPS_NOTIFY_URLS", "")
    assert not Notifier.from_env().send("t", "b", key="k").sent
    with pytest.raises(ValueError, match=r"target #1 \(nope://…\)") as exc:
        Notifier(["nope://secret-token@host"])
    assert "secret-token" not in str(exc.value)


def test_receiver_notifies_on_breach_once_per_cooldown(make_receiver, settings, hooks, monkeypatch):
    monkeypatch.setenv("CCFINOPS_NOTIFY_URLS", _teams(hooks.port))
    rec = make_receiver(settings)
    from tests.guardrails.conftest import seed_event

    # decisions follow the event's timestamp (intraday profile), never the wall clock: pin the hour
    morning = dt.datetime.combine(dt.datetime.now(dt.UTC).date(), dt.time(6, 0), dt.UTC)
    for i in range(3):
        event = seed_event(f"n-{i}", duration_ms=6_000_000, cost_center="CC-SALES", when=morning)
        assert rec.post(event).json()["decision"] == "mitigate"
    deadline = time.monotonic() + 10
    while not hooks.received and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    assert len(hooks.received) == 1
    assert "MITIGATE CC-SALES" in json.dumps(hooks.received[0][1])


def test_the_receiver_tells_the_cost_centers_owner_and_finance(
    make_receiver, settings, hooks, monkeypatch, caplog
):
    """Routes come from the rule book (dim_guardrail_notification_routes): CC-SALES's owner and
    finance hear about its breach; finance's target is unset, which is logged and stops nobody."""
    monkeypatch.delenv("CCFINOPS_NOTIFY_URLS", raising=False)
    monkeypatch.setenv("CCFINOPS_TEST_NOTIFY_SALES_OWNER", _teams(hooks.port).replace("wf123", "owner"))
    monkeypatch.delenv("CCFINOPS_TEST_NOTIFY_FINANCE", raising=False)
    rec = make_receiver(settings)
    from tests.guardrails.conftest import seed_event

    morning = dt.datetime.combine(dt.datetime.now(dt.UTC).date(), dt.time(6, 0), dt.UTC)
    sales = seed_event("r-1", duration_ms=6_000_000, cost_center="CC-SALES", when=morning)
    support = seed_event("r-2", duration_ms=6_000_000, cost_center="CC-SUPPORT", when=morning)
    assert rec.post(sales).json()["decision"] == "mitigate"
    assert rec.post(support).json()["decision"] == "mitigate"  # nobody routed for CC-SUPPORT here
    deadline = time.monotonic() + 10
    while not hooks.received and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    assert len(hooks.received) == 1 and "/owner/" in hooks.received[0][0]
    assert "MITIGATE CC-SALES" in json.dumps(hooks.received[0][1])
    assert "CCFINOPS_TEST_NOTIFY_FINANCE: the variable holds no URL" in caplog.text
