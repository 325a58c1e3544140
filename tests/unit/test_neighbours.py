"""The ARP-table mirror (runtime/neighbours.py) and the netlink messages it reads
(runtime/netlink.py), from bytes laid out as rtnetlink(7) says; the live table is followed in
tests/network/test_reply_frames.py."""

import socket
import struct

import pytest

from ucdhcp.runtime.neighbours import Neighbours
from ucdhcp.runtime.netlink import parse_neighbour_messages

RTM_NEWNEIGH, RTM_DELNEIGH, NLMSG_DONE = 28, 29, 3
NUD_INCOMPLETE, NUD_REACHABLE, NUD_STALE, NUD_FAILED, NUD_PERMANENT = 0x01, 0x02, 0x04, 0x20, 0x80
PHONE = socket.inet_aton("10.1.2.50")
PHONE_MAC = bytes.fromhex("020000000050")


def attribute(kind: int, value: bytes) -> bytes:
    length = 4 + len(value)
    return struct.pack("=HH", length, kind) + value + b"\x00" * (-length % 4)


def message(
    kind: int,
    state: int,
    *,
    address: bytes = PHONE,
    mac: bytes | None = PHONE_MAC,
    index: int = 7,
    family: int = socket.AF_INET,
) -> bytes:
    body = struct.pack("=BxxxiHBB", family, index, state, 0, 1)  # struct ndmsg
    body += attribute(1, address)  # NDA_DST
    if mac is not None:
        body += attribute(2, mac)  # NDA_LLADDR
    return struct.pack("=IHHII", 16 + len(body), kind, 0, 0, 0) + body  # struct nlmsghdr


def parsed(data: bytes) -> list[tuple[int, bytes, bytes | None]]:
    found: list[tuple[int, bytes, bytes | None]] = []
    parse_neighbour_messages(data, found)
    return found


@pytest.mark.parametrize("state", [NUD_REACHABLE, NUD_STALE, NUD_PERMANENT])
def test_an_entry_the_kernel_would_send_to_gives_its_mac(state: int) -> None:
    assert parsed(message(RTM_NEWNEIGH, state)) == [(7, PHONE, PHONE_MAC)]


@pytest.mark.parametrize(
    ("kind", "state", "mac"),
    [
        (RTM_NEWNEIGH, NUD_INCOMPLETE, None),  # ARP asked, no answer yet
        (RTM_NEWNEIGH, NUD_FAILED, PHONE_MAC),  # the old MAC stopped answering
        (RTM_DELNEIGH, NUD_STALE, PHONE_MAC),  # gone, whatever its last state
        (RTM_NEWNEIGH, NUD_REACHABLE, b"\x01\x02"),  # not an Ethernet address
    ],
)
def test_an_entry_without_a_usable_mac_removes_the_address(
    kind: int, state: int, mac: bytes | None
) -> None:
    assert parsed(message(kind, state, mac=mac)) == [(7, PHONE, None)]


def test_several_messages_in_one_read_other_families_skipped_and_the_dump_end_seen() -> None:
    other = socket.inet_aton("10.1.2.51")
    ipv6 = message(RTM_NEWNEIGH, NUD_STALE, address=b"\xfe\x80" + b"\x00" * 14,
                   family=socket.AF_INET6)  # fmt: skip
    done = struct.pack("=IHHII", 20, NLMSG_DONE, 0, 0, 0) + b"\x00" * 4
    data = message(RTM_NEWNEIGH, NUD_STALE) + ipv6 + message(RTM_DELNEIGH, 0, address=other)
    found: list[tuple[int, bytes, bytes | None]] = []
    assert parse_neighbour_messages(data, found) is False
    assert found == [(7, PHONE, PHONE_MAC), (7, other, None)]
    assert parse_neighbour_messages(done, found) is True


def test_a_malformed_header_is_an_oserror_not_an_index_error() -> None:
    with pytest.raises(OSError, match="malformed"):
        parsed(struct.pack("=IHHII", 4, RTM_NEWNEIGH, 0, 0, 0))


def test_changes_reach_the_table_a_sender_already_holds() -> None:
    neighbours = Neighbours()
    held = neighbours.on(7)  # a sender takes its interface's table once, at start
    neighbours.apply(parsed(message(RTM_NEWNEIGH, NUD_STALE)))
    assert held == {PHONE: PHONE_MAC}
    neighbours.apply(parsed(message(RTM_NEWNEIGH, NUD_STALE, index=8)))
    assert held == {PHONE: PHONE_MAC} and neighbours.on(8) == {PHONE: PHONE_MAC}
    neighbours.apply(parsed(message(RTM_NEWNEIGH, NUD_FAILED)))
    assert held == {}
    neighbours.apply(parsed(message(RTM_DELNEIGH, 0, index=9)))  # an unknown interface
    assert 9 not in neighbours.by_index
