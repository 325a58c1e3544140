"""The lean INFORM path (responder.lean_inform): the same outcome as the general path, byte for
byte, on generated requests and on requests that differ in one part of a plan; plans held in
bounded memory; and taken for the common phone INFORM."""

import itertools
import tracemalloc

from hypothesis import given
from hypothesis import strategies as st

from tests.dhcp.golden import INFORM, INFORM_REPLY, SERVER_ID
from tests.dhcp.request import FROM_CHADDR, ip, phone_request, tlv
from ucdhcp.core.limits import Limits, LimitSettings
from ucdhcp.core.policy import CACHE_LIMIT, Policy, Profile, VendorClassMatch, build_site
from ucdhcp.core.responder import Arrival, Ignored, Outcome, Reply, Responder, lean_inform
from ucdhcp.wire.message import parse_message

from .responders import site_spec

SITES = (
    build_site(site_spec(vlan_id=120, ntp_servers=("10.1.2.1",))),
    build_site(
        site_spec(name="oslo", subnets=("10.20.0.0/22",), sip_servers=("sba-oslo.contoso.com",))
    ),
    # Long names: a long client identifier no longer leaves room for every option.
    build_site(
        site_spec(
            name="long",
            subnets=("192.0.2.0/24",),
            sip_servers=tuple(f"sip{n}.{'x' * 40}.contoso.com" for n in range(3)),
        )
    ),
)
POLICIES = (
    Policy(sites=SITES),
    Policy(sites=SITES, default_site=SITES[1], vendor_class_match=VendorClassMatch.PREFIX),
    Policy(sites=SITES, always_send=True, answer_discover=frozenset({Profile.CPE_OCPHONE})),
    Policy(sites=SITES, trusted_relays=frozenset({ip("10.1.2.1")})),
)
ARRIVALS = (
    Arrival(server_id=SERVER_ID),
    Arrival(SERVER_ID, "eth0", ip("10.20.0.1"), frozenset({ip("10.1.2.255"), ip("10.1.2.0")})),
    Arrival(ip("192.0.2.1"), "eth1", ip("192.0.2.1")),
)
SOURCES = (
    ("10.1.2.50", 68),
    ("10.1.2.50", 40000),
    ("0.0.0.0", 68),
    ("10.1.2.50", 67),
    ("10.1.2.255", 68),
    ("192.0.2.9", 68),
)
EXTRAS = (
    b"",
    tlv(57, b"\x05\xdc"),  # max message size 1500
    tlv(57, b"\x02\x40"),  # 576
    tlv(82, tlv(5, ip("10.20.0.0"))),  # relay agent information with link selection
    tlv(118, ip("10.20.0.5")),  # subnet selection
    tlv(61, b"\x01split"),  # a second client identifier: RFC 3396 concatenation
    tlv(60, b"-more"),  # a second vendor class
    tlv(52, b"\x01"),  # overload, with an empty file field
    tlv(12, b"phone") + tlv(77, b"user class"),
)


@st.composite
def requests(draw: st.DrawFn) -> tuple[bytes, tuple[str, int]]:
    client_id = draw(
        st.one_of(st.just(FROM_CHADDR), st.none(), st.binary(min_size=2, max_size=255))
    )
    datagram = phone_request(
        message_type=draw(st.sampled_from(["inform", "inform", "inform", "discover", 3, None])),
        client_id=client_id,
        vendor_class=draw(
            st.sampled_from(
                [
                    b"MS-UC-Client",
                    b"MS-UC-Client",
                    b"MS-UC-Client\x00",
                    b"CPE-OCPHONE",
                    b"MS-UC-ClientX",
                    b"dhcpcd-9",
                    None,
                ]
            )
        ),
        parameters=draw(
            st.one_of(
                st.just((1, 3, 6, 15, 42, 43, 120)),
                st.none(),
                st.lists(st.sampled_from([1, 2, 3, 4, 42, 43, 120, 66, 0, 255]), max_size=12),
            )
        ),
        extra=draw(st.sampled_from(EXTRAS)),
        flags=draw(st.sampled_from([0, 0x8000])),
        ciaddr=draw(
            st.sampled_from(
                ["10.1.2.50", "10.20.0.7", "192.0.2.9", "0.0.0.0", "10.1.2.255", "198.51.100.1"]
            )
        ),
        giaddr=draw(st.sampled_from(["0.0.0.0", "0.0.0.0", "10.1.2.1", "10.9.9.9"])),
        chaddr=draw(st.binary(min_size=6, max_size=6)),
        xid=draw(st.integers(0, 2**32 - 1)),
    )
    return datagram, draw(st.sampled_from(SOURCES))


def same(lean: Outcome, general: Outcome) -> bool:
    if type(lean) is Reply and type(general) is Reply:
        return (lean.payload, lean.destination, lean.profile, lean.delay) == (
            general.payload,
            general.destination,
            general.profile,
            general.delay,
        ) and (lean.site is general.site)
    if type(lean) is Ignored and type(general) is Ignored:
        return (lean.reason, lean.detail) == (general.reason, general.detail)
    return False


@given(
    st.lists(requests(), min_size=1, max_size=20),
    st.sampled_from(POLICIES),
    st.sampled_from(ARRIVALS),
    st.booleans(),
)
def test_lean_and_general_paths_give_the_same_outcomes(
    exchanges: list[tuple[bytes, tuple[str, int]]],
    policy: Policy,
    arrival: Arrival,
    limited: bool,
) -> None:
    # Each responder has its own limits, set low: the lean path must charge them as the
    # general path does, or a later request of the sequence is decided differently.
    def limits() -> Limits | None:
        return (
            Limits(LimitSettings(replies_per_client=2, replies_per_destination=3))
            if limited
            else None
        )

    lean = Responder(policy, limits())
    general = Responder(policy, limits(), lean=False)
    for datagram, source in exchanges:
        expected = general.respond(datagram, source, arrival)
        outcome = lean.respond(datagram, source, arrival)
        assert same(outcome, expected), (datagram.hex(), source, outcome, expected)


def test_the_phone_inform_takes_the_lean_path_and_gets_the_section_7_ack() -> None:
    site = build_site(site_spec())  # protocol.md §7's pool01
    policy = Policy(sites=(site,))
    outcome = lean_inform(parse_message(INFORM), policy, ("10.1.2.50", 68), ARRIVALS[0], None)
    assert type(outcome) is Reply
    assert outcome.payload == INFORM_REPLY
    assert outcome.site is site


def test_requests_differing_in_one_part_of_a_plan_each_get_the_general_paths_reply() -> None:
    # One policy answers every combination twice, the second time from what the first left
    # behind: a plan reused across sites, server identifiers, vendor classes or option 55
    # lists would show as a reply that differs from the general path's.
    policy = Policy(sites=SITES, vendor_class_match=VendorClassMatch.PREFIX)
    lean, general = Responder(policy), Responder(policy, lean=False)
    combinations = [
        (phone_request(ciaddr=ciaddr, vendor_class=vendor_class, parameters=parameters), arrival)
        for arrival in ARRIVALS
        for ciaddr in ("10.1.2.50", "10.20.0.7", "192.0.2.9")
        for vendor_class in (b"MS-UC-Client", b"CPE-OCPHONE", b"MS-UC-ClientX")
        for parameters in ((1, 3, 6, 15, 42, 43, 120), (120, 43), (43,), (1, 3))
    ]
    replies = 0
    for datagram, arrival in combinations * 2:
        outcome = lean.respond(datagram, ("10.1.2.50", 68), arrival)
        assert same(outcome, general.respond(datagram, ("10.1.2.50", 68), arrival))
        replies += type(outcome) is Reply
    assert replies >= len(combinations)  # most combinations are answered, not ignored


def test_plans_for_ever_new_option_55_lists_take_bounded_memory() -> None:
    # A client can vary option 55 freely: each new list is a new plan. Past CACHE_LIMIT of
    # them the memory held stays that of one full memo, and every reply, made afresh after
    # the memo is emptied, is still the general path's.
    policy = Policy(sites=SITES)
    general = Responder(Policy(sites=SITES), lean=False)
    lists = ((43, 120, a, b) for a in range(1, 255) for b in range(1, 255))
    datagrams = [phone_request(parameters=p) for p in itertools.islice(lists, 4 * CACHE_LIMIT)]

    def answer(batch: list[bytes]) -> None:
        for datagram in batch:
            request = parse_message(datagram)
            outcome = lean_inform(request, policy, ("10.1.2.50", 68), ARRIVALS[0], None)
            assert type(outcome) is Reply  # the lean path, hence a plan, for every list
            assert same(outcome, general.respond(datagram, ("10.1.2.50", 68), ARRIVALS[0]))

    tracemalloc.start()
    try:
        answer(datagrams[: CACHE_LIMIT - 1])  # the memos nearly full, never emptied yet
        full = tracemalloc.get_traced_memory()[0]
        answer(datagrams[CACHE_LIMIT - 1 :])  # three times as many new lists again
        later = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert later < 1.5 * full, f"{later} bytes held after {len(datagrams)} lists, {full} at first"


def test_requests_outside_the_common_case_fall_through_untouched() -> None:
    policy = Policy(sites=SITES)
    limits = Limits(LimitSettings(replies_per_client=1))
    for datagram in (
        phone_request(giaddr="10.1.2.1"),  # relayed
        phone_request(extra=tlv(57, b"\x05\xdc")),
        phone_request(extra=tlv(118, ip("10.20.0.5"))),
        phone_request(message_type="discover"),
        phone_request(vendor_class=b"dhcpcd-9"),  # not served: the general path says why
    ):
        request = parse_message(datagram)
        assert lean_inform(request, policy, ("10.1.2.50", 68), ARRIVALS[0], limits) is None
    # Nothing was charged: the one reply this client may have is still there.
    assert limits.allow(phone_request()[28:34], "10.1.2.50", 68, False)
