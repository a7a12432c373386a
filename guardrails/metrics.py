"""Prometheus metrics of one receiver (own registry, so several apps can live in one test process)."""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class Metrics:
    """Counters, histograms and gauges exposed on ``/metrics``."""

    def __init__(self, depth: Callable[[], float], lag: Callable[[], float]) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.events = Counter(
            "ccfinops_guardrail_events_total", "Accepted usage events", ["event_type", "platform"], registry=r
        )
        self.duplicates = Counter(
            "ccfinops_guardrail_duplicate_events_total",
            "Repeated event_ids answered from the spool index",
            registry=r,
        )
        self.decisions = Counter(
            "ccfinops_guardrail_decisions_total", "Decisions by outcome", ["decision"], registry=r
        )
        self.rejections = Counter(
            "ccfinops_guardrail_rejections_total", "Rejected requests by reason", ["reason"], registry=r
        )
        self.latency = Histogram(
            "ccfinops_guardrail_request_seconds",
            "Request latency (receipt to response)",
            ["endpoint"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.flush_batch = Histogram(
            "ccfinops_guardrail_spool_flush_batch",
            "Records per group commit",
            buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512),
            registry=r,
        )
        self.sync_seconds = Histogram(
            "ccfinops_guardrail_spool_sync_seconds",
            "fdatasync duration per group commit",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.reload_failing = Gauge(
            "ccfinops_guardrail_reload_failing",
            "1 while the newest file of a source is invalid and the last good version keeps serving",
            ["source"],
            registry=r,
        )
        self.reloads = Counter(
            "ccfinops_guardrail_reloads_total", "Config/baseline reloads", ["source", "outcome"], registry=r
        )
        self.actions = Counter(
            "ccfinops_guardrail_actions_planned_total", "Mitigation actions planned", ["mode"], registry=r
        )
        self.notifications = Counter(
            "ccfinops_guardrail_notifications_total",
            "Notification attempts by outcome",
            ["outcome"],
            registry=r,
        )
        depth_g = Gauge("ccfinops_guardrail_spool_depth", "Records waiting for fsync", registry=r)
        depth_g.set_function(depth)
        lag_g = Gauge(
            "ccfinops_guardrail_spool_lag_seconds", "Age of the oldest record waiting for fsync", registry=r
        )
        lag_g.set_function(lag)
        self.spool_bytes = Gauge(
            "ccfinops_guardrail_spool_bytes_written", "Bytes appended since start", registry=r
        )
        self.spool_flushes = Gauge(
            "ccfinops_guardrail_spool_flushes", "Group commits (write + fdatasync) since start", registry=r
        )
