"""The one request builder of the test suite: BOOTP/DHCP datagrams assembled byte by byte
(RFC 2131 Figure 1), by default protocol.md §7's DHCPINFORM. tests/unit/test_golden.py checks it
against the golden INFORM and against scapy's independent encoder."""

import ipaddress
from collections.abc import Sequence

from .golden import PHONE_ADDRESS, PHONE_MAC, PHONE_PARAMETERS, XID

MAGIC_COOKIE = bytes.fromhex("63825363")
END = b"\xff"
BROADCAST = 0x8000  # the flags bit asking for a broadcast reply (RFC 2131 §4.1)
UNSET = "0.0.0.0"
PC_PARAMETERS = (1, 3, 6, 15, 31, 33, 43, 44, 46, 47, 119, 121, 249, 252)  # Windows asks for 43
MESSAGE_TYPES = {  # option 53 values (RFC 2132 §9.6)
    "discover": 1,
    "offer": 2,
    "request": 3,
    "decline": 4,
    "ack": 5,
    "nak": 6,
    "release": 7,
    "inform": 8,
}


class _FromChaddr:
    """The default client identifier: type 1 (Ethernet) followed by chaddr."""


FROM_CHADDR = _FromChaddr()


def ip(address: str) -> bytes:
    return ipaddress.IPv4Address(address).packed


def mac(text: str) -> bytes:
    """ "02:00:00:00:00:01" as 6 bytes."""
    return bytes.fromhex(text.replace(":", ""))


def tlv(code: int, data: bytes) -> bytes:
    """One option instance; the caller splits long data itself."""
    assert len(data) <= 255, "split long options into several instances explicitly"
    return bytes((code, len(data))) + data


def bootp(
    *,
    options: bytes,
    op: int = 1,
    htype: int = 1,
    hlen: int = 6,
    hops: int = 0,
    xid: int = XID,
    secs: int = 0,
    flags: int = 0,
    ciaddr: str = UNSET,
    yiaddr: str = UNSET,
    siaddr: str = UNSET,
    giaddr: str = UNSET,
    chaddr: bytes = PHONE_MAC,
    sname: bytes = b"",
    file: bytes = b"",
    cookie: bytes = MAGIC_COOKIE,
) -> bytes:
    """A BOOTP/DHCP datagram (RFC 2131 Figure 1); `options` are raw bytes after the cookie."""
    return (
        bytes((op, htype, hlen, hops))
        + xid.to_bytes(4, "big")
        + secs.to_bytes(2, "big")
        + flags.to_bytes(2, "big")
        + ip(ciaddr)
        + ip(yiaddr)
        + ip(siaddr)
        + ip(giaddr)
        + chaddr.ljust(16, b"\x00")
        + sname.ljust(64, b"\x00")
        + file.ljust(128, b"\x00")
        + cookie
        + options
    )


def dhcp_options(
    *,
    message_type: str | int | None = "inform",
    client_id: bytes | None = b"\x01" + PHONE_MAC,
    vendor_class: bytes | None = b"MS-UC-Client",
    parameters: Sequence[int] | None = PHONE_PARAMETERS,
    extra: bytes = b"",
    end: bool = True,
) -> bytes:
    """The options of a phone's request: 53, 61, 60, 55, then `extra`, then End."""
    out = b""
    if message_type is not None:
        code = MESSAGE_TYPES[message_type] if isinstance(message_type, str) else message_type
        out += tlv(53, bytes((code,)))
    if client_id is not None:
        out += tlv(61, client_id)
    if vendor_class is not None:
        out += tlv(60, vendor_class)
    if parameters is not None:
        out += tlv(55, bytes(parameters))
    return out + extra + (END if end else b"")


def phone_request(
    *,
    message_type: str | int | None = "inform",
    client_id: bytes | _FromChaddr | None = FROM_CHADDR,
    vendor_class: bytes | None = b"MS-UC-Client",
    parameters: Sequence[int] | None = PHONE_PARAMETERS,
    extra: bytes = b"",
    op: int = 1,
    xid: int = XID,
    flags: int = 0,
    ciaddr: str = PHONE_ADDRESS,
    giaddr: str = UNSET,
    chaddr: bytes = PHONE_MAC,
) -> bytes:
    """A phone's request (or, with other arguments, a PC's); by default protocol.md §7's INFORM.
    `parameters` is option 55; `extra` is raw option bytes placed after it."""
    options = dhcp_options(
        message_type=message_type,
        client_id=b"\x01" + chaddr if isinstance(client_id, _FromChaddr) else client_id,
        vendor_class=vendor_class,
        parameters=parameters,
        extra=extra,
    )
    return bootp(
        options=options, op=op, xid=xid, flags=flags, ciaddr=ciaddr, giaddr=giaddr, chaddr=chaddr
    )
