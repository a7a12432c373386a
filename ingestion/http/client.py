"""The shared httpx client: bearer auth, token-bucket limiting, bounded jittered retries, counters."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
import tenacity

from ingestion.http.auth import TokenProvider
from ingestion.http.counters import RunCounters
from ingestion.http.errors import ApiError, AuthError, RetriesExhausted
from ingestion.http.limiter import TokenBucket

RETRY_STATUSES = frozenset({429, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded exponential backoff with full jitter; ``Retry-After`` wins when the server sends it."""

    max_attempts: int = 8
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    retry_after_max: float = 120.0
    timeout: float = 60.0

    def backoff(self, attempt: int) -> float:
        """Full-jitter delay before retry number ``attempt`` (1-based)."""
        return random.uniform(0.0, min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1)))


class _Retryable(Exception):
    """Internal: a response or transport failure worth another attempt."""

    def __init__(self, status: int | None, message: str, url: str, retry_after: float | None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.url = url
        self.retry_after = retry_after


class ApiClient:
    """One vendor's API: ``request()`` returns a successful ``httpx.Response`` or raises ``ApiError``.

    Every request takes a token from the limiter, carries a cached bearer token (refreshed before
    expiry, and once on 401), and is retried on 429/502/503/504 and connection errors with full
    jitter, honouring ``Retry-After`` — at most ``retry.max_attempts`` tries, then
    ``RetriesExhausted``. Counters tally requests, 429s, retries and seconds waited.
    """

    def __init__(
        self,
        vendor: str,
        base_url: str,
        auth: TokenProvider | None,
        limiter: TokenBucket,
        retry: RetryPolicy | None = None,
        counters: RunCounters | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.vendor = vendor
        self.base_url = base_url.rstrip("/")
        self.auth = auth
        self.limiter = limiter
        self.retry = retry or RetryPolicy()
        self.counters = counters or RunCounters()
        self._sleep = sleep
        self._http = httpx.Client(
            timeout=self.retry.timeout,
            transport=transport,
            limits=httpx.Limits(max_connections=16, max_keepalive_connections=16),
        )

    def close(self) -> None:
        """Close pooled connections."""
        self._http.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ public
    def authenticate(self) -> None:
        """Fetch a token now (fails fast with the vendor's error text on bad credentials)."""
        if self.auth is not None:
            self.auth.token(self._send_unlimited)

    def request(
        self, method: str, path: str, *, ok: Iterable[int] = (200, 201, 202, 204), **kwargs: Any
    ) -> httpx.Response:
        """Send an authenticated, rate-limited, retried request; non-``ok`` statuses raise ``ApiError``."""
        url = path if path.startswith(("http://", "https://")) else self.base_url + path
        ok_set = frozenset(ok)
        base_headers = dict(kwargs.pop("headers", None) or {})
        refreshed = False
        while True:
            token = self.auth.token(self._send_unlimited) if self.auth is not None else None
            headers = dict(base_headers)
            if token is not None:
                headers["Authorization"] = f"Bearer {token}"
            resp = self._send(method, url, limited=True, headers=headers, **kwargs)
            if resp.status_code == 401 and self.auth is not None:
                if refreshed:
                    raise AuthError(self.vendor, 401, error_text(resp), url)
                self.auth.invalidate(token)
                refreshed = True
                continue
            if resp.status_code not in ok_set:
                raise ApiError(self.vendor, resp.status_code, error_text(resp), url)
            return resp

    def get_json(self, path: str, **kwargs: Any) -> Any:
        """GET and parse JSON with orjson (``None`` on 204)."""
        return _json(self.request("GET", path, **kwargs))

    def post_json(self, path: str, body: Any, **kwargs: Any) -> Any:
        """POST a JSON body (serialised with orjson) and parse the JSON answer."""
        headers = {"Content-Type": "application/json", **(kwargs.pop("headers", None) or {})}
        return _json(self.request("POST", path, content=orjson.dumps(body), headers=headers, **kwargs))

    # ---------------------------------------------------------------- internals
    def _send_unlimited(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return self._send(method, url, limited=False, **kwargs)

    def _send(self, method: str, url: str, *, limited: bool, **kwargs: Any) -> httpx.Response:
        policy = self.retry
        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception_type(_Retryable),
            stop=tenacity.stop_after_attempt(policy.max_attempts),
            wait=self._wait,
            sleep=self._counted_sleep,
            before_sleep=lambda _state: self.counters.add(retries=1),
            reraise=True,
        )
        try:
            return retrying(self._attempt, method, url, limited, kwargs)
        except _Retryable as exc:
            raise RetriesExhausted(
                self.vendor, exc.status, exc.message, exc.url, policy.max_attempts
            ) from None

    def _attempt(self, method: str, url: str, limited: bool, kwargs: dict[str, Any]) -> httpx.Response:
        if limited:
            waited = self.limiter.acquire()
            if waited:
                self.counters.add(wait_seconds=waited)
        self.counters.add(requests=1)
        try:
            resp = self._http.request(method, url, **kwargs)
        except httpx.TransportError as exc:
            raise _Retryable(None, f"{type(exc).__name__}: {exc}", url, None) from exc
        if limited:
            self.limiter.observe(resp.headers)
        if resp.status_code in RETRY_STATUSES:
            retry_after = _retry_after(resp.headers.get("Retry-After"))
            if resp.status_code == 429:
                self.counters.add(status_429=1)
                if retry_after is not None and limited:
                    self.limiter.pause(min(retry_after, self.retry.retry_after_max))
            raise _Retryable(resp.status_code, error_text(resp), url, retry_after)
        return resp

    def _wait(self, state: tenacity.RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        backoff = self.retry.backoff(state.attempt_number)
        if isinstance(exc, _Retryable) and exc.retry_after is not None:
            return min(exc.retry_after, self.retry.retry_after_max) + backoff * 0.1
        return backoff

    def _counted_sleep(self, seconds: float) -> None:
        self.counters.add(wait_seconds=seconds)
        self._sleep(seconds)


def error_text(resp: httpx.Response) -> str:
    """The vendor's error words: ErrorBody code/message, OAuth error, CXone ``icStatusDescription``."""
    header = resp.headers.get("icStatusDescription")
    try:
        body = orjson.loads(resp.content) if resp.content else None
    except orjson.JSONDecodeError:
        body = None
    if isinstance(body, dict):
        parts = [
            str(body[k])
            for k in ("code", "error", "message", "description", "error_description")
            if body.get(k)
        ]
        if parts:
            return ": ".join(parts)
    if header:
        return header
    return (resp.text or resp.reason_phrase or "").strip()[:500]


def _retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _json(resp: httpx.Response) -> Any:
    if resp.status_code == 204 or not resp.content:
        return None
    return orjson.loads(resp.content)
