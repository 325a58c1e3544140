"""ReplyLimits: replies per client and per destination per window, in bounded memory."""

from ucdhcp.limits import ReplyLimits
from ucdhcp.responder import Ignored, Reason, Reply

from .packets import PHONE_MAC, phone_request, respond, responder

PHONE_A, PHONE_B = bytes.fromhex("000413aaaaaa"), bytes.fromhex("000413bbbbbb")


def test_a_client_gets_at_most_its_limit_per_window_and_others_are_not_starved() -> None:
    limits = ReplyLimits(per_client=3, per_destination=0)
    assert [limits.allow(PHONE_A, "10.1.2.50") for _ in range(5)] == [True] * 3 + [False] * 2
    assert limits.allow(PHONE_B, "10.1.2.51") is True
    limits.new_window()
    assert limits.allow(PHONE_A, "10.1.2.50") is True


def test_a_spoofed_ciaddr_draws_at_most_the_destination_limit_whatever_the_chaddr() -> None:
    # A reflection attempt: many "clients" all claiming the victim's address as ciaddr.
    limits = ReplyLimits(per_client=20, per_destination=5)
    victim = responder(limits=limits)
    outcomes = [
        respond(phone_request(ciaddr="10.1.2.99", chaddr=bytes((0, 4, 19, 0, 0, n))), victim)
        for n in range(50)
    ]
    replies = [o for o in outcomes if isinstance(o, Reply)]
    assert len(replies) == 5
    assert {o.destination.address for o in replies} == {"10.1.2.99"}
    assert all(isinstance(o, Ignored) and o.reason is Reason.RATE_LIMITED for o in outcomes[5:])


def test_zero_turns_a_limit_off() -> None:
    limits = ReplyLimits(per_client=0, per_destination=0)
    assert all(limits.allow(PHONE_A, "10.1.2.50") for _ in range(1000))
    assert limits.clients == {} and limits.destinations == {}


def test_memory_stays_bounded_and_a_full_table_fails_closed() -> None:
    limits = ReplyLimits(per_client=2, per_destination=2, max_keys=100)
    allowed = [
        limits.allow(n.to_bytes(6, "big"), f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}")
        for n in range(10_000)
    ]
    assert allowed == [True] * 100 + [False] * 9_900
    assert len(limits.clients) == 100
    assert len(limits.destinations) == 100
    limits.new_window()
    assert limits.allow(b"\x00" * 6, "10.0.0.0") is True


def test_flooding_the_table_first_does_not_lift_the_limit_for_the_victim() -> None:
    limits = ReplyLimits(per_client=0, per_destination=5, max_keys=1000)
    for n in range(1000):  # fill the table with spoofed destinations
        limits.allow(b"", f"192.0.2.{n % 256}-{n}")
    victim = [limits.allow(b"", "10.1.2.99") for _ in range(100)]
    assert victim.count(True) == 0


def test_limits_are_not_consulted_for_ignored_requests() -> None:
    limits = ReplyLimits(per_client=1, per_destination=0)
    service = responder(limits=limits)
    for _ in range(5):
        assert isinstance(respond(phone_request(vendor_class=b"MSFT 5.0"), service), Ignored)
    assert limits.clients == {}
    assert isinstance(respond(phone_request(), service), Reply)
    assert limits.clients == {PHONE_MAC: 1}
