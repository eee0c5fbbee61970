"""Prometheus metrics, in one registry per process (tests build their own), exposed by /metrics."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class Metrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.commands = Counter("sharify_commands_total", "Slash commands handled", ["command", "outcome"], registry=r)
        self.command_seconds = Histogram(
            "sharify_command_seconds", "Time from dispatch to the end of a command", ["command"], registry=r
        )
        self.lastfm_requests = Counter(
            "sharify_lastfm_requests_total", "Last.fm HTTP requests", ["method", "outcome"], registry=r
        )
        self.lastfm_seconds = Histogram("sharify_lastfm_seconds", "Last.fm request latency", ["method"], registry=r)
        self.lastfm_cache = Counter("sharify_lastfm_cache_total", "Last.fm cache lookups", ["result"], registry=r)
        self.gateway_connected = Gauge("sharify_gateway_connected", "1 while the gateway is connected", registry=r)
        self.job_failures = Counter(
            "sharify_job_failures_total", "Background job runs that raised", ["job"], registry=r
        )
        self.guilds = Gauge("sharify_guilds", "Guilds this process serves", registry=r)
