"""The host's IPv4 interfaces and addresses, and its ARP table, read from rtnetlink, with
watches for their changes.

Strategy: one RTM_GETADDR dump answers "which interfaces have which IPv4 addresses"; a netlink
socket subscribed to RTMGRP_IPV4_IFADDR and RTMGRP_LINK tells when to dump again, so a VLAN
interface brought up later is served without a restart. Parsing is kept to the four fields
needed: interface index, prefix length, IFA_LOCAL and IFA_LABEL.
"""

import ipaddress
import os
import socket
import struct

from .addresses import InterfaceAddress

__all__ = [
    "Neighbour",
    "drain",
    "list_ipv4_addresses",
    "list_links",
    "list_neighbours",
    "open_change_watch",
    "open_neighbour_watch",
    "parse_neighbour_messages",
]

_NLMSG_HEADER = struct.Struct("=IHHII")  # len, type, flags, seq, pid (netlink(7))
_IFADDRMSG = struct.Struct("=BBBBI")  # family, prefixlen, flags, scope, index (rtnetlink(7))
_RTATTR = struct.Struct("=HH")  # len, type
_NLMSG_DONE, _NLMSG_ERROR = 3, 2
_RTM_NEWADDR, _RTM_GETADDR = 20, 22
_NLM_F_REQUEST, _NLM_F_DUMP = 0x1, 0x300
_IFA_ADDRESS, _IFA_LOCAL, _IFA_LABEL = 1, 2, 3
RTMGRP_LINK, RTMGRP_IPV4_IFADDR = 0x1, 0x10


def list_ipv4_addresses() -> list[InterfaceAddress]:
    """Every IPv4 address of every interface in this network namespace, in kernel order.

    Raises:
        OSError: netlink is not available.
    """
    found: list[InterfaceAddress] = []
    for kind, message in _dump(_RTM_GETADDR, _IFADDRMSG.pack(socket.AF_INET, 0, 0, 0, 0)):
        entry = _parse_address(message) if kind == _RTM_NEWADDR else None
        if entry is not None:
            found.append(entry)
    return found


def list_links() -> frozenset[str]:
    """The names of the host's links, with or without an IPv4 address."""
    return frozenset(name for _, name in socket.if_nameindex())


def _dump(kind: int, body: bytes) -> list[tuple[int, bytes]]:
    """The messages a NLM_F_DUMP request of `kind` answers, until NLMSG_DONE.

    Raises:
        OSError: netlink is not available, or the kernel answered an error.
    """
    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE) as sock:
        sock.bind((0, 0))
        header = _NLMSG_HEADER.pack(
            _NLMSG_HEADER.size + len(body), kind, _NLM_F_REQUEST | _NLM_F_DUMP, 1, 0
        )
        sock.send(header + body)
        messages: list[tuple[int, bytes]] = []
        while not _split(sock.recv(1 << 20), messages):
            pass
        return messages


def _split(data: bytes, messages: list[tuple[int, bytes]]) -> bool:
    """Append the (type, payload) of each netlink message in one read; True at NLMSG_DONE.

    Raises:
        OSError: an error message, or a malformed header.
    """
    offset = 0
    while offset + _NLMSG_HEADER.size <= len(data):
        length, kind, _flags, _seq, _pid = _NLMSG_HEADER.unpack_from(data, offset)
        if length < _NLMSG_HEADER.size:
            raise OSError("malformed netlink message")
        if kind == _NLMSG_DONE:
            return True
        if kind == _NLMSG_ERROR:
            code = struct.unpack_from("=i", data, offset + _NLMSG_HEADER.size)[0]
            raise OSError(-code, os.strerror(-code))
        messages.append((kind, data[offset + _NLMSG_HEADER.size : offset + length]))
        offset += (length + 3) & ~3
    return False


def _parse_address(message: bytes) -> InterfaceAddress | None:
    family, prefixlen, _flags, _scope, index = _IFADDRMSG.unpack_from(message)
    if family != socket.AF_INET:
        return None
    attributes = _attributes(message[_IFADDRMSG.size :])
    raw = attributes.get(_IFA_LOCAL) or attributes.get(_IFA_ADDRESS)
    if raw is None or len(raw) != 4:
        return None
    address = ipaddress.IPv4Address(raw)
    network = ipaddress.IPv4Network((address, prefixlen), strict=False)
    try:
        name = socket.if_indextoname(index)
    except OSError:  # the link vanished between the dump and now
        label = attributes.get(_IFA_LABEL, b"").rstrip(b"\0").decode(errors="replace")
        name = label.split(":")[0]
    return InterfaceAddress(name, index, address, network)


def _attributes(data: bytes) -> dict[int, bytes]:
    attributes: dict[int, bytes] = {}
    offset = 0
    while offset + _RTATTR.size <= len(data):
        length, kind = _RTATTR.unpack_from(data, offset)
        if length < _RTATTR.size:
            break
        attributes.setdefault(kind, data[offset + _RTATTR.size : offset + length])
        offset += (length + 3) & ~3
    return attributes


def open_change_watch() -> socket.socket:
    """A non-blocking netlink socket that becomes readable when links or IPv4 addresses change.

    Raises:
        OSError: netlink is not available.
    """
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
    sock.bind((0, RTMGRP_LINK | RTMGRP_IPV4_IFADDR))
    sock.setblocking(False)
    return sock


def drain(sock: socket.socket) -> int:
    """Read and discard pending notifications (the caller rescans); returns how many reads."""
    reads = 0
    for _ in range(1024):  # bounded: a storm of changes is coalesced into one rescan
        try:
            sock.recv(65536)
        except BlockingIOError:
            break
        except OSError:  # ENOBUFS: notifications were lost; the caller rescans anyway
            break
        reads += 1
    return reads


# --- the neighbour table (ARP entries) ----------------------------------------------------------

_NDMSG = struct.Struct("=BxxxiHBB")  # family, ifindex, state, flags, type (rtnetlink(7))
_RTM_NEWNEIGH, _RTM_DELNEIGH, _RTM_GETNEIGH = 28, 29, 30
_NDA_DST, _NDA_LLADDR = 1, 2
RTMGRP_NEIGH = 0x4
# NUD_VALID (include/net/neighbour.h): REACHABLE, STALE, DELAY, PROBE, NOARP, PERMANENT. These
# entries have a hardware address the kernel itself would send to at once, without asking ARP.
_NUD_VALID = 0x02 | 0x04 | 0x08 | 0x10 | 0x40 | 0x80

Neighbour = tuple[int, bytes, bytes | None]
"""An ARP entry as a change to apply: interface index, IPv4 address (4 bytes), and the MAC
the kernel sends to (6 bytes), or None when the entry is gone or has none to use."""


def list_neighbours() -> list[Neighbour]:
    """Every IPv4 neighbour entry in this network namespace (a RTM_GETNEIGH dump).

    Raises:
        OSError: netlink is not available.
    """
    found: list[Neighbour] = []
    for kind, message in _dump(_RTM_GETNEIGH, _NDMSG.pack(socket.AF_INET, 0, 0, 0, 0)):
        _append_neighbour(kind, message, found)
    return found


def parse_neighbour_messages(data: bytes, found: list[Neighbour]) -> bool:
    """Append the IPv4 neighbour changes in one read of netlink messages to `found`; True at
    the end of a dump (NLMSG_DONE).

    Raises:
        OSError: an error message, or a malformed header.
    """
    messages: list[tuple[int, bytes]] = []
    done = _split(data, messages)
    for kind, message in messages:
        _append_neighbour(kind, message, found)
    return done


def _append_neighbour(kind: int, message: bytes, found: list[Neighbour]) -> None:
    if kind in (_RTM_NEWNEIGH, _RTM_DELNEIGH):
        entry = _parse_neighbour(message, kind)
        if entry is not None:
            found.append(entry)


def _parse_neighbour(message: bytes, kind: int) -> Neighbour | None:
    if len(message) < _NDMSG.size:
        return None
    family, index, state, _flags, _type = _NDMSG.unpack_from(message)
    if family != socket.AF_INET:
        return None
    attributes = _attributes(message[_NDMSG.size :])
    address = attributes.get(_NDA_DST)
    if address is None or len(address) != 4:
        return None
    mac = attributes.get(_NDA_LLADDR)
    usable = kind == _RTM_NEWNEIGH and state & _NUD_VALID and mac is not None and len(mac) == 6
    return (index, address, mac if usable else None)


def open_neighbour_watch() -> socket.socket:
    """A non-blocking netlink socket that receives every change of the neighbour table.

    Raises:
        OSError: netlink is not available.
    """
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
    # A boot storm changes thousands of entries at once: room for them, so that the mirror
    # rarely has to start over from a dump (ENOBUFS).
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    sock.bind((0, RTMGRP_NEIGH))
    sock.setblocking(False)
    return sock
