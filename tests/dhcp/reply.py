"""The one reply reader of the test suite: fields and options of a BOOTP/DHCP message read by
hand, and the DHCPACK a request should get (RFC 2131 Table 3), built byte by byte.

Strategy: one walk over the options. `Bootp` reads whatever a test meets on a link (a peer's
reply, a request) leniently; the `reply_*` functions read ucdhcp's own replies and also insist
that they are canonical: no Pad between options, an End, nothing but zero padding after it.
"""

import ipaddress
from dataclasses import dataclass
from functools import cached_property

from .golden import CLIENT_ID, PHONE_ADDRESS, PHONE_MAC, XID
from .request import MAGIC_COOKIE, MESSAGE_TYPES, tlv

PAD, END = 0, 255
OFFER, ACK = MESSAGE_TYPES["offer"], MESSAGE_TYPES["ack"]


@dataclass(frozen=True, slots=True)
class Walk:
    options: list[tuple[int, bytes]]  # (code, data) in wire order, Pad and End excluded
    pads: int  # Pad bytes met before End
    end: int | None  # where End sits, None when the options run to the end of the datagram


def walk(payload: bytes) -> Walk:
    assert payload[236:240] == MAGIC_COOKIE, payload[236:240].hex()
    options: list[tuple[int, bytes]] = []
    pads, offset = 0, 240
    while offset < len(payload) and payload[offset] != END:
        code = payload[offset]
        if code == PAD:
            pads, offset = pads + 1, offset + 1
            continue
        length = payload[offset + 1]
        options.append((code, payload[offset + 2 : offset + 2 + length]))
        offset += 2 + length
    return Walk(options, pads, offset if offset < len(payload) else None)


def merged(options: list[tuple[int, bytes]]) -> dict[int, bytes]:
    """Option data by code, repeated instances concatenated (RFC 3396)."""
    by_code: dict[int, bytes] = {}
    for code, data in options:
        by_code[code] = by_code.get(code, b"") + data
    return by_code


class Bootp:
    """A BOOTP/DHCP message (the UDP payload), fields decoded on demand."""

    def __init__(self, payload: bytes) -> None:
        self.payload = payload

    @property
    def op(self) -> int:
        return self.payload[0]

    @property
    def xid(self) -> int:
        return xid_of(self.payload)

    @property
    def flags(self) -> int:
        return int.from_bytes(self.payload[10:12], "big")

    @property
    def ciaddr(self) -> str:
        return str(ipaddress.IPv4Address(self.payload[12:16]))

    @property
    def yiaddr(self) -> str:
        return str(ipaddress.IPv4Address(self.payload[16:20]))

    @property
    def giaddr(self) -> str:
        return str(ipaddress.IPv4Address(self.payload[24:28]))

    @property
    def chaddr(self) -> bytes:
        return self.payload[28:34]

    @cached_property
    def option_list(self) -> list[tuple[int, bytes]]:
        """(code, data) in wire order, Pad and End excluded."""
        return walk(self.payload).options

    @cached_property
    def options(self) -> dict[int, bytes]:
        """Option data by code, repeated instances concatenated (RFC 3396)."""
        return merged(self.option_list)

    @property
    def message_type(self) -> int | None:
        data = self.options.get(53)
        return data[0] if data else None

    @property
    def server_id(self) -> str | None:
        data = self.options.get(54)
        return None if data is None else str(ipaddress.IPv4Address(data))


def xid_of(datagram: bytes) -> int:
    return int.from_bytes(datagram[4:8], "big")


def reply_options(payload: bytes) -> list[tuple[int, bytes]]:
    """Every option instance of one of ucdhcp's replies, in wire order, up to End (which must be
    present, with no Pad before it and only zero padding after it)."""
    found = walk(payload)
    assert found.pads == 0, "unexpected Pad inside the options of a reply"
    assert found.end is not None, "no End in the reply"
    assert not any(payload[found.end + 1 :]), "only zero padding may follow End"
    return found.options


def reply_codes(payload: bytes) -> list[int]:
    """Option codes of one of ucdhcp's replies in wire order, End excluded."""
    return [code for code, _ in reply_options(payload)]


def option_data(payload: bytes) -> dict[int, bytes]:
    """Option data by code of one of ucdhcp's replies (checked as reply_options does)."""
    return merged(reply_options(payload))


def end_offset(payload: bytes) -> int:
    """Where End sits in one of ucdhcp's replies."""
    reply_options(payload)
    end = walk(payload).end
    assert end is not None
    return end


def expected_ack(
    options: bytes,
    *,
    server_id: str = "127.0.0.1",
    xid: int = XID,
    ciaddr: str = PHONE_ADDRESS,
    client_id: bytes = CLIENT_ID,
) -> bytes:
    """The DHCPACK to a phone's INFORM from `request()` (RFC 2131 Table 3); `options` follow
    53, 54 and 61."""
    header = (
        bytes((2, 1, 6, 0))  # op BOOTREPLY, htype Ethernet, hlen 6, hops 0
        + xid.to_bytes(4, "big")
        + bytes(2)  # secs 0
        + bytes(2)  # flags copied: 0
        + ipaddress.IPv4Address(ciaddr).packed  # ciaddr copied
        + bytes(4)  # yiaddr 0: INFORM allocates nothing
        + bytes(4)  # siaddr 0
        + bytes(4)  # giaddr copied: 0
        + PHONE_MAC.ljust(16, b"\x00")  # chaddr
        + bytes(64 + 128)  # sname, file
    )
    body = (
        MAGIC_COOKIE
        + bytes((53, 1, 5))  # DHCPACK
        + bytes((54, 4))
        + ipaddress.IPv4Address(server_id).packed
        + tlv(61, client_id)  # echoed (RFC 6842)
        + options
        + b"\xff"
    )
    return (header + body).ljust(300, b"\x00")  # BOOTP minimum (RFC 1542 §2.1)
