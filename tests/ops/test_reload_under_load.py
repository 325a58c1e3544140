"""A reload swaps the policy between two packets: under a stream of requests no reply is
lost and no reply mixes the old config's option 120 with the new one's option 43."""

import asyncio
from pathlib import Path

import pytest

from tests.dhcp.reply import option_data, xid_of
from tests.dhcp.request import phone_request
from tests.files import dated_back
from ucdhcp.config.loading import load_settings
from ucdhcp.runtime.service import Service

from ..integration.loopback import serving

ROUNDS = 12  # reloads: new, broken, old, new, ... (each validated in a child, ~0.3 s)
MAX_REQUESTS = 50_000
IN_FLIGHT = 16
PACE = 0.0005  # seconds between two requests: the stream spans every reload, ~2,000/s at most
WAIT = 5.0

CONFIG = """
[server]
address = "127.0.0.1"
port = 0
[logging]
format = "json"
requests = {requests}
[limits]
replies_per_client = 0  # one test client sends every request,
replies_per_destination = 0  # from one address
replies_per_port = 0  # and one port
requests_per_source = 0
[[sites]]
name = "hq"
subnets = ["10.1.2.0/24"]
sip_servers = ["{fqdn}"]
"""


def write(path: Path, fqdn: str, requests: bool = False) -> None:
    path.write_text(CONFIG.format(fqdn=fqdn, requests=str(requests).lower()), encoding="utf-8")
    dated_back(path)  # this test is about the swap, not the wait for a quiet file


@pytest.mark.asyncio
async def test_reloads_under_a_stream_lose_no_reply_and_never_mix_configs(tmp_path: Path) -> None:
    path = tmp_path / "ucdhcp.toml"
    write(path, "old.contoso.com")
    settings, policy = load_settings(path)
    service = Service(path, settings, policy)
    seen: dict[int, tuple[bytes, bytes]] = {}
    async with serving(service) as loopback:
        loop = asyncio.get_running_loop()
        reloads = {"ok": 0, "failed": 0}

        async def reload_repeatedly() -> None:
            names = ["new.contoso.com", None, "old.contoso.com", "new.contoso.com"]
            for round_number in range(ROUNDS):
                name = names[round_number % len(names)]
                if name is None:
                    path.write_text("[[sites]]\nname = 'broken'\n", encoding="utf-8")
                    dated_back(path)
                else:
                    write(path, name, requests=round_number % 2 == 0)
                reloads["ok" if await service.reload() else "failed"] += 1
                await asyncio.sleep(0.005)

        reloader = asyncio.create_task(reload_repeatedly())
        pending: set[int] = set()
        sent = 0
        deadline = loop.time() + 120
        # Requests keep coming until the last reload is done, then every answer is collected.
        while (not reloader.done() or pending) and loop.time() < deadline:
            if not reloader.done() and len(pending) < IN_FLIGHT and sent < MAX_REQUESTS:
                sent += 1
                await loopback.send(phone_request(xid=sent))
                pending.add(sent)
                await asyncio.sleep(PACE)
                continue
            reply, _ = await asyncio.wait_for(loop.sock_recvfrom(loopback.client, 4096), WAIT)
            options = option_data(reply)
            seen[xid_of(reply)] = (options[120], options[43])
            pending.discard(xid_of(reply))
        await asyncio.wait_for(reloader, 30)
    assert sent > ROUNDS and len(seen) == sent  # every request answered exactly once
    assert reloads == {"ok": 9, "failed": 3}
    pairs = {value for value in seen.values()}
    assert len(pairs) == 2  # both configs served during the stream...
    for option_120, option_43 in pairs:  # ...and each reply is all-old or all-new
        label = option_120[2:].split(b"\x07")[0]  # first label: b"old" or b"new"
        assert label in (b"old", b"new")
        assert label + b".contoso.com" in option_43
