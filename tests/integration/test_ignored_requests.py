"""Datagrams that are not a phone's INFORM get no reply, are counted by reason, and the
server keeps answering phones afterwards."""

from collections import Counter
from dataclasses import dataclass

import pytest

from .conftest import Loopback
from .dhcp import OPTION_43_POOL01, OPTION_120_POOL01, PC_PARAMETERS, reply_options, request

IGNORED_XID = 0x0BAD0BAD
VALID = request()


def _with_cookie(datagram: bytes, cookie: bytes) -> bytes:
    return datagram[:236] + cookie + datagram[240:]


@dataclass(frozen=True)
class Silent:
    datagram: bytes
    reason: str  # Statistics.ignored key
    received: str  # Statistics.received key


CASES = {
    "empty_datagram": Silent(b"", "malformed", "malformed"),
    "shorter_than_header": Silent(request(xid=IGNORED_XID)[:200], "malformed", "malformed"),
    "bad_magic_cookie": Silent(
        _with_cookie(request(xid=IGNORED_XID), b"\x63\x82\x53\x64"), "malformed", "malformed"
    ),
    # Cut inside option 60's value: its length byte (12) runs past the end of the datagram.
    "option_runs_past_end": Silent(request(xid=IGNORED_XID)[:258], "malformed", "malformed"),
    "hlen_over_16": Silent(
        request(xid=IGNORED_XID)[:2] + b"\x11" + request(xid=IGNORED_XID)[3:],
        "malformed",
        "malformed",
    ),
    "pc_inform_without_vendor_class": Silent(
        request(xid=IGNORED_XID, vendor_class=None, parameters=PC_PARAMETERS),
        "no_vendor_class",
        "inform",
    ),
    "windows_vendor_class": Silent(
        request(xid=IGNORED_XID, vendor_class=b"MSFT 5.0", parameters=PC_PARAMETERS),
        "vendor_class_not_served",
        "inform",
    ),
    "vendor_class_in_other_case": Silent(
        request(xid=IGNORED_XID, vendor_class=b"ms-uc-client"),
        "vendor_class_not_served",
        "inform",
    ),
    "dhcprequest_from_phone": Silent(
        request(xid=IGNORED_XID, message_type="request"), "unsupported_type", "request"
    ),
    "dhcprelease_from_phone": Silent(
        request(xid=IGNORED_XID, message_type="release"), "unsupported_type", "release"
    ),
    "bootreply_from_another_server": Silent(
        request(xid=IGNORED_XID, op=2, message_type="ack"), "not_request", "ack"
    ),
    "discover_without_opt_in": Silent(
        request(xid=IGNORED_XID, message_type="discover", ciaddr="0.0.0.0"),
        "discover_not_answered",
        "discover",
    ),
    "plain_bootp_without_message_type": Silent(
        request(xid=IGNORED_XID, message_type=None), "no_message_type", "bootp"
    ),
    "inform_not_asking_for_43_or_120": Silent(
        request(xid=IGNORED_XID, parameters=(1, 3, 6, 15)), "not_requested", "inform"
    ),
}


@pytest.mark.asyncio
@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
async def test_request_is_ignored_counted_and_server_keeps_answering(
    case: Silent, loopback: Loopback
) -> None:
    await loopback.expect_no_reply(case.datagram)
    ack = await loopback.exchange(VALID)
    options = reply_options(ack)
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
    assert reply_options(ack)[120] == OPTION_120_POOL01
    expected = Counter(case.reason for case in CASES.values())
    assert loopback.service.stats.ignored == expected
    assert loopback.service.stats.replies == {"source": 1}
