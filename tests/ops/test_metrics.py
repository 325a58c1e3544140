"""The Prometheus endpoint: counters from a real exchange, scraped over real TCP and parsed
with prometheus_client's own parser."""

import asyncio
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from ucdhcp.config import build_policy, parse_config
from ucdhcp.service import Service

from ..integration.conftest import Loopback, example_document, serving
from ..integration.dhcp import request


async def scrape(port: int, path: str = "/metrics") -> tuple[str, str]:
    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 5)
    writer.write(f"GET {path} HTTP/1.0\r\nHost: x\r\n\r\n".encode())
    await writer.drain()
    response = (await asyncio.wait_for(reader.read(), 5)).decode()
    writer.close()
    head, _, body = response.partition("\r\n\r\n")
    return head, body


def samples(body: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
    }


def metrics_service(tmp_path: Path) -> Service:
    document = example_document()
    document["metrics"] = {"listen": "127.0.0.1:0"}
    config = parse_config(document, str(tmp_path / "ucdhcp.toml"))
    return Service(tmp_path / "ucdhcp.toml", config, build_policy(config))


@pytest.mark.asyncio
async def test_metrics_count_requests_replies_and_ignored_by_reason(tmp_path: Path) -> None:
    async with serving(metrics_service(tmp_path)) as loopback:
        assert isinstance(loopback, Loopback)
        await loopback.exchange(request(xid=1))
        await loopback.exchange(request(xid=2))
        await loopback.expect_no_reply(request(xid=3, vendor_class=None))
        await loopback.expect_no_reply(b"junk")
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
    from ucdhcp.config import ConfigError  # noqa: PLC0415

    document = example_document()
    document["metrics"] = {"listen": "localhost"}
    with pytest.raises(
        ConfigError, match=r"metrics\.listen: 'localhost': expected IPv4-ADDRESS:PORT"
    ):
        parse_config(document, "f.toml")


@pytest.mark.asyncio
async def test_an_oversized_request_line_gets_nothing_and_the_endpoint_keeps_serving(
    tmp_path: Path,
) -> None:
    async with serving(metrics_service(tmp_path)) as loopback:
        port = loopback.service.metrics_port
        assert port is not None
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 5)
        writer.write(b"GET /" + b"x" * 20000 + b" HTTP/1.0\r\n\r\n")
        await writer.drain()
        assert await asyncio.wait_for(reader.read(), 5) == b""
        writer.close()
        head, body = await scrape(port)
    assert head.startswith("HTTP/1.0 200")
    assert "ucdhcp_requests_total" in body
