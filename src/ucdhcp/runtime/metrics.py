"""Prometheus text endpoint. Off by default; `[metrics] listen = "127.0.0.1:9167"` turns it on.

Strategy: the hot path keeps its plain dict counters (Statistics); a custom collector turns
them into metric families only when scraped, so serving packets costs nothing extra. The
endpoint is a few lines of asyncio on the service's own loop (no thread, so a scrape never
reads the counters while a packet is being counted). A client has _HEAD_TIMEOUT seconds to
send its request head, and when _MAX_CONNECTIONS are open the oldest one still sending its
head is dropped for the newcomer: a scraper sends its request at once, so idle or dribbling
connections can delay a scrape by a few milliseconds at most, never refuse it.
"""

import asyncio
import platform
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

from .. import __version__

_COUNTERS = (
    # (snapshot key, metric name, label, help)
    ("received", "ucdhcp_requests", "message_type", "Requests received, by DHCP message type"),
    ("replies", "ucdhcp_replies", "destination", "Replies sent, by destination kind"),
    ("dropped", "ucdhcp_replies_dropped", "cause", "Replies built but not sent, by cause"),
    ("ignored", "ucdhcp_ignored", "reason", "Requests ignored, by reason"),
    ("sites", "ucdhcp_site_replies", "site", "Replies sent, by site"),
    ("send_errors", "ucdhcp_send_errors", "error", "Socket send and ICMP errors, by errno"),
    ("reloads", "ucdhcp_config_reloads", "result", "Configuration reloads, by result"),
    (
        "receive_drops",
        "ucdhcp_receive_queue_drops",
        "cause",
        "Requests the kernel dropped (SO_MEMINFO): queue_full, or source_filter while the"
        " heaviest sources are filtered",
    ),
)
_QUEUE_GAUGES = (
    # (snapshot["queue"] key, metric name, help)
    ("queued_bytes", "ucdhcp_receive_queue_bytes", "Bytes waiting in the receive queues"),
    ("wait_ms", "ucdhcp_receive_queue_wait_ms", "Estimated wait of a request arriving now, ms"),
    ("fair_share", "ucdhcp_fair_share", "Requests/s a source may have while shedding; 0: none"),
    ("stale", "ucdhcp_dropping_stale", "1 while requests read are dropped as stale"),
    ("filtered_sources", "ucdhcp_filtered_sources", "Sources dropped in the kernel but a sample"),
)
_MAX_HEADERS = 64
_LINE_LIMIT = 8192  # bytes per request line or header; longer ones get nothing
_HEAD_TIMEOUT = 2.0  # for the whole request head, however it trickles in
_WRITE_TIMEOUT = 5.0
# More room than the accept queue: a scraper's connection outlives a full queue of newcomers
# accepted in the same loop turn, long enough for the request it sent at once to be read.
_BACKLOG = 100
_MAX_CONNECTIONS = 128  # x (_LINE_LIMIT x 2 of read buffer): 2 MiB at worst


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
        queue = snapshot.get("queue", {})
        for key, name, text in _QUEUE_GAUGES:
            gauge = GaugeMetricFamily(name, text)
            gauge.add_metric([], queue.get(key, 0))
            yield gauge
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
    # Connections still sending their request head, oldest first (dicts keep insertion order).
    waiting: dict[asyncio.StreamWriter, None] = {}

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if len(waiting) >= _MAX_CONNECTIONS:
            oldest = next(iter(waiting))
            del waiting[oldest]
            oldest.transport.abort()  # its reader sees EOF and its handler ends
        waiting[writer] = None
        try:
            async with asyncio.timeout(_HEAD_TIMEOUT):
                status, body, content_type = await _answer(reader, registry)
            waiting.pop(writer, None)  # answering now: no longer a candidate for eviction
            head = (
                f"HTTP/1.0 {status}\r\nContent-Type: {content_type}\r\n"
                f"Content-Length: {len(body)}\r\n\r\n"
            )
            writer.transport.set_write_buffer_limits(0)  # drain(): every byte in the kernel
            writer.write(head.encode() + body)
            async with asyncio.timeout(_WRITE_TIMEOUT):  # a client that never reads
                await writer.drain()
        except (TimeoutError, ConnectionError, ValueError, asyncio.IncompleteReadError):
            pass  # slow, broken or oversized requests get nothing; the service carries on
        except asyncio.CancelledError:
            # The loop is closing with this client still connected. Ending quietly is this
            # task's whole job: Python 3.11's stream callback logs a cancelled one as an error.
            pass
        finally:
            waiting.pop(writer, None)
            if writer.transport.get_write_buffer_size():
                writer.transport.abort()  # an answer nobody reads: drop it, do not wait on it
            writer.close()

    return await asyncio.start_server(handle, host, port, limit=_LINE_LIMIT, backlog=_BACKLOG)


async def _answer(
    reader: asyncio.StreamReader, registry: CollectorRegistry
) -> tuple[str, bytes, str]:
    """Reads the request head (ValueError past _LINE_LIMIT, IncompleteReadError on EOF)."""
    request_line = await _line(reader)
    for _ in range(_MAX_HEADERS):  # skip headers, bounded
        if (await _line(reader)).strip() == b"":
            break
    else:
        raise ValueError("too many headers")
    parts = request_line.split()
    if len(parts) < 2 or parts[0] != b"GET":
        return "405 Method Not Allowed", b"only GET /metrics\n", "text/plain"
    if parts[1].split(b"?")[0] not in (b"/metrics", b"/"):
        return "404 Not Found", b"see /metrics\n", "text/plain"
    return "200 OK", generate_latest(registry), CONTENT_TYPE_LATEST


async def _line(reader: asyncio.StreamReader) -> bytes:
    try:
        return await reader.readuntil(b"\n")
    except asyncio.LimitOverrunError as error:
        raise ValueError("line too long") from error
