"""The Prometheus endpoint: counters from a real exchange, scraped over real TCP and parsed
with prometheus_client's own parser."""

import asyncio
import contextlib
import socket
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.dhcp.request import phone_request
from ucdhcp.config.loading import parse_config

from ..integration.loopback import Loopback, example_document, serving
from .metrics_service import metrics_service, scrape

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]
CONNECT_TIMEOUT = 5.0
SCRAPE_TIMEOUT = 5.0


def samples(body: str) -> Samples:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
    }


@pytest.mark.asyncio
async def test_metrics_count_requests_replies_and_ignored_by_reason(tmp_path: Path) -> None:
    async with serving(metrics_service(tmp_path)) as loopback:
        assert isinstance(loopback, Loopback)
        await loopback.exchange_after_ignored(
            phone_request(xid=3, vendor_class=None), phone_request(xid=1)
        )
        await loopback.exchange_after_ignored(b"junk", phone_request(xid=2))
        port = loopback.service.metrics_port
        assert port is not None
        head, body = await scrape(port)
    assert head.startswith("HTTP/1.0 200")
    values = samples(body)
    assert values[("ucdhcp_requests_total", (("message_type", "inform"),))] == 3
    assert values[("ucdhcp_requests_total", (("message_type", "malformed"),))] == 1
    assert values[("ucdhcp_replies_total", (("destination", "source"),))] == 2
    assert values[("ucdhcp_ignored_total", (("reason", "no_vendor_class"),))] == 1
    assert values[("ucdhcp_ignored_total", (("reason", "malformed"),))] == 1
    assert values[("ucdhcp_site_replies_total", (("site", "headquarters"),))] == 2
    assert values[("ucdhcp_interfaces_served", ())] == 1
    build = [key for key in values if key[0] == "ucdhcp_build_info"]
    assert build and dict(build[0][1])["version"]


@pytest.mark.asyncio
async def test_metrics_count_reloads_by_result(tmp_path: Path) -> None:
    service = metrics_service(tmp_path)
    async with serving(service) as loopback:
        service.config_path.write_text("not toml [", encoding="utf-8")
        assert await service.reload() is False
        port = loopback.service.metrics_port
        assert port is not None
        _, body = await scrape(port)
    values = samples(body)
    assert values[("ucdhcp_config_reloads_total", (("result", "failed"),))] == 1
    assert values[("ucdhcp_config_reloads_total", (("result", "ok"),))] == 0


@pytest.mark.asyncio
async def test_metrics_endpoint_answers_other_paths_with_404(tmp_path: Path) -> None:
    async with serving(metrics_service(tmp_path)) as loopback:
        port = loopback.service.metrics_port
        assert port is not None
        head, _ = await scrape(port, "/secret")
    assert head.startswith("HTTP/1.0 404")


def test_metrics_listen_must_be_address_and_port() -> None:
    from ucdhcp.config.errors import ConfigError  # noqa: PLC0415

    document = example_document()
    document["metrics"] = {"listen": "localhost"}
    with pytest.raises(
        ConfigError, match=r"metrics\.listen: 'localhost': expected IPv4-ADDRESS:PORT"
    ):
        parse_config(document, "f.toml")


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "request_bytes",
    [
        b"GET /" + b"x" * 20000 + b" HTTP/1.0\r\n\r\n",  # an oversized request line
        b"GET /metrics HTTP/1.0\r\n" + b"X-Many: header\r\n" * 1000 + b"\r\n",  # endless headers
    ],
    ids=["oversized-request-line", "endless-headers"],
)
async def test_an_oversized_request_gets_nothing_and_the_endpoint_keeps_serving(
    tmp_path: Path, request_bytes: bytes
) -> None:
    async with serving(metrics_service(tmp_path)) as loopback:
        port = loopback.service.metrics_port
        assert port is not None
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 5)
        writer.write(request_bytes)
        with contextlib.suppress(ConnectionError):
            assert await asyncio.wait_for(reader.read(), 5) == b""
        writer.close()
        head, body = await scrape(port)
    assert head.startswith("HTTP/1.0 200")
    assert "ucdhcp_requests_total" in body
    assert "ucdhcp_requests" in exposition(body)


async def slow_client(
    port: int, dribble: bool, reopen: bool, stop: asyncio.Event, connected: asyncio.Semaphore
) -> int:
    """Holds a connection open without finishing a request (idle, or one byte every 0.3 s),
    opening another each time the server closes it if `reopen`, until `stop`; releases
    `connected` once its first connection is made; returns how many connections it opened."""
    opened = 0
    while not stop.is_set() and (reopen or opened == 0):
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 5)
        opened += 1
        if opened == 1:
            connected.release()
        for byte in b"GET /metrics HTTP/1.0\r\nX-Slow: " + b"a" * 1000:  # 6 minutes at most
            if stop.is_set():
                break
            if dribble:
                writer.write(bytes([byte]))
            try:
                if await asyncio.wait_for(reader.read(1), 0.3) == b"":
                    break  # closed by the server
            except TimeoutError:
                continue
            except ConnectionError:
                break
        writer.close()
    return opened


def exposition(body: str) -> set[str]:
    """The metric families in a valid Prometheus text exposition (raises if it is not one)."""
    return {family.name for family in text_string_to_metric_families(body)}


async def scrapes_under_slow_connections(port: int, slow: int, reopen: bool) -> tuple[int, int]:
    """20 scrapes while `slow` slow connections are held; (scrapes answered, slow connections)."""
    stop, connected = asyncio.Event(), asyncio.Semaphore(0)
    holders = [
        asyncio.create_task(slow_client(port, i % 2 == 1, reopen, stop, connected))
        for i in range(slow)
    ]
    # Every slow connection made before the first scrape's: the server accepts in the order
    # the kernel queued them, so that scrape waits behind all of them.
    for _ in range(slow):
        await asyncio.wait_for(connected.acquire(), CONNECT_TIMEOUT)
    answered = 0
    for _ in range(20):
        with contextlib.suppress(TimeoutError, ConnectionError):
            head, body = await scrape(port)
            families = exposition(body) if head.startswith("HTTP/1.0 200") else set()
            answered += {"ucdhcp_requests", "ucdhcp_build_info"} <= families
        await asyncio.sleep(0.1)
    stop.set()
    opened = sum(await asyncio.gather(*holders))
    return answered, opened


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("slow", "reopen"),
    [(50, False), (50, True), (200, True)],  # 200: more than the endpoint holds at once
    ids=["50-held", "50-reopened", "200-reopened"],
)
async def test_scrapes_are_answered_while_slow_connections_are_held_open(
    tmp_path: Path, slow: int, reopen: bool
) -> None:
    async with serving(metrics_service(tmp_path)) as loopback:
        port = loopback.service.metrics_port
        assert port is not None
        answered, opened = await scrapes_under_slow_connections(port, slow, reopen)
        head, body = await scrape(port)  # and the endpoint still serves once they are gone
    assert answered == 20
    assert opened >= slow
    assert head.startswith("HTTP/1.0 200") and "ucdhcp_requests" in exposition(body)


QUEUE_FULL = ("ucdhcp_receive_queue_drops_total", (("cause", "queue_full"),))
QUEUED = ("ucdhcp_receive_queue_bytes", ())


async def scrape_until(port: int, condition: Callable[[Samples], bool]) -> Samples:
    """Scrape until the samples meet `condition` (the queues are read every 10 ms, on the
    service's own clock); fail after SCRAPE_TIMEOUT."""
    deadline = time.monotonic() + SCRAPE_TIMEOUT
    while not condition(values := samples((await scrape(port))[1])):
        assert time.monotonic() < deadline, f"no such scrape in {SCRAPE_TIMEOUT} s: {values}"
        await asyncio.sleep(0.01)
    return values


@pytest.mark.asyncio
async def test_metrics_show_the_receive_queue_and_the_kernels_drops(tmp_path: Path) -> None:
    async with serving(metrics_service(tmp_path)) as loopback:
        assert isinstance(loopback, Loopback)
        [(_, sock)] = loopback.service.sockets()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # the kernel's minimum
        loopback.client.setblocking(True)
        for xid in range(200):  # sent without yielding: the loop reads none of them meanwhile
            loopback.client.sendto(phone_request(xid=xid), loopback.server)
        loopback.client.setblocking(False)
        port = loopback.service.metrics_port
        assert port is not None
        values = await scrape_until(port, lambda v: v.get(QUEUE_FULL, 0) > 0 and not v[QUEUED])
    assert values[("ucdhcp_fair_share", ())] == 0  # nothing shed
    assert values[("ucdhcp_dropping_stale", ())] == 0
    assert values[("ucdhcp_filtered_sources", ())] == 0
