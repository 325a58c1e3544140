"""A phone-like client on a veth next to `ucdhcp serve` (all interfaces, port 67): broadcast and
unicast INFORMs get the DHCPUtil options, with the interface's address as server identifier,
delivered where RFC 2131 §4.1 says (docs/replies.md, "Where the reply goes").
"""

from collections.abc import Iterator
from itertools import count

import pytest

from tests.dhcp.golden import OPTION_43_POOL01, OPTION_120_POOL01
from tests.dhcp.reply import ACK
from tests.dhcp.request import BROADCAST, UNSET, mac, phone_request
from tests.netns import open_lab

from .actors import POOL01, PhoneLink, SiteConfig, delivered, replies_to
from .link_frames import BROADCAST_MAC, Frame, broadcast_frame

pytestmark = pytest.mark.needs_root

SERVER = "10.1.2.10"
PHONE_ADDRESS = "10.1.2.50"
_xids = count(0x1A000001)


@pytest.fixture(scope="module")
def segment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PhoneLink]:
    site = SiteConfig("headquarters", ["10.1.2.0/24"], POOL01)
    with open_lab() as lab:
        yield PhoneLink(lab, tmp_path_factory.mktemp("phone"), site, (SERVER, PHONE_ADDRESS))


def assert_dhcputil_ack(reply: Frame, xid: int, ciaddr: str, mac: str) -> None:
    assert reply.ip_src == SERVER and reply.sport == 67
    assert reply.xid == xid and reply.ciaddr == ciaddr and reply.yiaddr == "0.0.0.0"
    assert reply.chaddr == bytes.fromhex(mac.replace(":", ""))  # chaddr copied
    assert reply.message_type == ACK
    assert reply.server_id == SERVER  # the address of the interface the INFORM came in on
    assert [code for code, _ in reply.option_list] == [53, 54, 61, 43, 120]  # option 55 order
    assert reply.options[43] == OPTION_43_POOL01
    assert reply.options[120] == OPTION_120_POOL01
    assert len(reply.payload) >= 300


def test_broadcast_inform_from_0_0_0_0_with_broadcast_flag_gets_a_broadcast_ack(
    segment: PhoneLink,
) -> None:
    xid = next(_xids)
    phone = segment.phone
    request = phone_request(chaddr=mac(phone.mac), xid=xid, ciaddr=UNSET, flags=BROADCAST)
    frames = phone.exchange(frames=[broadcast_frame(phone.mac, request)], xid=xid)
    reply = delivered(frames, xid)
    assert (reply.eth_dst, reply.ip_dst, reply.dport) == (BROADCAST_MAC, "255.255.255.255", 68)
    assert reply.flags & BROADCAST
    assert_dhcputil_ack(reply, xid, "0.0.0.0", phone.mac)


def test_broadcast_inform_with_ciaddr_gets_a_unicast_ack_at_ciaddr(segment: PhoneLink) -> None:
    xid = next(_xids)
    phone = segment.phone
    request = phone_request(chaddr=mac(phone.mac), xid=xid, ciaddr=PHONE_ADDRESS)
    frame = broadcast_frame(phone.mac, request, source=PHONE_ADDRESS)
    reply = delivered(phone.exchange(frames=[frame], xid=xid), xid)
    assert (reply.eth_dst, reply.ip_dst, reply.dport) == (phone.mac, PHONE_ADDRESS, 68)
    assert_dhcputil_ack(reply, xid, PHONE_ADDRESS, phone.mac)


def test_unicast_inform_to_the_server_address_gets_a_unicast_ack_at_ciaddr(
    segment: PhoneLink,
) -> None:
    xid = next(_xids)
    phone = segment.phone
    request = phone_request(chaddr=mac(phone.mac), xid=xid, ciaddr=PHONE_ADDRESS)
    reply = delivered(phone.exchange(udp=(SERVER, request), xid=xid), xid)
    assert (reply.eth_dst, reply.ip_dst, reply.dport) == (phone.mac, PHONE_ADDRESS, 68)
    assert_dhcputil_ack(reply, xid, PHONE_ADDRESS, phone.mac)


def test_kernel_sourced_broadcast_without_ciaddr_is_answered_at_the_source_address(
    segment: PhoneLink,
) -> None:
    # Sent through a UDP socket, the kernel puts the interface's address in the IP source even
    # though ciaddr is 0: the reply goes back to that source address, not to broadcast.
    xid = next(_xids)
    phone = segment.phone
    request = phone_request(chaddr=mac(phone.mac), xid=xid, ciaddr=UNSET, flags=BROADCAST)
    frames = phone.exchange(udp=("255.255.255.255", request), xid=xid, outgoing=True)
    sent = [frame for frame in frames if frame.outgoing and frame.xid == xid]
    assert [(frame.ip_src, frame.ip_dst) for frame in sent] == [(PHONE_ADDRESS, "255.255.255.255")]
    reply = delivered(frames, xid)
    assert (reply.eth_dst, reply.ip_dst, reply.dport) == (phone.mac, PHONE_ADDRESS, 68)
    assert_dhcputil_ack(reply, xid, "0.0.0.0", phone.mac)


def test_inform_from_0_0_0_0_without_broadcast_flag_has_nowhere_to_go(segment: PhoneLink) -> None:
    xid = next(_xids)
    phone = segment.phone
    request = phone_request(chaddr=mac(phone.mac), xid=xid, ciaddr=UNSET)  # no BROADCAST flag
    # Silence proven by order: the same INFORM with the flag set, sent next, is answered by
    # broadcast; a reply to the first would have reached the link before it.
    then = next(_xids)
    valid = phone_request(chaddr=mac(phone.mac), xid=then, ciaddr=UNSET, flags=BROADCAST)
    frames = [broadcast_frame(phone.mac, request), broadcast_frame(phone.mac, valid)]
    seen = phone.exchange(frames=frames, xid=then)
    assert delivered(seen, then).ip_dst == "255.255.255.255"
    assert replies_to(seen, xid) == []
    segment.ucdhcp.wait_for("request_ignored", xid=f"0x{xid:08x}", reason="no_destination")
