"""The frames a phone's answer leaves in (runtime/sender.py): at the MAC the server's kernel
knows for ciaddr (followed live from its ARP table, runtime/neighbours.py), else at chaddr, and
with checksums the phone's own IP stack verifies.

The server's veth has transmit checksum offload turned off (ethtool), so the kernel computes
the UDP checksum that the frame socket left to it in software, as a NIC without offload would:
a wrong one would be dropped by the phone's kernel (its UDP socket would not accept the reply)
and is also recomputed here with scapy.
"""

from collections.abc import Iterator
from itertools import count

import pytest
from scapy.layers.inet import IP, UDP

from tests.dhcp.golden import OPTION_43_POOL01, OPTION_120_POOL01
from tests.dhcp.request import UNSET, mac, phone_request
from tests.netns import open_lab

from .actors import POOL01, PhoneLink, SiteConfig, delivered, replies_to
from .link_frames import Frame, broadcast_frame

pytestmark = pytest.mark.needs_root

SERVER = "10.1.4.10"
PHONE_ADDRESS = "10.1.4.50"
BRIDGED_MAC = "02:00:5e:10:00:01"  # what a MAC-rewriting bridge leaves in chaddr
_xids = count(0x1B000001)


@pytest.fixture(scope="module")
def segment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PhoneLink]:
    site = SiteConfig("branch", ["10.1.4.0/24"], POOL01)
    with open_lab() as lab:
        directory = tmp_path_factory.mktemp("frames")
        yield PhoneLink(lab, directory, site, (SERVER, PHONE_ADDRESS), checksum_offload=False)


def assert_checksums_verify(reply: Frame) -> None:
    """Both checksums as scapy computes them from the frame's own bytes."""
    packet = IP(bytes(reply.ip))
    rebuilt = IP(bytes(reply.ip))
    del rebuilt.chksum
    del rebuilt[UDP].chksum
    rebuilt = IP(bytes(rebuilt))
    assert packet.chksum == rebuilt.chksum
    assert packet[UDP].chksum == (rebuilt[UDP].chksum or 0xFFFF)
    assert packet[UDP].chksum != 0  # a checksum, not "none" (RFC 768)


def assert_options(reply: Frame) -> None:
    assert reply.options[43] == OPTION_43_POOL01
    assert reply.options[120] == OPTION_120_POOL01


def test_a_phone_the_kernel_does_not_know_is_answered_at_chaddr_with_verified_checksums(
    segment: PhoneLink,
) -> None:
    xid = next(_xids)
    phone = segment.phone
    request = phone_request(chaddr=mac(phone.mac), xid=xid, ciaddr=PHONE_ADDRESS)
    frame = broadcast_frame(phone.mac, request, source=PHONE_ADDRESS)
    reply = delivered(phone.exchange(frames=[frame], xid=xid), xid)  # the phone's kernel took it
    assert (reply.eth_dst, reply.ip_dst, reply.dport) == (phone.mac, PHONE_ADDRESS, 68)
    assert (reply.ip_src, reply.sport) == (SERVER, 67)
    assert_checksums_verify(reply)
    assert_options(reply)


def test_a_client_behind_a_mac_rewriting_bridge_is_answered_at_the_mac_the_kernel_learned(
    segment: PhoneLink,
) -> None:
    # A unicast INFORM: the phone ARPs for the server first, which teaches the server's kernel
    # its real MAC; chaddr says another one (a bridge rewrote the frames, not the payload).
    xid = next(_xids)
    phone = segment.phone
    request = phone_request(chaddr=mac(BRIDGED_MAC), xid=xid, ciaddr=PHONE_ADDRESS)
    reply = delivered(phone.exchange(udp=(SERVER, request), source=PHONE_ADDRESS, xid=xid), xid)
    assert (reply.eth_dst, reply.ip_dst) == (phone.mac, PHONE_ADDRESS)
    assert reply.chaddr == mac(BRIDGED_MAC)  # chaddr copied, whatever the frame's MAC
    assert_checksums_verify(reply)
    assert f"{PHONE_ADDRESS} lladdr {phone.mac}" in segment.server_neighbours()


def test_the_mirror_follows_the_kernels_arp_table_live(segment: PhoneLink) -> None:
    # An entry written into the server's table (as an admin or a static ARP might) is used
    # from the next reply on, and once deleted, chaddr is used again: no restart, no ioctl.
    address, pinned = "10.1.4.60", "02:00:5e:10:00:60"
    phone = segment.phone
    segment.lab.exec(
        segment.server_ns, "ip", "neigh", "replace", address,
        "lladdr", pinned, "dev", "eth0", "nud", "permanent",
    )  # fmt: skip
    try:
        xid = next(_xids)
        request = phone_request(chaddr=mac(phone.mac), xid=xid, ciaddr=address)
        seen = phone.exchange(frames=[broadcast_frame(phone.mac, request, source=address)], xid=xid)
        [reply] = replies_to(seen, xid)
        assert (reply.eth_dst, reply.ip_dst) == (pinned, address)
    finally:
        segment.lab.exec(segment.server_ns, "ip", "neigh", "del", address, "dev", "eth0")
    xid = next(_xids)
    request = phone_request(chaddr=mac(phone.mac), xid=xid, ciaddr=address)
    seen = phone.exchange(frames=[broadcast_frame(phone.mac, request, source=address)], xid=xid)
    [reply] = replies_to(seen, xid)
    assert (reply.eth_dst, reply.ip_dst) == (phone.mac, address)


def test_answering_an_address_nobody_uses_creates_no_arp_entry(segment: PhoneLink) -> None:
    xid = next(_xids)
    unused, made_up = "10.1.4.77", "02:00:5e:10:00:77"
    request = phone_request(chaddr=mac(made_up), xid=xid, ciaddr=unused)
    frame = broadcast_frame(segment.phone.mac, request, source=UNSET)
    [reply] = replies_to(segment.phone.exchange(frames=[frame], xid=xid), xid)
    assert (reply.eth_dst, reply.ip_dst) == (made_up, unused)
    assert_checksums_verify(reply)
    assert unused not in segment.server_neighbours()  # nothing waits for ARP, nothing asks it
