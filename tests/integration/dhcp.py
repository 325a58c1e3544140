"""Test-side DHCP: phone requests built with scapy, expected replies built byte by byte, and a
small option reader. Nothing here uses ucdhcp.wire, so a codec bug cannot hide itself.
"""

import ipaddress
from typing import Any

from scapy.layers.dhcp import BOOTP, DHCP

PHONE_MAC = bytes.fromhex("000413aabbcc")
CLIENT_ID = b"\x01" + PHONE_MAC  # option 61: htype 1 + MAC
PHONE_ADDRESS = "10.1.2.50"  # in headquarters' 10.1.2.0/24
XID = 0x12345678
PHONE_PARAMETERS = (1, 3, 6, 15, 42, 43, 120)  # protocol.md §7
PC_PARAMETERS = (1, 3, 6, 15, 31, 33, 43, 44, 46, 47, 119, 121, 249, 252)
MAGIC_COOKIE = bytes.fromhex("63825363")
CERT_PATH = "/CertProv/CertProvisioningService.svc"

# DHCPUtil golden vectors (protocol.md §2-§3), option data for pool01.contoso.com.
OPTION_120_POOL01 = bytes.fromhex("0006706F6F6C303107636F6E746F736F03636F6D00")
OPTION_43_POOL01 = bytes.fromhex(
    "010C4D532D55432D436C69656E74"  # 1 UCIdentifier "MS-UC-Client"
    "02056874747073"  # 2 URLScheme "https"
    "0312706F6F6C30312E636F6E746F736F2E636F6D"  # 3 WebServerFqdn "pool01.contoso.com"
    "0403343433"  # 4 WebServerPort "443" in ASCII
    "05252F4365727450726F762F4365727450726F766973696F6E696E67536572766963652E737663"  # 5 path
)


def request(
    *,
    message_type: str | None = "inform",
    vendor_class: bytes | None = b"MS-UC-Client",
    parameters: tuple[int, ...] | None = PHONE_PARAMETERS,
    client_id: bytes | None = CLIENT_ID,
    op: int = 1,
    xid: int = XID,
    ciaddr: str = PHONE_ADDRESS,
) -> bytes:
    """A DHCP request as a phone (or a PC) sends it; by default protocol.md §7's INFORM."""
    options: list[Any] = []
    if message_type is not None:
        options.append(("message-type", message_type))
    if client_id is not None:
        options.append(("client_id", client_id))
    if vendor_class is not None:
        options.append(("vendor_class_id", vendor_class))
    if parameters is not None:
        options.append(("param_req_list", list(parameters)))
    options.append("end")
    packet = BOOTP(op=op, xid=xid, ciaddr=ciaddr, chaddr=PHONE_MAC) / DHCP(options=options)
    return bytes(packet)


def expected_ack(
    options: bytes, *, server_id: str = "127.0.0.1", xid: int = XID, ciaddr: str = PHONE_ADDRESS
) -> bytes:
    """The DHCPACK to `request()`'s INFORM (RFC 2131 Table 3); `options` follow 53/54/61."""
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
        + tlv(61, CLIENT_ID)  # echoed (RFC 6842)
        + options
        + b"\xff"
    )
    reply = header + body
    return reply.ljust(300, b"\x00")


def tlv(code: int, data: bytes) -> bytes:
    return bytes((code, len(data))) + data


def reply_options(reply: bytes) -> dict[int, bytes]:
    """Option data by code from a reply's options field (repeated codes concatenated)."""
    assert reply[236:240] == MAGIC_COOKIE, reply[236:240].hex()
    options: dict[int, bytes] = {}
    offset = 240
    while reply[offset] != 255:
        if reply[offset] == 0:
            offset += 1
            continue
        code, length = reply[offset], reply[offset + 1]
        options[code] = options.get(code, b"") + reply[offset + 2 : offset + 2 + length]
        offset += 2 + length
    return options


def reply_codes(reply: bytes) -> list[int]:
    """Option codes in wire order, End excluded."""
    codes = []
    offset = 240
    while reply[offset] != 255:
        codes.append(reply[offset])
        offset += 2 + reply[offset + 1]
    return codes


def xid_of(datagram: bytes) -> int:
    return int.from_bytes(datagram[4:8], "big")
