"""Responder.respond: one table of request -> outcome (every routing row, every Reason)."""

from dataclasses import dataclass
from typing import Any

import pytest

from tests.dhcp.golden import PHONE_MAC, SERVER_ID
from tests.dhcp.reply import reply_options
from tests.dhcp.request import bootp, ip, phone_request, tlv
from ucdhcp.core.limits import ADMITTED, Limits, LimitSettings
from ucdhcp.core.policy import Profile, RelayedInform, VendorClassMatch
from ucdhcp.core.responder import Arrival, Ignored, Reason, Reply
from ucdhcp.core.routing import DestinationKind
from ucdhcp.wire.message import MessageType, parse_message
from ucdhcp.wire.vendor import VlanIdFormat

from .responders import respond, responder, site_spec

PHONE = ("10.1.2.50", 68)
UNCONFIGURED = ("0.0.0.0", 68)
BROADCAST = 0x8000


@dataclass(frozen=True)
class Answered:
    """The reply expected: its message type and where it goes."""

    message_type: int
    address: str
    port: int
    kind: DestinationKind
    broadcast_flag: bool = False


ACK_TO_PHONE = Answered(MessageType.ACK, "10.1.2.50", 68, DestinationKind.CIADDR)
ACK_VIA_RELAY = Answered(MessageType.ACK, "10.1.2.1", 67, DestinationKind.RELAY)


def row(
    case_id: str,
    datagram: bytes,
    expected: Answered | Reason,
    *,
    source: tuple[str, int] = PHONE,
    sites: tuple[Any, ...] = (),
    **policy: Any,
):
    return pytest.param(datagram, source, sites, policy, expected, id=case_id)


REFUSED = [
    row(f"ciaddr-{name}-is-never-a-destination", phone_request(ciaddr=address),
        Reason.REFUSED_DESTINATION, source=("0.0.0.0", 68))
    for name, address in (
        ("limited-broadcast", "255.255.255.255"),
        ("multicast", "224.0.0.1"),
        ("reserved", "240.0.0.1"),
        ("loopback", "127.0.0.1"),
        ("this-network", "0.1.2.3"),
    )
] + [
    row(f"giaddr-{name}-is-never-a-destination",
        phone_request(giaddr=address, ciaddr="0.0.0.0"), Reason.REFUSED_DESTINATION,
        source=("10.1.2.1", 67))
    for name, address in (("multicast", "239.1.2.3"), ("loopback", "127.0.0.53"))
]  # fmt: skip

ROUTING = [
    row(
        "relayed-with-ciaddr-replies-to-ciaddr-by-default",
        phone_request(giaddr="10.1.2.1"),
        ACK_TO_PHONE,
        source=("10.1.2.1", 67),
    ),
    row(
        "relayed-with-ciaddr-replies-via-relay-in-relay-mode",
        phone_request(giaddr="10.1.2.1"),
        ACK_VIA_RELAY,
        source=("10.1.2.1", 67),
        relayed_inform=RelayedInform.RELAY,
    ),
    row(
        "relayed-without-ciaddr-replies-via-relay-with-broadcast-flag",
        phone_request(giaddr="10.1.2.1", ciaddr="0.0.0.0"),
        Answered(MessageType.ACK, "10.1.2.1", 67, DestinationKind.RELAY, broadcast_flag=True),
        source=("10.1.2.1", 67),
    ),
    row(
        "relayed-without-ciaddr-in-relay-mode-also-sets-broadcast-flag",
        phone_request(giaddr="10.1.2.1", ciaddr="0.0.0.0"),
        Answered(MessageType.ACK, "10.1.2.1", 67, DestinationKind.RELAY, broadcast_flag=True),
        source=("10.1.2.1", 67),
        relayed_inform=RelayedInform.RELAY,
    ),
    row(
        "relayed-keeps-a-broadcast-flag-the-client-set",
        phone_request(giaddr="10.1.2.1", flags=BROADCAST),
        Answered(MessageType.ACK, "10.1.2.1", 67, DestinationKind.RELAY, broadcast_flag=True),
        source=("10.1.2.1", 67),
        relayed_inform=RelayedInform.RELAY,
    ),
    row(
        "not-relayed-from-ephemeral-port-replies-to-source-port",
        phone_request(),
        Answered(MessageType.ACK, "10.1.2.99", 50000, DestinationKind.SOURCE),
        source=("10.1.2.99", 50000),
    ),
    row(
        "ciaddr-set-replies-to-ciaddr-port-68",
        phone_request(),
        ACK_TO_PHONE,
        source=("10.1.2.99", 68),
    ),
    row(
        "ciaddr-set-from-unspecified-source-with-ephemeral-port-replies-to-ciaddr",
        phone_request(),
        ACK_TO_PHONE,
        source=("0.0.0.0", 50000),
    ),
    row(
        "ciaddr-zero-replies-to-source-address-port-68",
        phone_request(ciaddr="0.0.0.0"),
        Answered(MessageType.ACK, "10.1.2.77", 68, DestinationKind.SOURCE),
        source=("10.1.2.77", 68),
    ),
    row(
        "ciaddr-zero-from-unspecified-source-with-broadcast-flag-broadcasts",
        phone_request(ciaddr="0.0.0.0", flags=BROADCAST),
        Answered(
            MessageType.ACK, "255.255.255.255", 68, DestinationKind.BROADCAST, broadcast_flag=True
        ),
        source=UNCONFIGURED,
    ),
    row(
        "ciaddr-zero-from-unspecified-source-without-broadcast-flag-has-no-destination",
        phone_request(ciaddr="0.0.0.0"),
        Reason.NO_DESTINATION,
        source=UNCONFIGURED,
    ),
    row(
        "no-requested-option-fits-the-576-byte-limit",
        phone_request(parameters=b"\xe0", client_id=None),
        Reason.REPLY_TOO_LARGE,
        sites=(site_spec(extra_options={224: bytes(295)}),),
    ),
]

MESSAGE_TYPES = [
    row("bootreply-from-another-server", phone_request(op=2), Reason.NOT_REQUEST),
    row("plain-bootp", phone_request(message_type=None), Reason.NO_MESSAGE_TYPE),
    *(
        row(f"type-{kind}-unsupported", phone_request(message_type=kind), Reason.UNSUPPORTED_TYPE)
        for kind in (
            MessageType.REQUEST,
            MessageType.DECLINE,
            MessageType.RELEASE,
            MessageType.OFFER,
            MessageType.ACK,
            MessageType.NAK,
            0,
            9,
            18,
            255,
        )
    ),
    row(
        "discover-not-answered-by-default",
        phone_request(message_type=MessageType.DISCOVER, ciaddr="0.0.0.0", flags=BROADCAST),
        Reason.DISCOVER_NOT_ANSWERED,
        source=UNCONFIGURED,
    ),
    row(
        "discover-answered-with-offer-when-profile-opted-in",
        phone_request(message_type=MessageType.DISCOVER, ciaddr="0.0.0.0", flags=BROADCAST),
        Answered(
            MessageType.OFFER, "255.255.255.255", 68, DestinationKind.BROADCAST, broadcast_flag=True
        ),
        source=UNCONFIGURED,
        answer_discover=frozenset({Profile.MS_UC_CLIENT}),
    ),
    row(
        "discover-from-a-vendor-class-not-opted-in",
        phone_request(message_type=MessageType.DISCOVER, ciaddr="0.0.0.0", flags=BROADCAST),
        Reason.VENDOR_CLASS_NOT_SERVED,
        source=UNCONFIGURED,
        answer_discover=frozenset({Profile.CPE_OCPHONE}),
    ),
]

MALFORMED = [
    row("truncated-header", phone_request()[:200], Reason.MALFORMED),
    row(
        "bad-magic-cookie",
        bootp(cookie=b"\x63\x82\x53\x64", options=tlv(53, b"\x08") + b"\xff"),
        Reason.MALFORMED,
    ),
    row("option-past-end", phone_request()[:-3], Reason.MALFORMED),
    row(
        "relayed-link-selection-of-3-bytes",
        phone_request(giaddr="10.1.2.1", extra=tlv(82, bytes.fromhex("05 03 0a0102"))),
        Reason.MALFORMED,
    ),
]

VENDOR_CLASSES = [
    row("no-vendor-class", phone_request(vendor_class=None), Reason.NO_VENDOR_CLASS),
    row(
        "lower-case-vendor-class",
        phone_request(vendor_class=b"ms-uc-client"),
        Reason.VENDOR_CLASS_NOT_SERVED,
    ),
    row(
        "windows-vendor-class",
        phone_request(vendor_class=b"MSFT 5.0"),
        Reason.VENDOR_CLASS_NOT_SERVED,
    ),
    row(
        "versioned-vendor-class-in-exact-mode",
        phone_request(vendor_class=b"MS-UC-Client 4.0"),
        Reason.VENDOR_CLASS_NOT_SERVED,
    ),
    row(
        "versioned-vendor-class-in-prefix-mode",
        phone_request(vendor_class=b"MS-UC-Client 4.0"),
        ACK_TO_PHONE,
        vendor_class_match=VendorClassMatch.PREFIX,
    ),
    row(
        "truncated-vendor-class-in-prefix-mode",
        phone_request(vendor_class=b"MS-UC-Clien"),
        Reason.VENDOR_CLASS_NOT_SERVED,
        vendor_class_match=VendorClassMatch.PREFIX,
    ),
    row(
        "lower-case-vendor-class-in-prefix-mode",
        phone_request(vendor_class=b"ms-uc-client 4.0"),
        Reason.VENDOR_CLASS_NOT_SERVED,
        vendor_class_match=VendorClassMatch.PREFIX,
    ),
    row(
        "trailing-nul-is-trimmed",
        phone_request(vendor_class=b"MS-UC-Client\x00"),
        ACK_TO_PHONE,
    ),
    row(
        "trailing-nuls-are-trimmed",
        phone_request(vendor_class=b"MS-UC-Client\x00\x00"),
        ACK_TO_PHONE,
    ),
    row(
        "nul-inside-is-not-trimmed",
        phone_request(vendor_class=b"MS-UC-Client\x00x"),
        Reason.VENDOR_CLASS_NOT_SERVED,
    ),
    row(
        "vendor-class-split-in-two-instances",
        phone_request(vendor_class=None, extra=tlv(60, b"MS-UC-") + tlv(60, b"Client")),
        ACK_TO_PHONE,
    ),
    row(
        "vendor-class-removed-from-policy",
        phone_request(),
        Reason.VENDOR_CLASS_NOT_SERVED,
        vendor_classes={b"CPE-OCPHONE": Profile.CPE_OCPHONE},
    ),
]

RELAYS = [
    row(
        "untrusted-relay",
        phone_request(giaddr="10.1.2.1"),
        Reason.UNTRUSTED_RELAY,
        source=("10.1.2.1", 67),
        trusted_relays=frozenset({ip("10.9.0.1")}),
    ),
    row(
        "trusted-relay",
        phone_request(giaddr="10.1.2.1"),
        ACK_TO_PHONE,
        source=("10.1.2.1", 67),
        trusted_relays=frozenset({ip("10.1.2.1")}),
    ),
    row(
        "trusted-relays-do-not-apply-to-direct-requests",
        phone_request(),
        ACK_TO_PHONE,
        trusted_relays=frozenset({ip("10.9.0.1")}),
    ),
]

SITES_AND_OPTIONS = [
    row("no-site-for-ciaddr", phone_request(ciaddr="10.9.9.9"), Reason.NO_SITE),
    row(
        "cpe-ocphone-at-a-site-without-vlan",
        phone_request(vendor_class=b"CPE-OCPHONE", parameters=b"\x2b"),
        Reason.NOTHING_CONFIGURED,
    ),
    row(
        "cpe-ocphone-at-a-site-with-vlan",
        phone_request(vendor_class=b"CPE-OCPHONE", parameters=b"\x2b"),
        ACK_TO_PHONE,
        sites=(site_spec(vlan_id=120),),
    ),
    row(
        "prl-without-43-or-120",
        phone_request(parameters=bytes.fromhex("01 03 06 0f")),
        Reason.NOT_REQUESTED,
    ),
    row("no-prl", phone_request(parameters=None), Reason.NOT_REQUESTED),
    row(
        "prl-without-43-or-120-with-always-send",
        phone_request(parameters=bytes.fromhex("01 03 06 0f")),
        ACK_TO_PHONE,
        always_send=True,
    ),
    row(
        "no-prl-with-always-send",
        phone_request(parameters=None),
        ACK_TO_PHONE,
        always_send=True,
    ),
]


def exhausted_limits() -> Limits:
    """Limits under which the phone already had its one reply this window."""
    limits = Limits(LimitSettings(replies_per_client=1))
    assert limits.allow(PHONE_MAC, "10.1.2.50", 68, shared=False)
    return limits


def exhausted_sender() -> Limits:
    """Limits under which the phone's address already sent its one request this window."""
    limits = Limits(LimitSettings(requests_per_source=1))
    assert limits.admit(PHONE[0], False, None) == ADMITTED
    return limits


def overloaded_share() -> Limits:
    """Limits under which the queue is overloaded and the phone's address, one of two sources,
    has had its share of this window."""
    limits = Limits(LimitSettings())
    assert limits.admit("10.1.3.66", False, None) == ADMITTED
    assert limits.admit(PHONE[0], False, None) == ADMITTED
    limits.share = 1
    return limits


def stale_queue() -> Limits:
    limits = Limits(LimitSettings())
    limits.stale = True
    return limits


LIMITS = [
    row(
        "source-over-its-fair-share",
        phone_request(),
        Reason.OVER_FAIR_SHARE,
        limits=overloaded_share(),
    ),
    row("stale-after-waiting-too-long", phone_request(), Reason.STALE, limits=stale_queue()),
    row(
        "sender-over-its-request-limit",
        phone_request(),
        Reason.SENDER_OVER_LIMIT,
        limits=exhausted_sender(),
    ),
    row(
        "client-over-its-reply-limit",
        phone_request(),
        Reason.RATE_LIMITED,
        limits=exhausted_limits(),
    ),
    row(
        "client-within-its-reply-limit",
        phone_request(),
        ACK_TO_PHONE,
        limits=Limits(LimitSettings(replies_per_client=1)),
    ),
]

TABLE = (
    LIMITS + REFUSED + ROUTING + MESSAGE_TYPES + MALFORMED + VENDOR_CLASSES + RELAYS
    + SITES_AND_OPTIONS
)  # fmt: skip


@pytest.mark.parametrize(("datagram", "source", "sites", "policy", "expected"), TABLE)
def test_request_gets_the_outcome_in_the_table(datagram, source, sites, policy, expected):
    outcome = respond(datagram, responder(*sites, **policy), source=source)
    if isinstance(expected, Reason):
        assert isinstance(outcome, Ignored), f"expected {expected}, got a reply"
        assert outcome.reason is expected
        unread = (Reason.MALFORMED, Reason.SENDER_OVER_LIMIT, Reason.OVER_FAIR_SHARE, Reason.STALE)
        assert (outcome.request is None) == (expected in unread)
        return
    assert isinstance(outcome, Reply), f"expected a reply, got {outcome!r}"
    payload = outcome.payload
    assert payload[0] == 2
    assert payload[16:20] == bytes(4)  # yiaddr 0, also in an OFFER (proxy form)
    assert reply_options(payload)[0] == (53, bytes((expected.message_type,)))
    assert reply_options(payload)[1] == (54, SERVER_ID)
    destination = outcome.destination
    assert (destination.address, destination.port) == (expected.address, expected.port)
    assert destination.kind is expected.kind
    flags = int.from_bytes(payload[10:12], "big")
    assert bool(flags & BROADCAST) is expected.broadcast_flag
    assert flags & 0x7FFF == int.from_bytes(datagram[10:12], "big") & 0x7FFF


def test_every_reason_appears_in_the_table():
    covered = {param.values[-1] for param in TABLE if isinstance(param.values[-1], Reason)}
    assert covered == set(Reason)


def test_every_destination_kind_appears_in_the_table():
    covered = {param.values[-1].kind for param in TABLE if isinstance(param.values[-1], Answered)}
    assert covered == set(DestinationKind)


def test_offer_to_discover_carries_the_profile_options_and_no_address():
    request = phone_request(message_type=MessageType.DISCOVER, ciaddr="0.0.0.0", flags=BROADCAST)
    policy = responder(answer_discover=frozenset({Profile.MS_UC_CLIENT}))
    reply = respond(request, policy, source=UNCONFIGURED)
    assert isinstance(reply, Reply)
    message = parse_message(reply.payload)
    assert message.message_type == MessageType.OFFER
    assert message.yiaddr == bytes(4)
    assert [code for code, _ in reply_options(reply.payload)] == [53, 54, 61, 43, 120]


def test_cpe_ocphone_offer_carries_the_vlan_id_in_option_43():
    request = phone_request(
        message_type=MessageType.DISCOVER,
        vendor_class=b"CPE-OCPHONE",
        parameters=bytes.fromhex("01 03 2b"),
        ciaddr="0.0.0.0",
        flags=BROADCAST,
    )
    policy = responder(site_spec(vlan_id=120), answer_discover=frozenset({Profile.CPE_OCPHONE}))
    reply = respond(request, policy, source=UNCONFIGURED)
    assert isinstance(reply, Reply)
    assert reply.profile is Profile.CPE_OCPHONE
    assert reply_options(reply.payload)[3:] == [
        (43, bytes.fromhex("0a 02 0078")),  # sub-option 10, VLAN 120 as a word
    ]


def test_cpe_ocphone_vlan_id_in_ascii_form():
    request = phone_request(vendor_class=b"CPE-OCPHONE", parameters=b"\x2b")
    policy = responder(site_spec(vlan_id=120, vlan_id_format=VlanIdFormat.ASCII))
    reply = respond(request, policy)
    assert isinstance(reply, Reply)
    assert dict(reply_options(reply.payload))[43] == bytes.fromhex("0a 03 313230")


def test_cpe_ocphone_is_not_sent_the_ms_uc_client_options():
    request = phone_request(vendor_class=b"CPE-OCPHONE", parameters=b"\x2b\x78")
    reply = respond(request, responder(site_spec(vlan_id=120)))
    assert isinstance(reply, Reply)
    assert [code for code, _ in reply_options(reply.payload)] == [53, 54, 61, 43]


def test_replaced_policy_applies_to_the_next_request():
    answering = responder()
    assert isinstance(respond(phone_request(ciaddr="10.20.0.9"), answering), Ignored)
    answering.policy = responder(site_spec(name="oslo", subnets=("10.20.0.0/22",))).policy
    reply = respond(phone_request(ciaddr="10.20.0.9"), answering)
    assert isinstance(reply, Reply)
    assert reply.site.name == "oslo"


def test_proxy_offer_to_a_client_without_address_or_broadcast_flag_is_broadcast():
    # A DORA client has no address yet and rarely sets the BROADCAST flag; the proxy OFFER
    # (yiaddr 0) can only reach it as a broadcast, as PXE proxy servers send it.
    request = phone_request(message_type=1, vendor_class=b"CPE-OCPHONE", ciaddr="0.0.0.0")
    service = responder(site_spec(vlan_id=120), answer_discover=frozenset({Profile.CPE_OCPHONE}))
    outcome = respond(request, service, source=UNCONFIGURED)
    assert isinstance(outcome, Reply)
    assert (outcome.destination.address, outcome.destination.port) == ("255.255.255.255", 68)
    assert outcome.destination.kind is DestinationKind.BROADCAST
    assert reply_options(outcome.payload)[0] == (53, bytes((MessageType.OFFER,)))


def test_a_local_subnets_broadcast_or_network_address_is_never_a_destination():
    # The network and broadcast addresses of the receiving side's subnets come with the
    # arrival (runtime/listening.py); a spoofed ciaddr or source naming them would reach every host.
    refused = frozenset({bytes((10, 1, 2, 0)), bytes((10, 1, 2, 255))})
    arrival = Arrival(server_id=SERVER_ID, refused=refused)
    service = responder()
    for datagram, source in (
        (phone_request(ciaddr="10.1.2.255"), ("0.0.0.0", 68)),
        (phone_request(ciaddr="10.1.2.0"), ("0.0.0.0", 68)),
        (phone_request(ciaddr="0.0.0.0"), ("10.1.2.255", 68)),
        (phone_request(), ("10.1.2.255", 5353)),
    ):
        outcome = service.respond(datagram, source, arrival)
        assert isinstance(outcome, Ignored) and outcome.reason is Reason.REFUSED_DESTINATION
    answered = service.respond(phone_request(), ("10.1.2.50", 68), arrival)
    assert isinstance(answered, Reply) and answered.destination.address == "10.1.2.50"
