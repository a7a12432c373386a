"""Errors raised by the shared HTTP layer; every one carries the vendor's own error text."""

from __future__ import annotations


class ApiError(RuntimeError):
    """A vendor API answered with an error we do not retry (or retried until the limit)."""

    def __init__(self, vendor: str, status: int | None, message: str, url: str = "") -> None:
        self.vendor = vendor
        self.status = status
        self.vendor_message = message
        self.url = url
        where = f" {url}" if url else ""
        code = f"HTTP {status}" if status is not None else "connection error"
        super().__init__(f"{vendor}{where}: {code}: {message}")


class AuthError(ApiError):
    """The vendor refused our credentials (token endpoint 400/401, or 401 after one refresh)."""


class RetriesExhausted(ApiError):
    """A retryable failure (429/5xx/connection) persisted through every allowed attempt."""

    def __init__(self, vendor: str, status: int | None, message: str, url: str, attempts: int) -> None:
        self.attempts = attempts
        super().__init__(vendor, status, f"gave up after {attempts} attempts: {message}", url)
