"""Sending a reply without ever waiting: no queue of ours, and no wait for ARP.

Strategy: a UDP send to a neighbour the kernel has not resolved sits in the neighbour queue,
charged to the socket's send buffer, until ARP gives up (~3 s). A flood of requests naming
unused on-link addresses (ciaddr, or the source) then fills that buffer, and every later reply
waits behind it; uvloop's transport would even queue them without bound in user space. So:

- a reply to an address on the receiving interface's own subnets, or a broadcast, leaves as an
  Ethernet frame through an AF_PACKET socket, as Kea's raw mode does, so nothing waits for ARP.
  It goes to the MAC the kernel already knows for that address (a client that unicast its
  request ARPed for us first, which taught our kernel its MAC: one ioctl looks it up, and
  finds the real MAC of a tool that fills chaddr with a made-up one), else to the client's
  hardware address (chaddr; RFC 2131 §4.1 delivers to "the client's hardware address"). It
  needs CAP_NET_RAW; without it, or on an interface that is not Ethernet, every reply uses the
  UDP socket.
- every other reply (to a relay, a routed client, a tool on another port) goes through the UDP
  socket with a plain non-blocking sendto(): when the buffer is full the reply is dropped and
  counted, never queued.

Frames bypass the host's OUTPUT firewall rules, as Kea's and ISC dhcpd's raw sends do.
"""

import errno
import socket
import struct
from collections.abc import Sequence
from fcntl import ioctl
from typing import Final

import structlog

from ..core.responder import Reply
from ..core.routing import CLIENT_PORT, SERVER_PORT, DestinationKind
from .addresses import InterfaceAddress
from .stats import Statistics

log = structlog.get_logger("ucdhcp")

ETH_P_IP: Final = 0x0800
_ARPHRD_ETHER: Final = 1
_SIOCGIFHWADDR: Final = 0x8927
_BROADCAST_MAC: Final = b"\xff" * 6
_LIMITED_BROADCAST: Final = b"\xff" * 4
_IPV4_UDP = struct.Struct("!BBHHHBBH4s4sHHHH")  # RFC 791 header (no options) + RFC 768 header
_PSEUDO = struct.Struct("!4s4sBBH")  # RFC 768 pseudo header
_DF: Final = 0x4000  # don't fragment: a DHCP reply fits one frame (RFC 2131 §2: 576 bytes)
_TTL: Final = 64
_UDP: Final = 17
_CIADDR, _SOURCE = DestinationKind.CIADDR, DestinationKind.SOURCE
_BROADCAST = DestinationKind.BROADCAST
_FULL = frozenset({errno.EAGAIN, errno.EWOULDBLOCK, errno.ENOBUFS})
_SIOCGARP: Final = 0x8954
_ATF_COM: Final = 0x02  # a complete entry: the hardware address is known
# struct arpreq (netdevice(7), arp(7)): arp_pa, arp_ha, arp_flags, arp_netmask, arp_dev
_ARPREQ = struct.Struct("=H2x4s8x16si16x16s")


def checksum(data: bytes) -> int:
    """The Internet checksum (RFC 1071) of `data`, never 0 (RFC 768: 0 means "none").

    The 16-bit one's complement sum of the words equals the big-endian integer modulo 0xFFFF
    (2**16 ≡ 1), which one C-level division computes.
    """
    if len(data) & 1:
        data += b"\x00"
    folded = int.from_bytes(data, "big") % 0xFFFF
    return 0xFFFF - folded if folded else 0xFFFF


def ip_udp_packet(payload: bytes, source: bytes, destination: bytes, port: int) -> bytes:
    """An IPv4 datagram from `source`:67 to `destination`:`port` carrying `payload`."""
    udp_length = 8 + len(payload)
    pseudo = _PSEUDO.pack(source, destination, 0, _UDP, udp_length)
    udp_sum = checksum(pseudo + struct.pack("!HHHH", SERVER_PORT, port, udp_length, 0) + payload)
    header = _IPV4_UDP.pack(
        0x45, 0, 20 + udp_length, 0, _DF, _TTL, _UDP, 0, source, destination,
        SERVER_PORT, port, udp_length, udp_sum,
    )  # fmt: skip
    ip_sum = checksum(header[:20])
    return header[:10] + ip_sum.to_bytes(2, "big") + header[12:] + payload


def open_frame_socket(interface: str) -> socket.socket | None:
    """An AF_PACKET socket for sending IPv4 frames on `interface`, or None when frames cannot
    be sent there (no CAP_NET_RAW, or not an Ethernet interface)."""
    try:
        sock = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, 0)  # protocol 0: receives nothing
    except OSError:
        return None
    try:
        request = struct.pack("16s16x", interface.encode())
        family = struct.unpack_from("H", ioctl(sock, _SIOCGIFHWADDR, request), 16)[0]
        if family != _ARPHRD_ETHER:
            sock.close()
            return None
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    except OSError:
        sock.close()
        return None
    sock.setblocking(False)
    return sock


class OnLink:
    """The receiving interface's subnets: which destinations are on the link, and which of
    our addresses a frame to them comes from."""

    __slots__ = ("networks", "primary")

    def __init__(self, entries: Sequence[InterfaceAddress]) -> None:
        self.primary = entries[0].address.packed if entries else None  # broadcasts come from it
        self.networks = tuple(
            (int(entry.network.network_address), int(entry.network.netmask), entry.address.packed)
            for entry in entries
            if entry.network.prefixlen < 32
        )

    def source_for(self, destination: bytes) -> bytes | None:
        value = int.from_bytes(destination, "big")
        for network, mask, source in self.networks:
            if value & mask == network:
                return source
        return None


class ReplySender:
    """Sends the replies of one listening socket; counts each as sent or dropped."""

    __slots__ = ("frames", "interface", "on_link", "stats", "udp")

    def __init__(
        self,
        udp: socket.socket,
        stats: Statistics,
        interface: str | None = None,
        frames: socket.socket | None = None,
        on_link: OnLink | None = None,
    ) -> None:
        self.udp = udp
        self.stats = stats
        self.interface = interface
        self.frames = frames if interface is not None else None
        self.on_link = on_link

    def send(self, reply: Reply) -> str | None:
        """Send now or drop; None when sent, else the reason it was dropped (an errno name)."""
        destination = reply.destination
        try:
            if self.frames is None or not self._send_frame(reply):
                self.udp.sendto(reply.payload, (destination.address, destination.port))
        except OSError as error:
            return self._dropped(error)
        self.stats.sent(reply)
        return None

    def _send_frame(self, reply: Reply) -> bool:
        """True when the reply went out as a frame; False when it is not one for a frame."""
        destination = reply.destination
        kind = destination.kind
        request = reply.request
        if kind is _BROADCAST:
            mac, address = _BROADCAST_MAC, _LIMITED_BROADCAST
            source = None if self.on_link is None else self.on_link.primary
        elif kind is _CIADDR or (kind is _SOURCE and destination.port == CLIENT_PORT):
            data = request.data
            if data[1] != 1 or data[2] != 6 or self.on_link is None:  # htype Ethernet, hlen 6
                return False
            address = request.ciaddr if kind is _CIADDR else socket.inet_aton(destination.address)
            source = self.on_link.source_for(address)
            mac = self._known_mac(address) or data[28:34]
        else:
            return False
        if source is None:
            return False
        packet = ip_udp_packet(reply.payload, source, address, destination.port)
        assert self.frames is not None and self.interface is not None
        self.frames.sendto(packet, (self.interface, ETH_P_IP, 0, 0, mac))
        return True

    def _known_mac(self, address: bytes) -> bytes | None:
        """The MAC of a complete entry of the kernel's neighbour table, or None. Never creates
        an entry and never waits (SIOCGARP only reads)."""
        assert self.interface is not None
        query = _ARPREQ.pack(socket.AF_INET, address, b"", 0, self.interface.encode())
        try:
            answer = ioctl(self.udp, _SIOCGARP, query)
        except OSError:  # ENXIO: no entry
            return None
        _family, _, hardware, flags, _device = _ARPREQ.unpack(answer)
        return hardware[2:8] if flags & _ATF_COM else None

    def _dropped(self, error: OSError) -> str:
        code = error.errno
        name = errno.errorcode.get(code, type(error).__name__) if code else type(error).__name__
        return self.drop("send_buffer_full" if code in _FULL else name, str(error))

    def drop(self, cause: str, detail: str = "") -> str:
        """Count a reply that is not sent, and log the 1st, 2nd, 4th, 8th... of each cause, so
        a storm cannot flood the log. Returns `cause`."""
        count = self.stats.drop(cause)
        if count & (count - 1) == 0:
            log.warning("reply_dropped", error=cause, detail=detail, count=count)
        return cause
