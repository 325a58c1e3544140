"""Datagrams that are not a phone's INFORM get no reply, are counted by reason, and the
server keeps answering phones afterwards."""

from collections import Counter
from dataclasses import dataclass

import pytest

from tests.dhcp.golden import OPTION_43_POOL01, OPTION_120_POOL01
from tests.dhcp.reply import option_data
from tests.dhcp.request import PC_PARAMETERS, phone_request

from .loopback import Loopback

IGNORED_XID = 0x0BAD0BAD
VALID = phone_request()


def _with_cookie(datagram: bytes, cookie: bytes) -> bytes:
    return datagram[:236] + cookie + datagram[240:]


@dataclass(frozen=True)
class Silent:
    datagram: bytes
    reason: str  # Statistics.ignored key
    received: str  # Statistics.received key


def _options_replaced(options: bytes) -> bytes:
    """The valid request's header and cookie followed by other option bytes."""
    return phone_request(xid=IGNORED_XID)[:240] + options


INFORM_OPTIONS = bytes.fromhex("350108")  # DHCPINFORM
PHONE_OPTIONS = INFORM_OPTIONS + b"\x3c\x0cMS-UC-Client" + bytes.fromhex("37022b78")

CASES = {
    "empty_datagram": Silent(b"", "malformed", "malformed"),
    "shorter_than_header": Silent(phone_request(xid=IGNORED_XID)[:200], "malformed", "malformed"),
    "bad_magic_cookie": Silent(
        _with_cookie(phone_request(xid=IGNORED_XID), b"\x63\x82\x53\x64"), "malformed", "malformed"
    ),
    # Cut inside option 60's value: its length byte (12) runs past the end of the datagram.
    "option_runs_past_end": Silent(phone_request(xid=IGNORED_XID)[:258], "malformed", "malformed"),
    "hlen_over_16": Silent(
        phone_request(xid=IGNORED_XID)[:2] + b"\x11" + phone_request(xid=IGNORED_XID)[3:],
        "malformed",
        "malformed",
    ),
    "pc_inform_without_vendor_class": Silent(
        phone_request(xid=IGNORED_XID, vendor_class=None, parameters=PC_PARAMETERS),
        "no_vendor_class",
        "inform",
    ),
    "windows_vendor_class": Silent(
        phone_request(xid=IGNORED_XID, vendor_class=b"MSFT 5.0", parameters=PC_PARAMETERS),
        "vendor_class_not_served",
        "inform",
    ),
    "vendor_class_in_other_case": Silent(
        phone_request(xid=IGNORED_XID, vendor_class=b"ms-uc-client"),
        "vendor_class_not_served",
        "inform",
    ),
    "dhcprequest_from_phone": Silent(
        phone_request(xid=IGNORED_XID, message_type="request"), "unsupported_type", "request"
    ),
    "dhcprelease_from_phone": Silent(
        phone_request(xid=IGNORED_XID, message_type="release"), "unsupported_type", "release"
    ),
    "bootreply_from_another_server": Silent(
        phone_request(xid=IGNORED_XID, op=2, message_type="ack"), "not_request", "ack"
    ),
    "discover_without_opt_in": Silent(
        phone_request(xid=IGNORED_XID, message_type="discover", ciaddr="0.0.0.0"),
        "discover_not_answered",
        "discover",
    ),
    "plain_bootp_without_message_type": Silent(
        phone_request(xid=IGNORED_XID, message_type=None), "no_message_type", "bootp"
    ),
    "inform_not_asking_for_43_or_120": Silent(
        phone_request(xid=IGNORED_XID, parameters=(1, 3, 6, 15)), "not_requested", "inform"
    ),
    # The malformed corpus of docs/operating.md (Robustness).
    "option_60_repeated_256_times": Silent(
        _options_replaced(INFORM_OPTIONS + b"\x3c\x01M" * 256 + b"\x37\x02\x2b\x78\xff"),
        "malformed",
        "malformed",
    ),
    "datagram_of_64_kib": Silent(
        _options_replaced(PHONE_OPTIONS + b"\xff" + bytes(65_000)), "malformed", "malformed"
    ),
    "hops_over_16_a_relay_loop": Silent(
        phone_request(xid=IGNORED_XID)[:3] + b"\xff" + phone_request(xid=IGNORED_XID)[4:],
        "malformed",
        "malformed",
    ),
    "zero_length_vendor_class": Silent(
        _options_replaced(INFORM_OPTIONS + b"\x3c\x00\x37\x02\x2b\x78\xff"),
        "malformed",
        "malformed",
    ),
    "zero_length_parameter_list": Silent(
        _options_replaced(INFORM_OPTIONS + b"\x3c\x0cMS-UC-Client\x37\x00\xff"),
        "malformed",
        "malformed",
    ),
    "option_53_repeated_255_times": Silent(
        _options_replaced(INFORM_OPTIONS * 255 + b"\xff"), "malformed", "malformed"
    ),
    "option_60_repeated_255_times": Silent(
        # RFC 3396 concatenation: 255 x "M" is not the vendor class "MS-UC-Client".
        _options_replaced(INFORM_OPTIONS + b"\x3c\x01M" * 255 + b"\x37\x02\x2b\x78\xff"),
        "vendor_class_not_served",
        "inform",
    ),
    "non_utf8_vendor_class": Silent(
        phone_request(xid=IGNORED_XID, vendor_class=b"MS-UC-\xff\xfe\x80"),
        "vendor_class_not_served",
        "inform",
    ),
    "overload_value_out_of_range": Silent(
        _options_replaced(b"\x34\x01\x07" + PHONE_OPTIONS + b"\xff"), "malformed", "malformed"
    ),
    "overload_option_of_two_bytes": Silent(
        _options_replaced(b"\x34\x02\x03\x03" + PHONE_OPTIONS + b"\xff"), "malformed", "malformed"
    ),
}


@pytest.mark.asyncio
@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
async def test_request_is_ignored_counted_and_server_keeps_answering(
    case: Silent, loopback: Loopback
) -> None:
    ack = await loopback.exchange_after_ignored(case.datagram, VALID)
    options = option_data(ack)
    assert options[43] == OPTION_43_POOL01
    assert options[120] == OPTION_120_POOL01
    stats = loopback.service.stats
    assert stats.ignored == {case.reason: 1}
    assert stats.received == Counter({"inform": 1}) + Counter({case.received: 1})
    assert stats.replies == {"source": 1}


@pytest.mark.asyncio
async def test_burst_of_every_ignored_kind_gets_no_reply_and_is_counted_per_reason(
    loopback: Loopback,
) -> None:
    for case in CASES.values():
        await loopback.send(case.datagram)
    ack = await loopback.exchange(VALID)  # datagrams are handled in order: all were seen
    assert option_data(ack)[120] == OPTION_120_POOL01
    expected = Counter(case.reason for case in CASES.values())
    assert loopback.service.stats.ignored == expected
    assert loopback.service.stats.replies == {"source": 1}


def _overloaded(file: bytes, sname: bytes, options: bytes) -> bytes:
    header = phone_request(xid=0x0F0F0F0F)
    return (
        header[:44]
        + sname.ljust(64, b"\x00")
        + file.ljust(128, b"\x00")
        + header[236:240]
        + options
    )


ANSWERED_CORPUS = {
    # Option 52 inside `file` pointing at `file` and `sname` again is not followed twice.
    "overload_loop": _overloaded(
        file=b"\x34\x01\x03" + b"\x37\x02\x2b\x78\xff",
        sname=b"\x34\x01\x03\xff",
        options=b"\x34\x01\x03" + INFORM_OPTIONS + b"\x3c\x0cMS-UC-Client\xff",
    ),
    # Overload announced, but `file` and `sname` hold nothing but padding.
    "overload_into_empty_fields": _overloaded(
        file=b"", sname=b"", options=b"\x34\x01\x03" + PHONE_OPTIONS + b"\xff"
    ),
}


@pytest.mark.asyncio
@pytest.mark.parametrize("datagram", ANSWERED_CORPUS.values(), ids=ANSWERED_CORPUS.keys())
async def test_odd_but_well_formed_overload_is_answered_without_looping(
    datagram: bytes, loopback: Loopback
) -> None:
    ack = await loopback.exchange(datagram)
    options = option_data(ack)
    assert options[43] == OPTION_43_POOL01
    assert options[120] == OPTION_120_POOL01
    assert loopback.service.stats.ignored == {}


@pytest.mark.asyncio
async def test_a_reply_to_the_datagram_meant_to_be_ignored_would_be_caught(
    loopback: Loopback,
) -> None:
    # The proof by order fails when the first datagram is answered: its reply arrives first.
    with pytest.raises(AssertionError, match="arrived late"):
        await loopback.exchange_after_ignored(phone_request(xid=IGNORED_XID), VALID)
