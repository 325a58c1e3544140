"""An in-process service on 127.0.0.1 (ephemeral port) with a client socket beside it, and the
configs the integration and ops tests serve there."""

import asyncio
import socket
import tomllib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from tests.dhcp.reply import xid_of
from tests.dhcp.request import phone_request
from ucdhcp.config.loading import build_policy, load_settings, parse_config
from ucdhcp.runtime.service import Service

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "ucdhcp.example.toml"
LOOPBACK = "127.0.0.1"
REPLY_TIMEOUT = 5.0  # bound on every wait for a reply that must come


class Loopback:
    """A started Service and a non-blocking UDP client socket, both on 127.0.0.1."""

    def __init__(self, service: Service, client: socket.socket) -> None:
        self.service = service
        self.client = client

    @property
    def server(self) -> tuple[str, int]:
        return (LOOPBACK, self.service.bound_port)

    async def send(self, datagram: bytes) -> None:
        await asyncio.get_running_loop().sock_sendto(self.client, datagram, self.server)

    async def exchange(self, datagram: bytes) -> bytes:
        """Send a request and return the reply, which must come from the server port."""
        await self.send(datagram)
        loop = asyncio.get_running_loop()
        reply, source = await asyncio.wait_for(loop.sock_recvfrom(self.client, 4096), REPLY_TIMEOUT)
        assert source == self.server
        assert xid_of(reply) == xid_of(datagram), "a reply to an earlier request arrived late"
        return reply

    async def exchange_after_ignored(self, ignored: bytes, valid: bytes | None = None) -> bytes:
        """Send `ignored`, then `valid` (the phone's INFORM by default), and return the reply to
        `valid`, which must be the first to arrive. Silence proven by order, not by waiting: the
        service reads its socket in order and sends each reply at once (only DHCPOFFERs may be
        held, by replies.offer_delay), so a reply to `ignored` would have come first."""
        valid = phone_request() if valid is None else valid
        assert len(ignored) < 8 or xid_of(ignored) != xid_of(valid), "give them different xids"
        await self.send(ignored)
        return await self.exchange(valid)


def example_document(**logging: Any) -> dict[str, Any]:
    """The shipped example config with headquarters as the default site, bound to 127.0.0.1 on
    a free port, JSON logs."""
    document = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    # The example leaves default_site commented out (it must not answer real phones on every
    # subnet); requests arriving on loopback match no site without it.
    document["default_site"] = "headquarters"
    document["server"] = {"address": LOOPBACK, "port": 0}
    document["logging"] = {"format": "json", **logging}
    return document


def config_text(
    sip_server: str = "pool01.contoso.com",
    *,
    requests: bool = False,
    port: int = 0,
    more_sites: str = "",
) -> str:
    """A one-site TOML file on 127.0.0.1 (headquarters, 10.1.2.0/24) plus `more_sites`."""
    return f"""
[server]
address = "127.0.0.1"
port = {port}

[logging]
format = "json"
requests = {"true" if requests else "false"}

[[sites]]
name = "headquarters"
subnets = ["10.1.2.0/24"]
sip_servers = ["{sip_server}"]
{more_sites}
"""


@asynccontextmanager
async def serving(service: Service) -> AsyncIterator[Loopback]:
    await service.start()
    client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    client.setblocking(False)
    try:
        client.bind((LOOPBACK, 0))
        yield Loopback(service, client)
    finally:
        client.close()
        service.close()


@asynccontextmanager
async def serving_document(document: dict[str, Any], config_path: Path) -> AsyncIterator[Loopback]:
    config = parse_config(document, str(config_path))
    service = Service(config_path, config.settings(), build_policy(config))
    async with serving(service) as loopback:
        yield loopback


@asynccontextmanager
async def serving_file(config_path: Path) -> AsyncIterator[Loopback]:
    settings, policy = load_settings(config_path)
    async with serving(Service(config_path, settings, policy)) as loopback:
        yield loopback
