"""Test-side builders: DHCP requests, an independent reader for replies, sites and policies.

Requests are built and replies read without ucdhcp.wire, so a test does not inherit a codec
bug from the code it checks.
"""

import ipaddress
from typing import Any

from ucdhcp.core.policy import Policy, SiteSpec, build_site
from ucdhcp.core.responder import Arrival, Ignored, Reply, Responder
from ucdhcp.wire.vendor import CertProvisioning

MAGIC_COOKIE = bytes.fromhex("63825363")
END = b"\xff"
PHONE_MAC = bytes.fromhex("000413aabbcc")
SERVER_ID = bytes.fromhex("0a01020a")  # 10.1.2.10, the responder of protocol.md §7
ZERO_IP = "0.0.0.0"


def ip(address: str) -> bytes:
    return ipaddress.IPv4Address(address).packed


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
    xid: int = 0x12345678,
    secs: int = 0,
    flags: int = 0,
    ciaddr: str = ZERO_IP,
    yiaddr: str = ZERO_IP,
    siaddr: str = ZERO_IP,
    giaddr: str = ZERO_IP,
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
    message_type: int | None = 8,
    client_id: bytes | None = b"\x01" + PHONE_MAC,
    vendor_class: bytes | None = b"MS-UC-Client",
    parameter_request_list: bytes | None = bytes((43, 120)),
    extra: bytes = b"",
    end: bool = True,
) -> bytes:
    """The options of a phone's request: 53, 61, 60, 55, then `extra`, then End."""
    out = b""
    if message_type is not None:
        out += tlv(53, bytes((message_type,)))
    if client_id is not None:
        out += tlv(61, client_id)
    if vendor_class is not None:
        out += tlv(60, vendor_class)
    if parameter_request_list is not None:
        out += tlv(55, parameter_request_list)
    return out + extra + (END if end else b"")


def phone_request(
    *,
    message_type: int | None = 8,
    client_id: bytes | None = b"\x01" + PHONE_MAC,
    vendor_class: bytes | None = b"MS-UC-Client",
    parameter_request_list: bytes | None = bytes((43, 120)),
    extra: bytes = b"",
    op: int = 1,
    flags: int = 0,
    ciaddr: str = "10.1.2.50",
    giaddr: str = ZERO_IP,
    chaddr: bytes = PHONE_MAC,
) -> bytes:
    """A phone's request, by default the DHCPINFORM of protocol.md §7 asking for 43 and 120."""
    options = dhcp_options(
        message_type=message_type,
        client_id=client_id,
        vendor_class=vendor_class,
        parameter_request_list=parameter_request_list,
        extra=extra,
    )
    return bootp(options=options, op=op, flags=flags, ciaddr=ciaddr, giaddr=giaddr, chaddr=chaddr)


def reply_options(payload: bytes) -> list[tuple[int, bytes]]:
    """Every option instance of a reply, in wire order, up to End (which must be present)."""
    assert payload[236:240] == MAGIC_COOKIE
    found: list[tuple[int, bytes]] = []
    offset = 240
    while payload[offset] != 255:
        code = payload[offset]
        assert code != 0, f"unexpected Pad inside the options of a reply at {offset}"
        length = payload[offset + 1]
        found.append((code, payload[offset + 2 : offset + 2 + length]))
        offset += 2 + length
    assert not any(payload[offset + 1 :]), "only zero padding may follow End"
    return found


def reply_codes(payload: bytes) -> list[int]:
    return [code for code, _ in reply_options(payload)]


def end_offset(payload: bytes) -> int:
    """Where End sits in a reply (the reply has no Pad before End)."""
    offset = 240
    while payload[offset] != 255:
        offset += 2 + payload[offset + 1]
    return offset


# --- sites and policies used by the tests ---------------------------------------------------


def site_spec(
    name: str = "pool01",
    subnets: tuple[str, ...] = ("10.1.2.0/24",),
    sip_servers: tuple[str, ...] = ("pool01.contoso.com",),
    **fields: Any,
) -> SiteSpec:
    web_server = fields.pop("web_server", sip_servers[0])
    for key in ("ntp_servers", "time_servers"):  # typed, as config.py hands them over
        fields[key] = tuple(map(ipaddress.IPv4Address, fields.get(key, ())))
    return SiteSpec(
        name=name,
        subnets=tuple(map(ipaddress.IPv4Network, subnets)),
        sip_servers=sip_servers,
        cert_provisioning=CertProvisioning(web_server),
        **fields,
    )


def responder(*sites: SiteSpec, **policy_fields: Any) -> Responder:
    """A responder over the given sites (pool01 alone by default)."""
    built = tuple(build_site(spec) for spec in sites or (site_spec(),))
    limits = policy_fields.pop("limits", None)
    return Responder(Policy(sites=built, **policy_fields), limits)


def respond(
    datagram: bytes,
    responder_: Responder | None = None,
    *,
    source: tuple[str, int] = ("10.1.2.50", 68),
    server_id: bytes = SERVER_ID,
) -> Reply | Ignored:
    return (responder_ or responder()).respond(datagram, source, Arrival(server_id=server_id))


def answered(outcome: Reply | Ignored) -> Reply:
    assert isinstance(outcome, Reply), f"expected a reply, got {outcome!r}"
    return outcome


# --- protocol.md §7: the phone's DHCPINFORM, byte for byte -----------------------------------

INFORM_HEADER = bytes.fromhex(
    "01"  # op: BOOTREQUEST
    "01"  # htype: Ethernet
    "06"  # hlen: 6
    "00"  # hops
    "12345678"  # xid
    "0000"  # secs
    "0000"  # flags: no BROADCAST
    "0a010232"  # ciaddr: 10.1.2.50, the phone already has its address
    "00000000"  # yiaddr
    "00000000"  # siaddr
    "00000000"  # giaddr: not relayed
    "000413aabbcc 00000000000000000000"  # chaddr: 00:04:13:aa:bb:cc, padded to 16 bytes
) + bytes(64 + 128)  # sname, file: unused
INFORM_OPTIONS = bytes.fromhex(
    "63825363"  # magic cookie
    "35 01 08"  # 53 message type: DHCPINFORM
    "3d 07 01 000413aabbcc"  # 61 client identifier: type 1 (Ethernet) + MAC
    "3c 0c 4d532d55432d436c69656e74"  # 60 vendor class: "MS-UC-Client"
    "37 07 01 03 06 0f 2a 2b 78"  # 55 PRL: 1, 3, 6, 15, 42, 43, 120
    "ff"  # End
)
INFORM = INFORM_HEADER + INFORM_OPTIONS
