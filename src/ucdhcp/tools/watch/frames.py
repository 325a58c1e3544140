"""Ethernet/IPv4/UDP framing around captured DHCP datagrams (RFC 791, RFC 768), decoded only as
far as the watch needs: addresses, ports and the UDP payload."""

import ipaddress
from dataclasses import dataclass

from ...wire.message import CLIENT_PORT, SERVER_PORT

ETHERTYPE_IPV4 = 0x0800
ETHERTYPE_VLAN = 0x8100
UDP = 17
DHCP_PORTS = (SERVER_PORT, CLIENT_PORT)


@dataclass(frozen=True, slots=True)
class Datagram:
    source: str  # address:port
    destination: str
    payload: bytes

    @property
    def source_address(self) -> str:
        return self.source.rsplit(":", 1)[0]


def dhcp_datagram(frame: bytes) -> Datagram | None:
    """The UDP datagram to or from port 67/68 in an Ethernet frame, or None for anything else
    (other traffic, IP fragments, truncated frames)."""
    offset = 14
    if len(frame) < offset:
        return None
    ethertype = int.from_bytes(frame[12:14], "big")
    if ethertype == ETHERTYPE_VLAN and len(frame) >= 18:  # one 802.1Q tag (IEEE 802.1Q §9)
        ethertype, offset = int.from_bytes(frame[16:18], "big"), 18
    if ethertype != ETHERTYPE_IPV4 or len(frame) < offset + 20:
        return None
    ip = frame[offset:]
    header = (ip[0] & 0x0F) * 4
    total = int.from_bytes(ip[2:4], "big")
    fragmented = int.from_bytes(ip[6:8], "big") & 0x3FFF  # MF flag or a fragment offset
    if ip[0] >> 4 != 4 or ip[9] != UDP or fragmented or header < 20 or len(ip) < header + 8:
        return None
    udp = ip[header : min(total, len(ip))]
    source_port, destination_port = int.from_bytes(udp[0:2], "big"), int.from_bytes(udp[2:4], "big")
    if source_port not in DHCP_PORTS and destination_port not in DHCP_PORTS:
        return None
    length = int.from_bytes(udp[4:6], "big")
    source, destination = ipaddress.IPv4Address(ip[12:16]), ipaddress.IPv4Address(ip[16:20])
    return Datagram(
        f"{source}:{source_port}", f"{destination}:{destination_port}", bytes(udp[8:length])
    )
