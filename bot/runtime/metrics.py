"""Prometheus metrics, in one registry per process (tests build their own), exposed by /metrics.

Every metric declared here is observed somewhere: commands and their latency by the command tree, gateway state and
guild counts per shard by the bot's connection events, Last.fm by its client, shedding by the admission, job failures
by the job runner; the process and garbage-collector collectors come with prometheus-client.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector

# Seconds from dispatch to the end of a command: Discord's deadline is 3 s for the first response.
COMMAND_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0)


class Metrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        ProcessCollector(registry=r)
        GCCollector(registry=r)
        PlatformCollector(registry=r)
        self.commands = Counter("sharify_commands_total", "Slash commands handled", ["command", "outcome"], registry=r)
        self.command_seconds = Histogram(
            "sharify_command_seconds",
            "Time from the start of a command to its end, by command and outcome",
            ["command", "outcome"],
            buckets=COMMAND_BUCKETS,
            registry=r,
        )
        self.interactions_shed = Counter(
            "sharify_interactions_shed_total",
            "Interactions dropped before any work: expired (3 s deadline out of reach), overflow or shutdown",
            ["reason"],
            registry=r,
        )
        self.interactions_in_flight = Gauge(
            "sharify_interactions_in_flight", "Interactions being handled now", registry=r
        )
        self.interactions_waiting = Gauge(
            "sharify_interactions_waiting", "Interactions waiting for a free slot", registry=r
        )
        self.lastfm_requests = Counter(
            "sharify_lastfm_requests_total", "Last.fm HTTP requests (every attempt)", ["method", "outcome"], registry=r
        )
        self.lastfm_retries = Counter(
            "sharify_lastfm_retries_total", "Last.fm attempts retried after a failure", ["method"], registry=r
        )
        self.lastfm_seconds = Histogram("sharify_lastfm_seconds", "Last.fm request latency", ["method"], registry=r)
        self.lastfm_cache = Counter("sharify_lastfm_cache_total", "Last.fm cache lookups", ["result"], registry=r)
        self.gateway_connected = Gauge(
            "sharify_gateway_connected", "1 while the shard's gateway connection is up", ["shard"], registry=r
        )
        self.job_failures = Counter(
            "sharify_job_failures_total", "Background job runs that raised", ["job"], registry=r
        )
        self.guilds = Gauge("sharify_guilds", "Guilds this process serves, by shard", ["shard"], registry=r)
