"""Who hears about which cost center: each owner their own slice, finance the whole.

Routes come from the validated ``notification_routes`` registry (``raw.config_notification_routes``)
and owners from ``cost_centers`` (``raw.config_cost_centers``). A route names an environment
variable holding the apprise URL(s) (credentials never sit in the registry). ``deliver`` sends one
message per route: an ``owner`` route gets the slices of the cost centers that owner owns (nothing
when none of them has news), a ``finance`` route gets every slice plus the attachments. Every
route is tried: an unset variable, a bad URL or a failing target is logged and reported, and does
not stop the others. With a ``state_file`` each (key, route) goes out once across runs.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

Sender = Callable[[list[str], str, str, str, Sequence[str]], bool]


@dataclass(frozen=True)
class Route:
    """One recipient's target: ``scope`` owner (their cost centers) or finance (all)."""

    recipient: str
    scope: str
    target_env: str


@dataclass(frozen=True)
class Routing:
    """The loaded routes and each cost center's owner."""

    routes: tuple[Route, ...] = ()
    owners: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_warehouse(cls, con) -> Routing:
        """Routes and owners of the loaded registries (empty when they were never loaded)."""
        try:
            routes = con.execute(
                "select recipient, scope, target_env from raw.config_notification_routes order by 1, 3"
            ).fetchall()
            owners = con.execute("select cost_center, owner from raw.config_cost_centers").fetchall()
        except Exception:  # registries never loaded: nobody to route to
            return cls()
        return cls(tuple(Route(*r) for r in routes), {cc: owner for cc, owner in owners if owner})

    def audience(self, cost_centers: Sequence[str], owner_of: Mapping[str, str] | None = None) -> list[
        tuple[Route, list[str]]
    ]:  # fmt: skip
        """Per route, the cost centers (of ``cost_centers``) it hears about; routes with none left out.

        ``owner_of`` overrides the registry owner per cost center (a budget's own owner).
        """
        out = []
        for route in self.routes:
            if route.scope == "finance":
                mine = list(cost_centers)
            else:
                mine = [
                    cc
                    for cc in cost_centers
                    if (owner_of or {}).get(cc, self.owners.get(cc)) == route.recipient
                ]
            if mine:
                out.append((route, mine))
        return out


@dataclass
class Delivery:
    """What one ``deliver`` call did, as ``key:target_env`` strings."""

    sent: list[str] = field(default_factory=list)
    already_sent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def apprise_sender(urls: list[str], title: str, body: str, key: str, attachments: Sequence[str] = ()) -> bool:
    """Send through the relay (``guardrails.notify.Notifier``: retries, de-duplication, cooldown)."""
    from guardrails.notify import Notifier

    notifier = Notifier(urls, retries=int(os.environ.get("CCFINOPS_NOTIFY_RETRIES", 3)))
    return bool(notifier.send(title, body, key, attachments=attachments).sent)


def target_urls(target_env: str, env: Mapping[str, str] | None = None) -> list[str]:
    """The comma-separated apprise URLs held by ``target_env`` (empty when unset)."""
    value = (os.environ if env is None else env).get(target_env, "")
    return [u.strip() for u in value.split(",") if u.strip()]


def send_to(
    route: Route,
    title: str,
    body: str,
    key: str,
    *,
    attachments: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    sender: Sender = apprise_sender,
) -> bool:
    """Send one message to one route's target; any failure is logged and returns ``False``."""
    urls = target_urls(route.target_env, env)
    if not urls:
        log.error("notification %s: environment variable %s holds no URL", key, route.target_env)
        return False
    try:
        return bool(sender(urls, title, body, key, attachments))
    except Exception as exc:  # a bad URL or a dead target must not block the other routes
        log.error("notification %s via %s failed: %s", key, route.target_env, type(exc).__name__)
        return False


@dataclass(frozen=True)
class Sliced:
    """One message cut per cost center: ``slices`` go to owners, finance gets ``whole`` + every slice."""

    title: str
    slices: Mapping[str, str]
    key: str
    whole: str = ""
    attachments: Sequence[str] = ()  # finance only (the whole report)


def deliver(
    routing: Routing,
    message: Sliced,
    *,
    state_file: Path | None = None,
    env: Mapping[str, str] | None = None,
    sender: Sender = apprise_sender,
) -> Delivery:
    """Send each route its cost centers' slices of ``message`` (once per route with ``state_file``)."""
    sent = load_state(state_file)
    report = Delivery()
    for route, mine in routing.audience(list(message.slices)):
        route_key = f"{message.key}:{route.target_env}"
        if route_key in sent:
            report.already_sent.append(route_key)
            continue
        lines = [message.slices[cc] for cc in mine]
        if route.scope == "finance":
            title, body, files = (
                message.title,
                "\n".join([message.whole, *lines]).strip(),
                message.attachments,
            )
        else:
            body = "\n".join(lines)
            title, files = f"{message.title} ({', '.join(mine)})", ()
        if send_to(route, title, body, route_key, attachments=files, env=env, sender=sender):
            report.sent.append(route_key)
            sent[route_key] = dt.datetime.now(dt.UTC).isoformat()
            save_state(state_file, sent)
        else:
            report.failed.append(route_key)
    return report


def load_state(path: Path | None) -> dict[str, str]:
    """Keys already delivered (``{key: sent at}``) from a JSON state file."""
    if path is None:
        return {}
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def save_state(path: Path | None, sent: Mapping[str, str], keep_days: int | None = None) -> None:
    """Replace the state file atomically (keys older than ``keep_days`` are dropped)."""
    if path is None:
        return
    if keep_days is not None:
        cutoff = (dt.datetime.now(dt.UTC) - dt.timedelta(days=keep_days)).isoformat()
        sent = {k: v for k, v in sent.items() if v >= cutoff}
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(dict(sent), indent=1, sort_keys=True))
    os.replace(tmp, path)
