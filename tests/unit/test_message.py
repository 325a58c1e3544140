"""parse_message: BOOTP header, cookie, option framing, RFC 3396 concatenation, overload."""

import pytest

from tests.dhcp.golden import INFORM, INFORM_HEADER, PHONE_MAC
from tests.dhcp.request import bootp, ip, phone_request, tlv
from ucdhcp.wire.errors import DecodeError
from ucdhcp.wire.message import MessageType, Op, parse_message


def test_phone_inform_header_is_read_in_place():
    message = parse_message(INFORM)
    assert message.op == Op.BOOTREQUEST
    assert (message.htype, message.hlen, message.hops) == (1, 6, 0)
    assert (message.xid, message.secs, message.flags) == (0x12345678, 0, 0)
    assert message.ciaddr == ip("10.1.2.50")
    assert message.yiaddr == bytes(4)
    assert message.giaddr == bytes(4)
    assert message.chaddr == PHONE_MAC


def test_phone_inform_options_are_framed():
    message = parse_message(INFORM)
    assert message.message_type == MessageType.INFORM
    assert message.vendor_class == b"MS-UC-Client"
    assert message.parameter_request_list == bytes.fromhex("01 03 06 0f 2a 2b 78")
    assert message.option(61) == b"\x01" + PHONE_MAC
    assert message.max_message_size is None
    assert set(message.options) == {53, 61, 60, 55}


@pytest.mark.parametrize("kind", [bytes, bytearray, memoryview])
def test_any_bytes_like_datagram_is_accepted(kind):
    assert parse_message(kind(INFORM)).vendor_class == b"MS-UC-Client"


def test_chaddr_follows_hlen():
    message = parse_message(bootp(hlen=16, chaddr=bytes(range(16)), options=b"\xff"))
    assert message.chaddr == bytes(range(16))


def test_options_not_needed_for_the_decision_are_kept_raw():
    message = parse_message(phone_request(extra=tlv(12, b"phone-42") + tlv(200, b"")))
    assert message.option(12) == b"phone-42"
    assert message.option(200) == b""
    assert message.option(13) is None


def test_header_without_options_parses():
    message = parse_message(bootp(options=b""))
    assert message.options == {}
    assert message.message_type is None
    assert message.parameter_request_list == b""
    assert message.vendor_class is None


def test_pad_is_skipped_and_end_stops_the_walk():
    options = (
        b"\x00\x00"  # pad
        + tlv(53, b"\x08")
        + b"\x00"  # pad
        + b"\xff"  # End
        + b"\x3c\x40"  # garbage after End: an option 60 claiming 64 bytes that are not there
    )
    message = parse_message(bootp(options=options))
    assert message.message_type == MessageType.INFORM
    assert message.vendor_class is None


def test_missing_end_is_tolerated():
    message = parse_message(bootp(options=tlv(53, b"\x08") + tlv(60, b"MS-UC-Client")))
    assert message.vendor_class == b"MS-UC-Client"


def test_repeated_option_instances_are_concatenated_in_order():
    # RFC 3396 §7: option 60 split into two instances, 55 into three.
    options = (
        tlv(53, b"\x08")
        + tlv(60, b"MS-UC-")
        + tlv(55, b"\x2b")
        + tlv(60, b"Client")
        + tlv(55, b"\x78")
        + tlv(55, b"\x01")
        + b"\xff"
    )
    message = parse_message(bootp(options=options))
    assert message.vendor_class == b"MS-UC-Client"
    assert message.parameter_request_list == bytes.fromhex("2b 78 01")


def test_max_message_size_is_read_from_option_57():
    message = parse_message(phone_request(extra=tlv(57, bytes.fromhex("05dc"))))
    assert message.max_message_size == 1500


@pytest.mark.parametrize(
    "datagram",
    [
        pytest.param(b"", id="empty"),
        pytest.param(INFORM[:239], id="shorter-than-header-and-cookie"),
        pytest.param(INFORM_HEADER + b"\x63\x82\x53", id="truncated-cookie"),
        pytest.param(bootp(cookie=bytes.fromhex("63825364"), options=b"\xff"), id="bad-cookie"),
        pytest.param(bootp(op=0, options=b"\xff"), id="op-0"),
        pytest.param(bootp(op=3, options=b"\xff"), id="op-3"),
        pytest.param(bootp(hlen=17, options=b"\xff"), id="hlen-17"),
        pytest.param(bootp(hops=17, options=b"\xff"), id="hops-17-relay-loop"),
        pytest.param(bootp(options=b"\x35"), id="option-without-length"),
        pytest.param(bootp(options=b"\x3c\x0cMS-UC-Clien"), id="option-past-end"),
        pytest.param(bootp(options=tlv(53, b"")), id="message-type-empty"),
        pytest.param(bootp(options=tlv(53, b"\x08\x08")), id="message-type-2-bytes"),
        pytest.param(bootp(options=tlv(53, b"\x08") + tlv(53, b"\x08")), id="message-type-twice"),
        pytest.param(bootp(options=tlv(57, b"\x05")), id="max-size-1-byte"),
        pytest.param(bootp(options=tlv(118, b"\x0a\x01\x02")), id="subnet-selection-3-bytes"),
        pytest.param(bootp(options=tlv(55, b"")), id="prl-empty"),
        pytest.param(bootp(options=tlv(60, b"")), id="vendor-class-empty"),
        pytest.param(bootp(options=tlv(61, b"\x01")), id="client-id-1-byte"),
        pytest.param(bootp(options=tlv(82, b"\x01")), id="relay-info-1-byte"),
    ],
)
def test_malformed_datagram_is_rejected_with_decode_error(datagram):
    with pytest.raises(DecodeError):
        parse_message(datagram)


def test_bootreply_parses_so_the_responder_can_tell_it_apart():
    assert parse_message(bootp(op=2, options=b"\xff")).op == Op.BOOTREPLY


def test_sname_and_file_are_not_read_without_overload():
    # A boot file name is text, not options; it must not be framed (it would be malformed).
    message = parse_message(
        bootp(sname=b"tftp.contoso.com", file=b"pxelinux.0", options=tlv(53, b"\x08") + b"\xff")
    )
    assert message.vendor_class is None
    assert set(message.options) == {53}


# --- option 52, overload (RFC 2131 §4.1, RFC 2132 §9.3) -------------------------------------


def overloaded(value: bytes, *, sname: bytes = b"", file: bytes = b"", options: bytes = b""):
    return bootp(
        options=tlv(53, b"\x08") + tlv(52, value) + options + b"\xff", sname=sname, file=file
    )


def test_overload_1_reads_options_from_file():
    message = parse_message(overloaded(b"\x01", file=tlv(60, b"MS-UC-Client") + b"\xff"))
    assert message.vendor_class == b"MS-UC-Client"
    assert 52 not in message.options


def test_overload_2_reads_options_from_sname():
    message = parse_message(overloaded(b"\x02", sname=tlv(60, b"MS-UC-Client") + b"\xff"))
    assert message.vendor_class == b"MS-UC-Client"


def test_overload_3_reads_options_then_file_then_sname():
    message = parse_message(
        overloaded(
            b"\x03",
            options=tlv(60, b"MS-"),  # first part, in `options`
            file=tlv(60, b"UC-") + b"\xff",  # second part, in `file`
            sname=tlv(60, b"Client") + b"\xff",  # third part, in `sname`
        )
    )
    assert message.vendor_class == b"MS-UC-Client"


def test_overload_1_leaves_sname_unread():
    message = parse_message(overloaded(b"\x01", sname=tlv(60, b"MS-UC-Client") + b"\xff"))
    assert message.vendor_class is None


def test_overload_2_leaves_file_unread():
    message = parse_message(overloaded(b"\x02", file=tlv(60, b"MS-UC-Client") + b"\xff"))
    assert message.vendor_class is None


def test_option_52_inside_file_is_not_followed_again():
    message = parse_message(
        overloaded(
            b"\x01",
            file=tlv(52, b"\x02") + b"\xff",  # would ask for sname too
            sname=tlv(60, b"MS-UC-Client") + b"\xff",
        )
    )
    assert message.vendor_class is None
    assert 52 not in message.options


def test_overloaded_field_without_end_ends_at_its_boundary():
    message = parse_message(overloaded(b"\x01", file=tlv(60, b"MS-UC-Client")))
    assert message.vendor_class == b"MS-UC-Client"


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(b"\x00", id="0"),
        pytest.param(b"\x04", id="4"),
        pytest.param(b"\xff", id="255"),
        pytest.param(b"", id="empty"),
        pytest.param(b"\x01\x01", id="two-bytes"),
    ],
)
def test_invalid_overload_value_is_rejected(value):
    with pytest.raises(DecodeError):
        parse_message(overloaded(value))


def test_option_running_past_the_end_of_file_is_rejected():
    # The 128-byte file field ends right before the cookie; an option must not run into it.
    file = bytes(126) + b"\x3c\x05"  # option 60 starting at the last two bytes of `file`
    with pytest.raises(DecodeError):
        parse_message(overloaded(b"\x01", file=file))


def test_option_running_past_the_end_of_sname_is_rejected():
    sname = bytes(62) + b"\x3c\x05"
    with pytest.raises(DecodeError):
        parse_message(overloaded(b"\x02", sname=sname))
