"""Which options a reply carries, in which order, and how big it may be (RFC 2131 §4.3,
RFC 2132 §9.8, RFC 3046 §2.2, RFC 3396, RFC 6842)."""

import pytest

from tests.dhcp.golden import SERVER_ID
from tests.dhcp.reply import end_offset, reply_codes, reply_options
from tests.dhcp.request import bootp, dhcp_options, ip, phone_request, tlv
from ucdhcp.core.responder import Ignored, Reason, Reply
from ucdhcp.wire.message import parse_message
from ucdhcp.wire.options import decode_sip_server_instances, encode_sip_servers
from ucdhcp.wire.relay import encode_relay_agent_information

from .responders import answered, respond, responder, site_spec

OPTION_82 = bytes.fromhex(
    "01 04 00010203"  # sub-option 1 circuit ID
    "02 06 001122334455"  # sub-option 2 remote ID
)
OPTION_43_LENGTH = 2 + 85
OPTION_120_LENGTH = 2 + 21
FIXED_PART = 240 + 3 + 6  # header, cookie, 53, 54


def relayed(**fields) -> bytes:
    return phone_request(giaddr="10.1.2.1", **fields)


def test_client_identifier_is_echoed_unaltered_right_after_server_identifier():
    client_id = b"\x00phone-42\xff\x00"  # type 0, arbitrary bytes, even a trailing NUL
    reply = answered(respond(phone_request(client_id=client_id)))
    options = reply_options(reply.payload)
    assert options[:3] == [(53, b"\x05"), (54, SERVER_ID), (61, client_id)]


def test_no_client_identifier_in_reply_when_request_has_none():
    reply = answered(respond(phone_request(client_id=None)))
    assert reply_codes(reply.payload) == [53, 54, 43, 120]


def test_relay_agent_information_is_echoed_last_byte_for_byte():
    reply = answered(respond(relayed(extra=tlv(82, OPTION_82))))
    options = reply_options(reply.payload)
    assert [code for code, _ in options] == [53, 54, 61, 43, 120, 82]
    assert options[-1] == (82, OPTION_82)
    end = end_offset(reply.payload)
    assert reply.payload[end - 2 - len(OPTION_82) : end + 1] == b"\x52\x0e" + OPTION_82 + b"\xff"


def test_relay_agent_information_split_in_request_is_echoed_whole():
    # 300 bytes of option 82 in two instances; with room (option 57) all of it comes back.
    subs = encode_relay_agent_information([(1, bytes(range(200))), (2, bytes(96))])
    request = relayed(
        extra=tlv(57, bytes.fromhex("05dc")) + tlv(82, subs[:150]) + tlv(82, subs[150:])
    )
    reply = answered(respond(request))
    options = reply_options(reply.payload)
    assert [code for code, _ in options][-2:] == [82, 82]
    assert options[-2][1] + options[-1][1] == subs
    assert parse_message(reply.payload).option(82) == subs


def test_relay_agent_information_that_does_not_fit_is_left_out_not_truncated():
    big = encode_relay_agent_information([(1, bytes(248))])  # 250 bytes, 252 on the wire
    assert FIXED_PART + 9 + OPTION_43_LENGTH + OPTION_120_LENGTH + 252 + 1 > 576
    reply = answered(respond(relayed(extra=tlv(82, big))))
    assert reply_codes(reply.payload) == [53, 54, 61, 43, 120]
    assert len(reply.payload) <= 576


def test_relay_agent_information_fits_when_option_57_allows_it():
    big = encode_relay_agent_information([(1, bytes(248))])
    reply = answered(respond(relayed(extra=tlv(82, big) + tlv(57, bytes.fromhex("05dc")))))
    assert reply_options(reply.payload)[-1] == (82, big)


@pytest.mark.parametrize(
    ("prl", "codes"),
    [
        pytest.param("2b 78", [43, 120], id="43-then-120"),
        pytest.param("78 2b", [120, 43], id="120-then-43"),
        pytest.param("78 2b 78 2b 2b", [120, 43], id="duplicates-sent-once"),
        pytest.param("01 03 06 0f 78 2a 2b 04", [120, 42, 43, 4], id="with-time-servers"),
        pytest.param("2a", [42], id="only-ntp"),
    ],
)
def test_options_follow_the_parameter_request_list_order_each_once(prl, codes):
    site = site_spec(ntp_servers=("10.1.2.1",), time_servers=("10.1.2.2", "10.1.2.3"))
    reply = answered(respond(phone_request(parameters=bytes.fromhex(prl)), responder(site)))
    assert reply_codes(reply.payload) == [53, 54, 61, *codes]
    options = dict(reply_options(reply.payload))
    if 42 in codes:
        assert options[42] == bytes.fromhex("0a010201")
    if 4 in codes:
        assert options[4] == bytes.fromhex("0a010202 0a010203")


def test_hops_and_secs_of_a_relayed_request_are_not_copied():
    request = bootp(options=dhcp_options(), hops=2, secs=30, giaddr="10.1.2.1", ciaddr="10.1.2.50")
    reply = answered(respond(request, source=("10.1.2.1", 67)))
    assert reply.payload[3] == 0  # hops
    assert reply.payload[8:10] == bytes(2)  # secs
    assert reply.payload[24:28] == bytes.fromhex("0a010201")  # giaddr copied


def test_always_send_adds_unrequested_options_after_the_requested_ones():
    request = phone_request(parameters=bytes.fromhex("78"))
    reply = answered(respond(request, responder(always_send=True)))
    assert reply_codes(reply.payload) == [53, 54, 61, 120, 43]


LEASE_AND_OWNED = bytes((50, 51, 52, 53, 54, 55, 57, 58, 59, 61, 82))


def test_lease_and_request_only_options_are_never_in_a_reply():
    request = phone_request(
        parameters=LEASE_AND_OWNED + b"\x2b\x78",
        extra=(
            tlv(50, bytes.fromhex("0a010232"))  # requested address
            + tlv(51, bytes.fromhex("00000e10"))  # lease time
            + tlv(57, bytes.fromhex("05dc"))  # maximum message size
        ),
    )
    reply = answered(respond(request, responder(always_send=True)))
    assert reply_codes(reply.payload) == [53, 54, 61, 43, 120]


def test_short_reply_is_padded_to_exactly_300_bytes_after_end():
    reply = answered(respond(phone_request(parameters=b"\x78")))
    payload = reply.payload
    assert len(payload) == 300
    end = FIXED_PART + 9 + OPTION_120_LENGTH  # 53, 54, 61, 120, then End
    assert end_offset(payload) == end == 281
    assert payload[end] == 0xFF
    assert payload[end + 1 :] == bytes(300 - end - 1)


def test_reply_without_client_identifier_is_padded_too():
    reply = answered(respond(phone_request(parameters=b"\x78", client_id=None)))
    assert len(reply.payload) == 300
    assert end_offset(reply.payload) == FIXED_PART + OPTION_120_LENGTH
    assert reply.payload[end_offset(reply.payload) + 1 :] == bytes(300 - 273)


@pytest.mark.parametrize(
    ("data_length", "reply_length"),
    [
        pytest.param(37, 300, id="natural-298"),
        pytest.param(38, 300, id="natural-299"),
        pytest.param(39, 300, id="natural-300"),
        pytest.param(40, 301, id="natural-301"),
    ],
)
def test_padding_reaches_300_bytes_exactly_and_never_more(data_length, reply_length):
    policy = responder(site_spec(extra_options={224: bytes(range(1, data_length + 1))}))
    reply = answered(respond(phone_request(parameters=b"\xe0"), policy))
    natural = FIXED_PART + 9 + 2 + data_length + 1  # 53, 54, 61, 224, End
    assert end_offset(reply.payload) == natural - 1
    assert len(reply.payload) == reply_length == max(300, natural)


def test_reply_longer_than_300_bytes_is_not_padded():
    reply = answered(respond(phone_request()))
    assert len(reply.payload) == end_offset(reply.payload) + 1 == 369


# --- size limit: 576 without option 57, more with it; RFC 3396 splitting --------------------

MANY_SIP_SERVERS = tuple(f"sip-server-{n:02}.branch.contoso.com" for n in range(12))
LONG_120 = encode_sip_servers(MANY_SIP_SERVERS)


def long_list_responder():
    return responder(site_spec(sip_servers=MANY_SIP_SERVERS, web_server="pool01.contoso.com"))


def with_max_size(size: int, prl: str = "2b 78") -> bytes:
    return phone_request(parameters=bytes.fromhex(prl), extra=tlv(57, size.to_bytes(2, "big")))


def test_long_sip_server_list_needs_more_than_one_instance():
    assert len(LONG_120) > 255
    option_120 = len(LONG_120) + 2 * 2  # two instances
    assert FIXED_PART + 9 + OPTION_43_LENGTH + option_120 + 1 > 576  # does not fit in 576
    assert FIXED_PART + 9 + OPTION_43_LENGTH + option_120 + 1 <= 1472  # fits with option 57


def test_option_that_does_not_fit_576_is_left_out_without_option_57():
    reply = answered(respond(phone_request(), long_list_responder()))
    assert reply_codes(reply.payload) == [53, 54, 61, 43]
    assert 300 <= len(reply.payload) <= 576


def test_left_out_option_does_not_stop_a_smaller_one_after_it():
    request = phone_request(parameters=bytes.fromhex("78 2b"))
    reply = answered(respond(request, long_list_responder()))
    assert reply_codes(reply.payload) == [53, 54, 61, 43]


@pytest.mark.parametrize("size", [0, 300, 575, 576])
def test_option_57_at_or_below_576_keeps_the_576_limit(size):
    reply = answered(respond(with_max_size(size), long_list_responder()))
    assert reply_codes(reply.payload) == [53, 54, 61, 43]


def test_option_that_exactly_fills_a_576_byte_datagram_is_sent():
    # RFC 2131 §2: 576-byte datagram = 548-byte DHCP message (28 bytes of IP and UDP).
    # 249 fixed + 298 (294 bytes of data in two instances: 255 + 39) + End = 548.
    policy = responder(site_spec(extra_options={224: bytes(294)}))
    request = phone_request(parameters=b"\xe0", client_id=None)
    reply = answered(respond(request, policy))
    assert reply_codes(reply.payload) == [53, 54, 224, 224]
    assert len(reply.payload) == 548


def test_reply_whose_only_option_is_one_byte_over_the_576_byte_datagram_is_not_sent():
    # An ACK carrying only 53 and 54 would tell the phone nothing and could shadow another
    # server's useful answer: the responder stays silent instead.
    policy = responder(site_spec(extra_options={224: bytes(295)}))
    request = phone_request(parameters=b"\xe0", client_id=None)
    outcome = respond(request, policy)
    assert isinstance(outcome, Ignored)
    assert outcome.reason is Reason.REPLY_TOO_LARGE


def test_option_57_counts_the_ip_and_udp_headers_and_is_the_exact_limit():
    needed = FIXED_PART + 9 + OPTION_43_LENGTH + len(LONG_120) + 4 + 1
    fits = answered(respond(with_max_size(needed + 28), long_list_responder()))
    assert reply_codes(fits.payload) == [53, 54, 61, 43, 120, 120]
    assert len(fits.payload) == needed
    too_small = answered(respond(with_max_size(needed + 27), long_list_responder()))
    assert reply_codes(too_small.payload) == [53, 54, 61, 43]


def test_option_57_of_1500_lets_the_long_option_in_split_per_rfc_3396():
    reply = answered(respond(with_max_size(1500), long_list_responder()))
    options = reply_options(reply.payload)
    assert [code for code, _ in options] == [53, 54, 61, 43, 120, 120]
    first, second = options[4][1], options[5][1]
    assert len(first) == 255
    assert first + second == LONG_120
    assert decode_sip_server_instances([first, second]).servers == MANY_SIP_SERVERS
    assert parse_message(reply.payload).option(120) == LONG_120
    assert len(reply.payload) == FIXED_PART + 9 + OPTION_43_LENGTH + len(LONG_120) + 4 + 1


def test_option_57_above_the_ethernet_payload_is_capped_at_1472_bytes():
    extra = {code: bytes([code]) * 250 for code in range(224, 230)}  # six 252-byte options
    policy = responder(site_spec(extra_options=extra))
    prl = " ".join(f"{code:02x}" for code in range(224, 230))
    reply: Reply = answered(respond(with_max_size(65535, prl), policy))
    codes = reply_codes(reply.payload)
    assert codes == [53, 54, 61, 224, 225, 226, 227]  # a fifth would reach 1511 bytes
    assert len(reply.payload) <= 1472
    assert dict(reply_options(reply.payload))[224] == bytes([224]) * 250


def test_option_118_that_chose_the_site_is_echoed_unaltered():
    # RFC 3011 §2: clients using option 118 discard an ACK that does not carry it back.
    request = phone_request(extra=tlv(118, ip("10.20.0.7")))
    policy = responder(
        site_spec(),
        site_spec(name="oslo", subnets=("10.20.0.0/22",), sip_servers=("sba-oslo.contoso.com",)),
    )
    reply = answered(respond(request, policy))
    assert reply.site.name == "oslo"
    options = reply_options(reply.payload)
    assert [code for code, _ in options] == [53, 54, 61, 118, 43, 120]
    assert dict(options)[118] == ip("10.20.0.7")
