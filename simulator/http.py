"""Tiny request/response types shared by the simulator's handlers."""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

import orjson


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    base_url: str
    params: dict[str, str] = field(default_factory=dict)

    def json(self) -> dict:
        """The JSON body, or ``ApiError`` 400 naming the problem."""
        try:
            value = orjson.loads(self.body or b"null")
        except orjson.JSONDecodeError as exc:
            raise ApiError(400, "bad.request", f"request body is not valid JSON: {exc}") from exc
        if not isinstance(value, dict):
            raise ApiError(400, "bad.request", "request body must be a JSON object")
        return value

    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode("utf-8", "replace"), keep_blank_values=True))

    def basic_auth(self) -> tuple[str, str] | None:
        auth = self.headers.get("authorization", "")
        if not auth.lower().startswith("basic "):
            return None
        try:
            user, _, pwd = base64.b64decode(auth[6:].strip()).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return None
        return user, pwd

    def bearer(self) -> str | None:
        auth = self.headers.get("authorization", "")
        return auth[7:].strip() if auth.lower().startswith("bearer ") else None


@dataclass
class Response:
    status: int = 200
    body: bytes | Iterable[bytes] = b""
    content_type: str | None = "application/json"
    headers: list[tuple[str, str]] = field(default_factory=list)


def json_response(value: object, status: int = 200, headers: list[tuple[str, str]] | None = None) -> Response:
    return Response(status, orjson.dumps(value), "application/json", list(headers or []))


class ApiError(Exception):
    """An error answered in the platform's error format."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        headers: list[tuple[str, str]] | None = None,
        extra: dict | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or []
        self.extra = extra or {}


class Reset(Exception):
    """Close the connection without any response (fault injection)."""
