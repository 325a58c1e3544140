"""Test-side DHCP frames: what the phone (or a PC) sends, built with scapy, and what arrives,
parsed by hand. Nothing here uses ucdhcp.wire, so a codec bug cannot hide itself.
"""

from __future__ import annotations

import ipaddress
import json
from functools import cached_property

from scapy.layers.dhcp import BOOTP, DHCP
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether

BROADCAST_FLAG = 0x8000
BROADCAST_MAC = "ff:ff:ff:ff:ff:ff"
LIMITED_BROADCAST = "255.255.255.255"
MAGIC_COOKIE = bytes.fromhex("63825363")
MS_UC_CLIENT = b"MS-UC-Client"
PHONE_PARAMETERS = (1, 3, 6, 15, 42, 43, 120)  # protocol.md §7
PC_PARAMETERS = (1, 3, 6, 15, 31, 33, 43, 44, 46, 47, 119, 121, 249, 252)
ACK, OFFER = 5, 2

# DHCPUtil golden vectors (protocol.md §2-§3), option data only. pool01.contoso.com:
OPTION_120_POOL01 = bytes.fromhex("0006706F6F6C303107636F6E746F736F03636F6D00")
OPTION_43_POOL01 = bytes.fromhex(
    "010C4D532D55432D436C69656E74"  # 1 UCIdentifier "MS-UC-Client"
    "02056874747073"  # 2 URLScheme "https"
    "0312706F6F6C30312E636F6E746F736F2E636F6D"  # 3 WebServerFqdn "pool01.contoso.com"
    "0403343433"  # 4 WebServerPort "443" in ASCII
    "05252F4365727450726F762F4365727450726F766973696F6E696E67536572766963652E737663"  # 5 path
)
# server.fqdn.company.com, the other DHCPUtil vector: the second site in two-site tests.
OPTION_120_COMPANY = bytes.fromhex("0006736572766572046671646E07636F6D70616E7903636F6D00")
OPTION_43_COMPANY = bytes.fromhex(
    "010C4D532D55432D436C69656E74"  # 1 "MS-UC-Client"
    "02056874747073"  # 2 "https"
    "03177365727665722E6671646E2E636F6D70616E792E636F6D"  # 3 "server.fqdn.company.com"
    "0403343433"  # 4 "443"
    "05252F4365727450726F762F4365727450726F766973696F6E696E67536572766963652E737663"  # 5 path
)


def bootp(
    mac: str,
    xid: int,
    *,
    message_type: str = "inform",
    ciaddr: str = "0.0.0.0",
    giaddr: str = "0.0.0.0",
    broadcast_flag: bool = False,
    vendor_class: bytes | None = MS_UC_CLIENT,
    parameters: tuple[int, ...] = PHONE_PARAMETERS,
    extra: tuple[tuple[str, object], ...] = (),
) -> bytes:
    """A BOOTREQUEST as a phone (or, with other arguments, a PC) sends it."""
    options: list[object] = [("message-type", message_type)]
    options.append(("client_id", b"\x01" + _mac_bytes(mac)))
    if vendor_class is not None:
        options.append(("vendor_class_id", vendor_class))
    options += list(extra)
    options += [("param_req_list", list(parameters)), "end"]
    packet = BOOTP(
        op=1,
        xid=xid,
        ciaddr=ciaddr,
        giaddr=giaddr,
        chaddr=_mac_bytes(mac),
        flags=BROADCAST_FLAG if broadcast_flag else 0,
    ) / DHCP(options=options)
    return bytes(packet)


def broadcast_frame(mac: str, payload: bytes, source: str = "0.0.0.0") -> bytes:
    """The payload from `source`:68 to 255.255.255.255:67 in a broadcast Ethernet frame."""
    frame = (
        Ether(src=mac, dst=BROADCAST_MAC)
        / IP(src=source, dst=LIMITED_BROADCAST, ttl=64)
        / UDP(sport=68, dport=67)
        / payload
    )
    return bytes(frame)


def _mac_bytes(mac: str) -> bytes:
    return bytes.fromhex(mac.replace(":", ""))


class Bootp:
    """A BOOTP/DHCP message (the UDP payload), fields decoded on demand."""

    def __init__(self, payload: bytes) -> None:
        self.payload = payload

    @property
    def op(self) -> int:
        return self.payload[0]

    @property
    def xid(self) -> int:
        return int.from_bytes(self.payload[4:8], "big")

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
        assert self.payload[236:240] == MAGIC_COOKIE, self.payload[236:240].hex()
        found: list[tuple[int, bytes]] = []
        offset = 240
        while offset < len(self.payload) and self.payload[offset] != 255:
            code = self.payload[offset]
            if code == 0:
                offset += 1
                continue
            length = self.payload[offset + 1]
            found.append((code, self.payload[offset + 2 : offset + 2 + length]))
            offset += 2 + length
        return found

    @cached_property
    def options(self) -> dict[int, bytes]:
        """Option data by code, repeated instances concatenated (RFC 3396)."""
        merged: dict[int, bytes] = {}
        for code, data in self.option_list:
            merged[code] = merged.get(code, b"") + data
        return merged

    @property
    def message_type(self) -> int | None:
        data = self.options.get(53)
        return data[0] if data else None

    @property
    def server_id(self) -> str | None:
        data = self.options.get(54)
        return None if data is None else str(ipaddress.IPv4Address(data))


class Frame(Bootp):
    """One DHCP frame seen by phone.py: the Ethernet/IP/UDP envelope and the message."""

    def __init__(self, raw: bytes, outgoing: bool) -> None:
        self.raw = raw
        self.outgoing = outgoing
        self.ether = Ether(raw)
        self.ip = self.ether[IP]
        super().__init__(bytes(self.ip[UDP].payload))

    @property
    def eth_dst(self) -> str:
        return str(self.ether.dst)

    @property
    def eth_src(self) -> str:
        return str(self.ether.src)

    @property
    def ip_src(self) -> str:
        return str(self.ip.src)

    @property
    def ip_dst(self) -> str:
        return str(self.ip.dst)

    @property
    def sport(self) -> int:
        return int(self.ip[UDP].sport)

    @property
    def dport(self) -> int:
        return int(self.ip[UDP].dport)

    def describe(self) -> str:
        direction = "out" if self.outgoing else "in"
        return (
            f"{direction} {self.ip_src}:{self.sport} -> {self.ip_dst}:{self.dport}"
            f" (eth {self.eth_dst}) op {self.op} xid {self.xid:#x} type {self.message_type}"
            f" server_id {self.server_id}"
        )


class Datagram(Bootp):
    """A datagram the phone's UDP port 68 socket accepted: what its DHCP client would read."""

    def __init__(self, payload: bytes, source: tuple[str, int], destination: str) -> None:
        super().__init__(payload)
        self.source = source
        self.destination = destination  # the IP header's destination (IP_PKTINFO)


class Seen(list[Frame]):
    """The frames phone.py saw on the link, and in `datagrams` what its socket accepted."""

    def __init__(self, frames: list[Frame], datagrams: list[Datagram]) -> None:
        super().__init__(frames)
        self.datagrams = datagrams

    def accepted(self, xid: int) -> list[Datagram]:
        """BOOTREPLYs to this xid that reached the phone's socket."""
        return [d for d in self.datagrams if d.op == 2 and d.xid == xid]


def parse_output(output: str) -> Seen:
    """phone.py's JSON lines (the ready line skipped)."""
    frames, datagrams = [], []
    for line in output.splitlines():
        record = json.loads(line)
        if "frame" in record:
            frames.append(Frame(bytes.fromhex(record["frame"]), record["outgoing"]))
        elif "datagram" in record:
            source = (record["source"][0], record["source"][1])
            datagrams.append(
                Datagram(bytes.fromhex(record["datagram"]), source, record["destination"])
            )
    return Seen(frames, datagrams)
