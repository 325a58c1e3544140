"""Fuzz invariants: any input decodes or raises DecodeError, and the responder never raises.

Every input that once broke an invariant belongs here as an @example.
"""

import contextlib

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.dhcp.golden import INFORM, SERVER_ID
from tests.dhcp.reply import reply_options
from tests.dhcp.request import bootp, dhcp_options, ip, tlv
from ucdhcp.core.policy import Profile, VendorClassMatch
from ucdhcp.core.responder import Arrival, Ignored, Reason, Reply
from ucdhcp.wire.errors import DecodeError
from ucdhcp.wire.message import Message, MessageType, parse_message
from ucdhcp.wire.names import decode_names
from ucdhcp.wire.options import (
    decode_ipv4_list,
    decode_sip_server_instances,
    decode_sip_servers,
    decode_suboptions,
)
from ucdhcp.wire.relay import decode_relay_agent_information, link_selection
from ucdhcp.wire.reply import max_reply_size
from ucdhcp.wire.vendor import VlanIdFormat, decode_ms_uc_client, decode_vlan_id

from .responders import responder, site_spec
from .strategies import ipv4_addresses

RESPONDER = responder(
    site_spec(vlan_id=120, ntp_servers=("10.1.2.1",)),
    site_spec(name="oslo", subnets=("10.20.0.0/22",), sip_servers=("sba-oslo.contoso.com",)),
    default_site=None,
    answer_discover=frozenset({Profile.CPE_OCPHONE}),
    vendor_class_match=VendorClassMatch.PREFIX,
)
ARRIVAL = Arrival(server_id=SERVER_ID)
NEVER_IN_A_REPLY = {0, 50, 51, 52, 55, 57, 58, 59}


@st.composite
def mutated_inform(draw: st.DrawFn) -> bytes:
    """The INFORM of docs/protocol.md §7 with a few bytes overwritten, inserted, deleted, or
    the tail cut off."""
    packet = bytearray(INFORM)
    for _ in range(draw(st.integers(1, 4))):
        position = draw(st.integers(0, len(packet)))
        action = draw(st.sampled_from(["overwrite", "insert", "delete", "truncate"]))
        byte = draw(st.integers(0, 255))
        if action == "overwrite" and position < len(packet):
            packet[position] = byte
        elif action == "insert":
            packet.insert(position, byte)
        elif action == "delete" and position < len(packet):
            del packet[position]
        elif action == "truncate":
            del packet[position:]
    return bytes(packet)


@st.composite
def header_with_random_options(draw: st.DrawFn) -> bytes:
    """A plausible header and cookie followed by arbitrary option bytes, maybe overloaded."""
    options = draw(st.binary(max_size=400))
    if draw(st.booleans()):
        options = tlv(52, bytes((draw(st.integers(0, 4)),))) + options
    return bootp(
        options=options,
        op=draw(st.sampled_from([1, 1, 1, 2])),
        hlen=draw(st.integers(0, 17)),
        sname=draw(st.binary(max_size=64)),
        file=draw(st.binary(max_size=128)),
    )


datagrams = st.one_of(st.binary(max_size=700), mutated_inform(), header_with_random_options())


addresses = st.one_of(
    st.sampled_from(["10.1.2.50", "10.1.2.50", "0.0.0.0", "10.20.0.9", "10.99.0.1"]),
    ipv4_addresses,
)


@st.composite
def phone_like_request(draw: st.DrawFn) -> bytes:
    """A well-framed request whose every field the decision reads is drawn at random."""
    extra = b""
    if draw(st.booleans()):
        extra += tlv(57, draw(st.integers(0, 65535)).to_bytes(2, "big"))
    if draw(st.booleans()):
        subs = draw(st.lists(st.tuples(st.integers(0, 255), st.binary(max_size=60)), max_size=4))
        if draw(st.booleans()):
            subs.append((5, ip(draw(addresses))))
        body = b"".join(bytes((code, len(value))) + value for code, value in subs)
        extra += tlv(82, body) if len(body) >= 2 else b""
    if draw(st.booleans()):
        extra += tlv(118, ip(draw(addresses)))
    # Weighted towards what a phone sends, so that most examples get as far as a reply.
    message_type = st.sampled_from([*[8] * 10, 1, 1, 3, 7, 2, 0, None])
    vendor_class = st.sampled_from(
        [b"MS-UC-Client"] * 4 + [b"MS-UC-Client\x00", b"CPE-OCPHONE", b"MSFT 5.0", None]
    )
    requested = st.lists(st.sampled_from([1, 3, 4, 42, 43, 50, 51, 58, 120]), min_size=1)
    options = dhcp_options(
        message_type=draw(message_type),
        client_id=draw(st.one_of(st.binary(min_size=2, max_size=32), st.none())),
        vendor_class=draw(vendor_class),
        parameters=draw(st.one_of(requested.map(bytes), st.just(b"\x2b\x78"))),
        extra=extra,
    )
    return bootp(
        options=options,
        flags=draw(st.sampled_from([0, 0x8000, 0x0001])),
        ciaddr=draw(addresses),
        giaddr=draw(st.sampled_from(["0.0.0.0", "0.0.0.0", "10.1.2.1"])),
    )


sources = st.tuples(
    st.sampled_from(["0.0.0.0", "10.1.2.50", "10.20.0.1"]),
    st.sampled_from([67, 68, 50000]),
)


def parses(datagram: bytes) -> bool:
    try:
        parse_message(datagram)
    except DecodeError:
        return False
    return True


@settings(max_examples=2000)
@given(datagrams)
@example(b"")
@example(INFORM)
@example(INFORM[:240])
@example(bootp(options=tlv(52, b"\x03"), sname=b"\x34\xff" + bytes(62)))
def test_parse_message_returns_a_message_or_raises_decode_error(datagram):
    try:
        message = parse_message(datagram)
    except DecodeError:
        return
    assert isinstance(message, Message)
    # Everything the decision reads is available without a further exception.
    _ = (message.op, message.xid, message.flags, message.ciaddr, message.giaddr, message.chaddr)
    _ = (message.vendor_class, message.parameter_request_list, message.max_message_size)


@settings(max_examples=2000)
@given(datagrams, sources)
@example(INFORM, ("10.1.2.50", 68))
@example(b"\x01" * 300, ("0.0.0.0", 68))
def test_responder_never_raises_and_replies_only_to_parseable_input(datagram, source):
    outcome = RESPONDER.respond(datagram, source, ARRIVAL)
    assert isinstance(outcome, Reply | Ignored)
    if not parses(datagram):
        assert isinstance(outcome, Ignored)
        assert outcome.reason is Reason.MALFORMED


@settings(max_examples=1500)
@given(phone_like_request(), sources)
def test_every_reply_is_a_well_formed_ack_or_offer_within_the_size_limit(datagram, source):
    outcome = RESPONDER.respond(datagram, source, ARRIVAL)
    assert isinstance(outcome, Reply | Ignored)
    if isinstance(outcome, Ignored):
        return
    request, payload = parse_message(datagram), outcome.payload
    reply = parse_message(payload)
    assert reply.op == 2
    assert reply.message_type in (MessageType.ACK, MessageType.OFFER)
    assert (reply.xid, reply.chaddr, reply.ciaddr) == (request.xid, request.chaddr, request.ciaddr)
    assert reply.yiaddr == bytes(4)
    assert 300 <= len(payload) <= max_reply_size(request)
    codes = [code for code, _ in reply_options(payload)]
    assert codes[:2] == [53, 54]
    assert reply.option(54) == SERVER_ID
    assert not NEVER_IN_A_REPLY & set(codes)
    assert reply.option(61) == request.option(61)
    if 82 in codes:
        assert codes[-1] == 82
        assert reply.option(82) == request.option(82)


DECODERS = [
    pytest.param(decode_names, id="decode_names"),
    pytest.param(decode_sip_servers, id="decode_sip_servers"),
    pytest.param(lambda data: decode_sip_server_instances([data[:7], data[7:]]), id="instances"),
    pytest.param(decode_suboptions, id="decode_suboptions"),
    pytest.param(decode_ms_uc_client, id="decode_ms_uc_client"),
    pytest.param(lambda data: decode_vlan_id(data, VlanIdFormat.WORD), id="vlan-word"),
    pytest.param(lambda data: decode_vlan_id(data, VlanIdFormat.ASCII), id="vlan-ascii"),
    pytest.param(decode_ipv4_list, id="decode_ipv4_list"),
    pytest.param(decode_relay_agent_information, id="decode_relay_agent_information"),
    pytest.param(link_selection, id="link_selection"),
]


@pytest.mark.parametrize("decode", DECODERS)
@given(data=st.binary(max_size=300))
@example(data=b"\xc0\x00")
@example(data=b"\x00\x01\x61\xc0\x00")
def test_option_decoder_returns_a_value_or_raises_decode_error(decode, data):
    with contextlib.suppress(DecodeError):
        decode(data)
