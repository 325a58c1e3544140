"""Prometheus text endpoint. Off by default; `[metrics] listen = "127.0.0.1:9167"` turns it on.

Strategy: the hot path keeps its plain dict counters (Statistics); a custom collector turns
them into metric families only when scraped, so serving packets costs nothing extra. The
endpoint is a few lines of asyncio on the service's own loop (no thread, so a scrape never
reads the counters while a packet is being counted).
"""

import asyncio
import platform
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

from . import __version__

_COUNTERS = (
    # (snapshot key, metric name, label, help)
    ("received", "ucdhcp_requests", "message_type", "Requests received, by DHCP message type"),
    ("replies", "ucdhcp_replies", "destination", "Replies sent, by destination kind"),
    ("dropped", "ucdhcp_replies_dropped", "cause", "Replies built but not sent, by cause"),
    ("ignored", "ucdhcp_ignored", "reason", "Requests ignored, by reason"),
    ("sites", "ucdhcp_site_replies", "site", "Replies sent, by site"),
    ("send_errors", "ucdhcp_send_errors", "error", "Socket send and ICMP errors, by errno"),
    ("reloads", "ucdhcp_config_reloads", "result", "Configuration reloads, by result"),
)
_MAX_REQUEST_LINES = 64
_READ_TIMEOUT = 5.0
_MAX_CONNECTIONS = 8


class CountersCollector(Collector):
    """Reads a counters snapshot (`Service.counters`) at scrape time."""

    def __init__(
        self, counters: Callable[[], Mapping[str, Any]], interfaces: Callable[[], int]
    ) -> None:
        self.counters = counters
        self.interfaces = interfaces

    def collect(self) -> Iterator[Metric]:
        snapshot = self.counters()
        for key, name, label, text in _COUNTERS:
            family = CounterMetricFamily(name, text, labels=[label])
            for value, count in sorted(snapshot.get(key, {}).items()):
                family.add_metric([str(value)], count)
            yield family
        served = GaugeMetricFamily("ucdhcp_interfaces_served", "Interfaces with a listening socket")
        served.add_metric([], self.interfaces())
        yield served
        info = GaugeMetricFamily(
            "ucdhcp_build_info", "Build information", labels=["version", "python"]
        )
        info.add_metric([__version__, platform.python_version()], 1)
        yield info


def registry_for(collector: Collector) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    return registry


async def start_metrics_server(host: str, port: int, registry: CollectorRegistry) -> asyncio.Server:
    """Serve GET /metrics over HTTP/1.0. Raises OSError when the address cannot be bound."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if len(busy) >= _MAX_CONNECTIONS:  # a scraper needs one; a flood gets nothing
            writer.close()
            return
        busy.add(writer)
        try:
            async with asyncio.timeout(_READ_TIMEOUT):  # the whole request, not each line
                status, body, content_type = await _answer(reader, registry)
            head = (
                f"HTTP/1.0 {status}\r\nContent-Type: {content_type}\r\n"
                f"Content-Length: {len(body)}\r\n\r\n"
            )
            writer.write(head.encode() + body)
            await writer.drain()
        except (TimeoutError, ConnectionError, ValueError, asyncio.IncompleteReadError):
            pass  # slow, broken or oversized requests get nothing; the service carries on
        finally:
            busy.discard(writer)
            writer.close()

    busy: set[asyncio.StreamWriter] = set()
    return await asyncio.start_server(handle, host, port, limit=8192)


async def _answer(
    reader: asyncio.StreamReader, registry: CollectorRegistry
) -> tuple[str, bytes, str]:
    request_line = await reader.readline()
    for _ in range(_MAX_REQUEST_LINES):  # skip headers, bounded
        if (await reader.readline()).strip() == b"":
            break
    parts = request_line.split()
    if len(parts) < 2 or parts[0] != b"GET":
        return "405 Method Not Allowed", b"only GET /metrics\n", "text/plain"
    if parts[1].split(b"?")[0] not in (b"/metrics", b"/"):
        return "404 Not Found", b"see /metrics\n", "text/plain"
    return "200 OK", generate_latest(registry), CONTENT_TYPE_LATEST
