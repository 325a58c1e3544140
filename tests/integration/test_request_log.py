"""With logging.requests on, each datagram gives one `reply_sent` or `request_ignored` event
with key/value context; with it off, none."""

import asyncio
import time
from collections.abc import Iterable, MutableMapping
from pathlib import Path
from typing import Any

import pytest
from structlog.testing import capture_logs

from tests.dhcp.request import phone_request

from .loopback import example_document, serving_document

CHADDR = "00:04:13:aa:bb:cc"
REFILL_TIMEOUT = 5.0  # bound on waiting for a token (one every 0.2 s at 5/s)


def request_events(events: Iterable[MutableMapping[str, Any]]) -> list[MutableMapping[str, Any]]:
    return [e for e in events if e["event"] in ("reply_sent", "request_ignored")]


@pytest.mark.asyncio
async def test_reply_sent_event_names_xid_chaddr_vendor_class_and_site(tmp_path: Path) -> None:
    document = example_document(requests=True)
    async with serving_document(document, tmp_path / "ucdhcp.toml") as loopback:
        with capture_logs() as events:
            ack = await loopback.exchange(phone_request())
        client_port = loopback.client.getsockname()[1]
    [event] = request_events(events)
    assert event == {
        "event": "reply_sent",
        "log_level": "info",
        "source": f"127.0.0.1:{client_port}",
        "xid": "0x12345678",
        "chaddr": CHADDR,
        "message_type": "INFORM",
        "vendor_class": "MS-UC-Client",
        "ciaddr": "10.1.2.50",
        "giaddr": "0.0.0.0",
        "site": "headquarters",
        "profile": "ms-uc-client",
        "destination": f"127.0.0.1:{client_port}",
        "destination_kind": "source",
        "size": len(ack),
    }


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("datagram", "reason", "vendor_class"),
    [
        (phone_request(xid=0xBAD, vendor_class=None), "no_vendor_class", None),
        (phone_request(xid=0xBAD, vendor_class=b"MSFT 5.0"), "vendor_class_not_served", "MSFT 5.0"),
        (phone_request(xid=0xBAD, message_type="request"), "unsupported_type", "MS-UC-Client"),
        (phone_request(xid=0xBAD, op=2, message_type="ack"), "not_request", "MS-UC-Client"),
    ],
    ids=["no_vendor_class", "other_vendor_class", "dhcprequest", "bootreply"],
)
async def test_request_ignored_event_names_xid_chaddr_vendor_class_and_reason(
    tmp_path: Path, datagram: bytes, reason: str, vendor_class: str | None
) -> None:
    document = example_document(requests=True)
    async with serving_document(document, tmp_path / "ucdhcp.toml") as loopback:
        with capture_logs() as events:
            await loopback.exchange_after_ignored(datagram)  # so the ignored one's event exists
    ignored, replied = request_events(events)
    assert replied["event"] == "reply_sent"
    assert ignored["event"] == "request_ignored"
    assert ignored["reason"] == reason
    assert ignored["xid"] == "0x00000bad"
    assert ignored["chaddr"] == CHADDR
    assert ignored["vendor_class"] == vendor_class
    assert "site" not in ignored


@pytest.mark.asyncio
async def test_malformed_datagram_event_has_reason_and_detail_but_no_request_fields(
    tmp_path: Path,
) -> None:
    document = example_document(requests=True)
    async with serving_document(document, tmp_path / "ucdhcp.toml") as loopback:
        with capture_logs() as events:
            await loopback.exchange_after_ignored(b"\x01" * 100)
    ignored, _ = request_events(events)
    assert ignored["event"] == "request_ignored"
    assert ignored["reason"] == "malformed"
    assert ignored["detail"] == "100 bytes is shorter than a DHCP header"
    assert "xid" not in ignored


@pytest.mark.asyncio
async def test_no_request_events_when_request_logging_is_off(tmp_path: Path) -> None:
    async with serving_document(example_document(), tmp_path / "ucdhcp.toml") as loopback:
        assert loopback.service.handling.request_log is None
        with capture_logs() as events:
            await loopback.exchange_after_ignored(phone_request(xid=0xBAD, vendor_class=None))
    assert request_events(events) == []


@pytest.mark.asyncio
async def test_request_events_at_debug_level_are_hidden_at_info_and_shown_at_debug(
    tmp_path: Path,
) -> None:
    hidden = example_document(requests=True, request_level="debug", level="info")
    async with serving_document(hidden, tmp_path / "ucdhcp.toml") as loopback:
        with capture_logs() as events:
            await loopback.exchange(phone_request())
    assert request_events(events) == []

    shown = example_document(requests=True, request_level="debug", level="debug")
    async with serving_document(shown, tmp_path / "ucdhcp.toml") as loopback:
        with capture_logs() as events:
            await loopback.exchange(phone_request())
    [event] = request_events(events)
    assert event["event"] == "reply_sent"
    assert event["log_level"] == "debug"


@pytest.mark.asyncio
async def test_a_flood_of_ignored_requests_is_logged_at_the_configured_rate(tmp_path: Path) -> None:
    # 30 junk datagrams at once with ignored_rate = 3: three events, then the count of the
    # suppressed ones rides on the next event of that reason; replies are never limited.
    document = example_document(requests=True, ignored_rate=3)
    async with serving_document(document, tmp_path / "ucdhcp.toml") as loopback:
        with capture_logs() as events:
            for _ in range(29):
                await loopback.send(b"junk")
            # The 30th, then the first of 5 INFORMs: its reply also means all 30 were handled.
            await loopback.exchange_after_ignored(b"junk", phone_request(xid=0))
            for xid in range(1, 5):
                await loopback.exchange(phone_request(xid=xid))
        assert loopback.service.stats.ignored["malformed"] == 30
        request_log = loopback.service.handling.request_log
        assert request_log is not None
        limit = request_log.ignored_buckets
        assert limit.suppressed == {"malformed": 27}
        limit.buckets.clear()  # as if a second had passed: the next event carries the count
        with capture_logs() as later:
            await loopback.exchange_after_ignored(b"junk", phone_request(xid=5))
    ignored = [e for e in request_events(events) if e["event"] == "request_ignored"]
    assert len(ignored) == 3
    assert len([e for e in request_events(events) if e["event"] == "reply_sent"]) == 5
    next_event, replied = request_events(later)
    assert replied["event"] == "reply_sent"
    assert next_event["reason"] == "malformed"
    assert next_event["suppressed_before"] == 27


NO_LIMITS = {
    "replies_per_client": 0,
    "replies_per_destination": 0,
    "replies_per_port": 0,
    "requests_per_source": 0,
}


@pytest.mark.asyncio
async def test_requests_rate_bounds_the_events_and_counts_what_it_left_out(
    tmp_path: Path,
) -> None:
    # 5 events/s with a burst of 20 s' worth (100): a flood of 300 requests is answered whole
    # but logged in part, and a later event says how many were left out. The bound's arithmetic
    # is tested with a given clock (tests/unit/test_token_buckets.py); here the real clock runs, so
    # what refilled is bounded by the time the flood took, and the next logged request is
    # waited for rather than slept for.
    document = example_document(requests=True, requests_rate=5)
    document["limits"] = NO_LIMITS  # one client, address and port send every request
    async with serving_document(document, tmp_path / "ucdhcp.toml") as loopback:
        with capture_logs() as events:
            started = time.monotonic()
            for xid in range(300):
                await loopback.exchange(phone_request(xid=xid))
            refilled = 5 * (time.monotonic() - started)
            logged = len(request_events(events))
            assert 100 <= logged <= 100 + refilled + 1  # the burst, and what refilled meanwhile
            sent = 300
            deadline = time.monotonic() + REFILL_TIMEOUT
            while request_events(events)[-1]["xid"] != f"0x{sent - 1:08x}":
                assert time.monotonic() < deadline, "no request logged again after the flood"
                await asyncio.sleep(0.05)
                await loopback.exchange(phone_request(xid=sent))
                sent += 1
    every = request_events(events)
    # Each request is either logged or counted, once, on a later event.
    assert len(every) + sum(event.get("not_logged_before", 0) for event in every) == sent


@pytest.mark.asyncio
async def test_requests_rate_zero_logs_every_request(tmp_path: Path) -> None:
    document = example_document(requests=True, requests_rate=0)
    document["limits"] = NO_LIMITS  # one client, address and port send every request
    async with serving_document(document, tmp_path / "ucdhcp.toml") as loopback:
        with capture_logs() as events:
            for xid in range(150):
                await loopback.exchange(phone_request(xid=xid))
    logged = request_events(events)
    assert len(logged) == 150
    assert not any("not_logged_before" in event for event in logged)
