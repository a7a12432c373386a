"""One HTTP layer for both vendors: OAuth token cache, token-bucket limiter, bounded retries, counters."""

from ingestion.http.auth import CxonePasswordGrant, GenesysClientCredentials, TokenProvider
from ingestion.http.client import ApiClient, RetryPolicy, error_text
from ingestion.http.counters import RunCounters
from ingestion.http.errors import ApiError, AuthError, RetriesExhausted
from ingestion.http.limiter import TokenBucket

__all__ = [
    "ApiClient",
    "ApiError",
    "AuthError",
    "CxonePasswordGrant",
    "GenesysClientCredentials",
    "RetriesExhausted",
    "RetryPolicy",
    "RunCounters",
    "TokenBucket",
    "TokenProvider",
    "error_text",
]
