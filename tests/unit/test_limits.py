"""Limits: replies per client, per destination, per relay (and the broadcast address) and per
port, and requests per source, per window, counted in fixed memory (count-min sketches)."""

import tracemalloc

from tests.dhcp.request import phone_request
from ucdhcp.core.limits import (
    ADMITTED,
    DEPTH,
    OVER_LIMIT,
    OVER_SHARE,
    STALE,
    UNSHED,
    WIDTH,
    Limits,
    LimitSettings,
)
from ucdhcp.core.responder import Ignored, Reason, Reply

from .responders import respond, responder

PHONE_A, PHONE_B = bytes.fromhex("000413aaaaaa"), bytes.fromhex("000413bbbbbb")
COUNTS_BYTES = DEPTH * WIDTH * 8  # one kind of key's cells: a list of that many pointers


def test_a_client_gets_at_most_its_limit_per_window_and_others_are_not_starved() -> None:
    limits = Limits(LimitSettings(replies_per_client=3))
    allowed = [limits.allow(PHONE_A, "10.1.2.50", 68, shared=False) for _ in range(5)]
    assert allowed == [True] * 3 + [False] * 2
    assert limits.allow(PHONE_B, "10.1.2.51", 68, shared=False) is True
    limits.new_window()
    assert limits.allow(PHONE_A, "10.1.2.50", 68, shared=False) is True


def test_a_spoofed_ciaddr_draws_at_most_the_destination_limit_whatever_the_chaddr() -> None:
    # A reflection attempt: many "clients" all claiming the victim's address as ciaddr.
    limits = Limits(LimitSettings(replies_per_client=20, replies_per_destination=5))
    victim = responder(limits=limits)
    outcomes = [
        respond(phone_request(ciaddr="10.1.2.99", chaddr=bytes((0, 4, 19, 0, 0, n))), victim)
        for n in range(50)
    ]
    replies = [o for o in outcomes if isinstance(o, Reply)]
    assert len(replies) == 5
    assert {o.destination.address for o in replies} == {"10.1.2.99"}
    assert all(isinstance(o, Ignored) and o.reason is Reason.RATE_LIMITED for o in outcomes[5:])


def test_a_refused_reply_charges_none_of_its_keys() -> None:
    # Over the destination limit: the client's count must not move, or a flood aimed at one
    # address would use up the allowance of the phones it names as chaddr.
    limits = Limits(LimitSettings(replies_per_client=5, replies_per_destination=1))
    assert limits.allow(PHONE_A, "10.1.2.99", 68, shared=False)
    for _ in range(10):
        assert not limits.allow(PHONE_B, "10.1.2.99", 68, shared=False)
    # PHONE_B still has all five of its replies, to other addresses.
    elsewhere = [limits.allow(PHONE_B, f"10.1.2.{n}", 68, shared=False) for n in range(51, 57)]
    assert elsewhere == [True] * 5 + [False]


def test_relays_and_broadcast_have_their_own_higher_limit() -> None:
    limits = Limits(LimitSettings(replies_per_destination=2, replies_per_relay=100))
    relayed = [limits.allow(n.to_bytes(6, "big"), "10.9.0.1", 67, shared=True) for n in range(150)]
    assert relayed.count(True) == 100
    assert limits.allow(PHONE_A, "10.9.0.1", 68, shared=False)  # counted apart from the relay


def test_replies_to_one_non_dhcp_port_are_bounded_across_addresses() -> None:
    # A spoofed-source flood aimed at one service (mDNS here) through many victim addresses.
    limits = Limits(LimitSettings(replies_per_destination=50, replies_per_port=10))
    to_mdns = [limits.allow(b"", f"10.1.2.{n}", 5353, shared=False) for n in range(1, 101)]
    assert to_mdns.count(True) == 10
    to_clients = [limits.allow(b"", f"10.1.3.{n}", 68, shared=False) for n in range(1, 101)]
    assert all(to_clients)  # 67/68 are DHCP's own ports: only the address limit applies


def test_zero_turns_a_limit_off_and_takes_no_memory() -> None:
    limits = Limits(LimitSettings())
    tracemalloc.start()
    try:
        assert all(limits.allow(PHONE_A, "10.1.2.50", 5353, shared=False) for _ in range(1000))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < COUNTS_BYTES // 10  # nothing counted, no cells taken


def allow_distinct(limits: Limits, first: int, count: int) -> list[bool]:
    """One reply each to `count` different phones at different addresses."""
    return [
        limits.allow(
            n.to_bytes(6, "big"), f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}", 68, shared=False
        )
        for n in range(first, first + count)
    ]


def test_memory_is_fixed_and_every_new_phone_is_answered_whatever_came_first() -> None:
    # 100,000 distinct keys in one window, the default limits: cells hold about 1.5 keys each,
    # far from any limit, so none is refused.
    limits = Limits(LimitSettings(replies_per_client=20, replies_per_destination=50))
    tracemalloc.start()
    try:
        assert all(allow_distinct(limits, 0, 1))
        one_key, _ = tracemalloc.get_traced_memory()
        assert all(allow_distinct(limits, 1, 100_000))  # no table to fill: none refused
        many_keys, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert one_key >= 2 * COUNTS_BYTES  # the client and destination cells, taken at once
    assert many_keys - one_key < COUNTS_BYTES // 10  # the same for 1 key or 100,000


def test_a_key_stays_limited_however_many_other_keys_are_counted() -> None:
    # Counts are never underestimated: a flood of distinct keys cannot reset the victim's.
    limits = Limits(LimitSettings(replies_per_destination=5))
    victim = []
    for n in range(100_000):
        limits.allow(b"", f"192.0.{n >> 8 & 255}.{n & 255}-{n}", 68, shared=False)
        if n % 1000 == 0:
            victim.append(limits.allow(b"", "10.1.2.99", 68, shared=False))
    assert victim.count(True) == 5


def test_a_booting_phone_is_rarely_refused_while_a_flood_holds_many_keys_at_the_limit() -> None:
    # 5,000 chaddrs each at the per-client limit (a 100,000 requests/s flood): a new phone is
    # refused only when all of its cells are shared with them, about (5000 / WIDTH) ** DEPTH
    # = 1 in 2,250; 2,000 new phones expect about one refusal.
    limits = Limits(LimitSettings(replies_per_client=20))
    for n in range(5_000):
        for _ in range(20):
            limits.allow(b"\x02\x99" + n.to_bytes(4, "big"), "10.1.3.66", 68, shared=False)
    refused = sum(
        not limits.allow(b"\x00\x04" + n.to_bytes(4, "big"), "10.1.2.50", 68, shared=False)
        for n in range(2_000)
    )
    assert refused <= 8  # P(more than 8) < 10**-5


def test_limits_are_not_consulted_for_ignored_requests() -> None:
    limits = Limits(LimitSettings(replies_per_client=1))
    service = responder(limits=limits)
    for _ in range(5):
        assert isinstance(respond(phone_request(vendor_class=b"MSFT 5.0"), service), Ignored)
    assert isinstance(respond(phone_request(), service), Reply)  # its one reply is still there
    refused = respond(phone_request(), service)
    assert isinstance(refused, Ignored) and refused.reason is Reason.RATE_LIMITED


def test_a_request_whose_reply_cannot_be_built_charges_nothing() -> None:
    # An option 61 so large (two instances, joined per RFC 3396) that neither 43 nor 120 fits
    # beside its echo: no reply, so no key is charged.
    limits = Limits(LimitSettings(replies_per_client=1, replies_per_destination=1))
    service = responder(limits=limits)
    client_id = bytes((61, 255)) + bytes(255) + bytes((61, 25)) + bytes(25)  # echo: 284 bytes
    oversized = phone_request(client_id=None, extra=client_id)
    for _ in range(5):
        outcome = respond(oversized, service)
        assert isinstance(outcome, Ignored) and outcome.reason is Reason.REPLY_TOO_LARGE
    assert isinstance(respond(phone_request(), service), Reply)  # nothing used its one reply


def host(limits: Limits, source: str) -> int:
    return limits.admit(source, False, None)


def test_requests_from_one_sender_are_admitted_up_to_its_limit_per_window() -> None:
    limits = Limits(LimitSettings(requests_per_source=10))
    verdicts = [host(limits, "10.1.3.66") for _ in range(12)]
    assert verdicts == [ADMITTED] * 10 + [OVER_LIMIT] * 2
    assert host(limits, "10.1.2.50") == ADMITTED  # another host, a booting phone, is not affected
    limits.new_window()
    assert host(limits, "10.1.3.66") == ADMITTED


def test_a_giaddr_from_an_untrusted_source_gets_no_more_than_a_host() -> None:
    limits = Limits(LimitSettings(requests_per_source=10))
    trusted = frozenset({"10.9.0.1"})
    made_up = [limits.admit("10.1.3.66", True, trusted) for _ in range(12)]
    assert made_up == [ADMITTED] * 10 + [OVER_LIMIT] * 2
    # the trusted relay speaks for many phones: no fixed limit
    assert all(limits.admit("10.9.0.1", True, trusted) == ADMITTED for _ in range(5000))


def test_without_trusted_relays_every_relayed_source_has_no_fixed_limit() -> None:
    limits = Limits(LimitSettings(requests_per_source=10))
    assert all(limits.admit("10.1.3.66", True, None) == ADMITTED for _ in range(20_000))
    # its own unrelayed requests are one host's, counted on the same key: over the host limit
    assert host(limits, "10.1.3.66") == OVER_LIMIT
    assert all(limits.admit("0.0.0.0", False, None) == ADMITTED for _ in range(500))


def test_under_overload_the_sources_above_the_share_are_dropped_first() -> None:
    limits = Limits(LimitSettings(requests_per_source=100))
    for _ in range(5000):
        limits.admit("10.1.3.66", True, None)  # a made-up relay
    for _ in range(60):
        host(limits, "10.1.3.77")
    host(limits, "10.1.2.50")  # the phone's first request
    assert limits.sources == 3 and limits.heaviest == 5000
    limits.share = 50
    assert limits.admit("10.1.3.66", True, None) == OVER_SHARE
    assert host(limits, "10.1.3.77") == OVER_SHARE
    # the phone, below its share, is never cut
    assert [host(limits, "10.1.2.50") for _ in range(20)] == [ADMITTED] * 20
    limits.share = UNSHED
    assert limits.admit("10.1.3.66", True, None) == ADMITTED


def test_the_only_source_is_never_cut_to_a_share() -> None:
    # Max-min fairness: a relay's boot storm alone gets the whole capacity, however it queues.
    limits = Limits(LimitSettings(requests_per_source=100))
    limits.share = 10
    assert all(limits.admit("10.9.0.1", True, None) == ADMITTED for _ in range(20_000))
    assert limits.sources == 1


def test_stale_requests_are_dropped_whoever_sent_them() -> None:
    limits = Limits(LimitSettings(requests_per_source=100))
    limits.stale = True
    assert host(limits, "10.1.2.50") == STALE
    assert limits.admit("10.9.0.1", True, None) == STALE
    limits.stale = False
    verdicts = [host(limits, "10.1.2.50") for _ in range(101)]
    assert verdicts == [ADMITTED] * 100 + [OVER_LIMIT]  # the stale ones were not charged


def test_a_datagram_too_short_for_a_giaddr_is_one_hosts() -> None:
    limits = Limits(LimitSettings(requests_per_source=3))
    service = responder(limits=limits)
    outcomes = [respond(b"\x01" * 26, service, source=("10.1.3.66", 68)) for _ in range(5)]
    reasons = [o.reason for o in outcomes if isinstance(o, Ignored)]
    assert reasons == [Reason.MALFORMED] * 3 + [Reason.SENDER_OVER_LIMIT] * 2


def test_requests_dropped_under_overload_or_stale_are_not_parsed() -> None:
    limits = Limits(LimitSettings(requests_per_source=100))
    service = responder(limits=limits)
    limits.stale = True
    outcome = respond(phone_request(), service)
    assert isinstance(outcome, Ignored) and outcome.reason is Reason.STALE
    assert outcome.request is None
    limits.stale = False
    for _ in range(30):
        respond(phone_request(giaddr="10.1.2.1"), service, source=("10.1.3.66", 67))
    respond(phone_request(), service)
    limits.share = 10
    outcome = respond(phone_request(giaddr="10.1.2.1"), service, source=("10.1.3.66", 67))
    assert isinstance(outcome, Ignored) and outcome.reason is Reason.OVER_FAIR_SHARE
    assert outcome.request is None
    assert isinstance(respond(phone_request(), service), Reply)


def test_a_flood_from_one_host_is_dropped_unread_but_relays_and_phones_are_served() -> None:
    limits = Limits(
        LimitSettings(replies_per_client=20, replies_per_destination=50, requests_per_source=10)
    )
    service = responder(limits=limits)
    oversized = phone_request(
        client_id=None, extra=bytes((61, 255)) + bytes(255) + bytes((61, 25)) + bytes(25)
    )
    outcomes = [respond(oversized, service, source=("10.1.3.66", 68)) for _ in range(100)]
    reasons = [o.reason for o in outcomes if isinstance(o, Ignored)]
    assert reasons == [Reason.REPLY_TOO_LARGE] * 10 + [Reason.SENDER_OVER_LIMIT] * 90
    assert all(o.request is None for o in outcomes[10:])  # not even parsed
    relayed = phone_request(giaddr="10.1.2.1")
    assert all(
        isinstance(respond(relayed, service, source=("10.1.2.1", 67)), Reply) for _ in range(15)
    )  # a relay speaks for many phones (no trusted_relays: any source that sets giaddr)
    assert isinstance(respond(phone_request(), service, source=("10.1.2.50", 68)), Reply)


def test_a_limit_beyond_what_a_cell_holds_counts_as_the_largest_it_holds() -> None:
    # Config caps limits at 0xFFFF; a larger one given in code must not overflow a cell.
    limits = Limits(LimitSettings(replies_per_client=10**9))
    allowed = [limits.allow(PHONE_A, "10.1.2.50", 68, shared=False) for _ in range(0x10000 + 5)]
    assert allowed.count(True) == 0xFFFF
