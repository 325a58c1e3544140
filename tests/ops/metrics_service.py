"""A service with its Prometheus endpoint on a free loopback port, and one scrape of it over
real TCP: shared by the metrics and alert-rule tests."""

import asyncio
from pathlib import Path

from ucdhcp.config.loading import build_policy, parse_config
from ucdhcp.runtime.service import Service

from ..integration.loopback import example_document


async def scrape(port: int, path: str = "/metrics") -> tuple[str, str]:
    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 5)
    writer.write(f"GET {path} HTTP/1.0\r\nHost: x\r\n\r\n".encode())
    await writer.drain()
    response = (await asyncio.wait_for(reader.read(), 5)).decode()
    writer.close()
    head, _, body = response.partition("\r\n\r\n")
    return head, body


def metrics_service(tmp_path: Path) -> Service:
    document = example_document()
    document["metrics"] = {"listen": "127.0.0.1:0"}
    config = parse_config(document, str(tmp_path / "ucdhcp.toml"))
    return Service(tmp_path / "ucdhcp.toml", config.settings(), build_policy(config))
