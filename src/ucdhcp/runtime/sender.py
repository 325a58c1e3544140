"""Sending a reply without ever waiting: no queue of ours, and no wait for ARP.

Strategy: a UDP send to a neighbour the kernel has not resolved sits in the neighbour queue,
charged to the socket's send buffer, until ARP gives up (~3 s). A flood of requests naming
unused on-link addresses (ciaddr, or the source) then fills that buffer, and every later reply
waits behind it; uvloop's transport would even queue them without bound in user space. So:

- a reply to an address on the receiving interface's own subnets, or a broadcast, leaves as an
  Ethernet frame through an AF_PACKET socket, as Kea's raw mode does, so nothing waits for ARP.
  It goes to the MAC the kernel already knows for that address (a client that unicast its
  request ARPed for us first, which taught our kernel its MAC; neighbours.py mirrors the
  kernel's table, so no system call asks per reply), else to the client's hardware address
  (chaddr; RFC 2131 §4.1 delivers to "the client's hardware address"). It needs CAP_NET_RAW;
  without it, or on an interface that is not Ethernet, every reply uses the UDP socket.

  This is the path every phone's answer takes, so it costs one system call per reply, like a
  plain sendto(): the socket is bound (no per-send interface look-up), the kernel or the
  device computes the UDP checksum (PACKET_VNET_HDR), and the headers are packed once.
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

from ..core.prefixes import longest_first, lookup
from ..core.responder import Reply
from ..core.routing import DestinationKind
from ..wire.message import CLIENT_PORT, SERVER_PORT
from .addresses import InterfaceAddress
from .stats import Statistics

log = structlog.get_logger("ucdhcp")

ETH_P_IP: Final = 0x0800
_ARPHRD_ETHER: Final = 1
_SIOCGIFHWADDR: Final = 0x8927
_BROADCAST_MAC: Final = b"\xff" * 6
_LIMITED_BROADCAST: Final = b"\xff" * 4
_IPV4_UDP = struct.Struct("!BBHHHBBH4s4sHHHH")  # RFC 791 header (no options) + RFC 768 header
_DF: Final = 0x4000  # don't fragment: a DHCP reply fits one frame (RFC 2131 §2: 576 bytes)
_TTL: Final = 64
_UDP: Final = 17
_CIADDR, _SOURCE = DestinationKind.CIADDR, DestinationKind.SOURCE
_BROADCAST = DestinationKind.BROADCAST
_FULL = frozenset({errno.EAGAIN, errno.EWOULDBLOCK, errno.ENOBUFS})
_ETHERTYPE_IP: Final = b"\x08\x00"
_IP_CONSTANT_WORDS: Final = 0x4500 + _DF + (_TTL << 8 | _UDP)  # version/IHL/TOS, flags, TTL/proto
_SOL_PACKET: Final = 263
_PACKET_VNET_HDR: Final = 15
# struct virtio_net_hdr (linux/virtio_net.h, native order): NEEDS_CSUM, no GSO, header length
# left to the kernel, then where the checksummed part starts (the UDP header, after 14 bytes of
# Ethernet and 20 of IPv4) and where in it the checksum goes (RFC 768: offset 6).
_VNET_NEEDS_CSUM: Final = struct.pack("=BBHHHH", 1, 0, 0, 0, 14 + 20, 6)


def checksum(data: bytes, words: int = 0) -> int:
    """The Internet checksum (RFC 1071) of `data` and of further 16-bit words already summed
    (`words`: a header's fields), never 0 (RFC 768: 0 means "none").

    The 16-bit one's complement sum of the words equals the big-endian integer modulo 0xFFFF
    (2**16 ≡ 1), which one C-level division computes.
    """
    if len(data) & 1:
        data += b"\x00"
    folded = (int.from_bytes(data, "big") % 0xFFFF + words) % 0xFFFF
    return 0xFFFF - folded if folded else 0xFFFF


def _fold(total: int) -> int:
    """A one's complement sum of 16-bit words folded to 16 bits (RFC 1071 §4.1)."""
    total = (total & 0xFFFF) + (total >> 16)
    return (total & 0xFFFF) + (total >> 16)


def _headers(
    payload: bytes, source: bytes, destination: bytes, port: int, *, kernel_checksum: bool
) -> bytes:
    """The IPv4 and UDP headers of a datagram from `source`:67 to `destination`:`port`.

    The IPv4 header's checksum is summed from its words (RFC 791 §3.1), no bytes built twice.
    With `kernel_checksum` the UDP checksum field holds only the pseudo header's sum, as the
    kernel's own UDP sends leave it for the device (CHECKSUM_PARTIAL); otherwise the whole
    RFC 768 checksum, with one C-level division over the payload (see `checksum`).
    """
    udp_length = 8 + len(payload)
    src = int.from_bytes(source, "big")
    dst = int.from_bytes(destination, "big")
    addresses = (src >> 16) + (src & 0xFFFF) + (dst >> 16) + (dst & 0xFFFF)
    ip_sum = 0xFFFF - _fold(_IP_CONSTANT_WORDS + 20 + udp_length + addresses)
    pseudo = addresses + _UDP + udp_length  # RFC 768 pseudo header
    if kernel_checksum:
        udp_sum = _fold(pseudo)
    else:  # the UDP header's words: ports and length (its checksum field counts as 0)
        udp_sum = checksum(payload, pseudo + SERVER_PORT + port + udp_length)
    return _IPV4_UDP.pack(
        0x45, 0, 20 + udp_length, 0, _DF, _TTL, _UDP, ip_sum, source, destination,
        SERVER_PORT, port, udp_length, udp_sum,
    )  # fmt: skip


def ip_udp_packet(payload: bytes, source: bytes, destination: bytes, port: int) -> bytes:
    """An IPv4 datagram from `source`:67 to `destination`:`port` carrying `payload`, both
    checksums complete."""
    return _headers(payload, source, destination, port, kernel_checksum=False) + payload


class FrameSocket:
    """An AF_PACKET socket bound to one Ethernet interface, sending whole frames (SOCK_RAW).

    Bound, a send names no address: Python's sendto() on AF_PACKET looks the interface's name
    up with an ioctl on every call. With PACKET_VNET_HDR each frame is preceded by a
    virtio_net_hdr asking for the UDP checksum (NEEDS_CSUM): the device or the kernel fills
    it in, as for the kernel's own UDP sends, instead of a pass over the payload in Python.
    """

    __slots__ = ("interface", "kernel_checksum", "mac", "sock")

    def __init__(self, sock: socket.socket, interface: str, mac: bytes, kernel_checksum: bool):
        self.sock = sock
        self.interface = interface
        self.mac = mac  # the interface's own: every frame's source
        self.kernel_checksum = kernel_checksum

    def frame(
        self, mac: bytes, payload: bytes, source: bytes, destination: bytes, port: int
    ) -> bytes:
        """The frame that carries `payload` from `source`:67 to `destination`:`port` at `mac`."""
        kernel = self.kernel_checksum
        headers = _headers(payload, source, destination, port, kernel_checksum=kernel)
        ethernet = mac + self.mac + _ETHERTYPE_IP
        if kernel:
            return b"".join((_VNET_NEEDS_CSUM, ethernet, headers, payload))
        return b"".join((ethernet, headers, payload))

    def send(self, frame: bytes) -> None:
        self.sock.send(frame)

    def refresh(self) -> None:
        """Read the interface's MAC again (`ip link set ... address` changes it)."""
        found = _hardware_address(self.sock, self.interface)
        if found is not None:
            self.mac = found[1]

    def close(self) -> None:
        self.sock.close()


def _hardware_address(sock: socket.socket, interface: str) -> tuple[int, bytes] | None:
    """The interface's hardware type (ARPHRD_*) and its first 6 address bytes, or None."""
    try:
        answer = ioctl(sock, _SIOCGIFHWADDR, struct.pack("16s16x", interface.encode()))
    except OSError:
        return None
    family = struct.unpack_from("H", answer, 16)[0]
    return family, answer[18:24]


def open_frame_socket(interface: str) -> FrameSocket | None:
    """A socket that sends IPv4 frames on `interface`, or None when frames cannot be sent
    there (no CAP_NET_RAW, or not an Ethernet interface)."""
    try:
        # Protocol 0, bound with protocol 0: the socket receives nothing.
        sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    except OSError:
        return None
    found = _hardware_address(sock, interface)
    if found is None or found[0] != _ARPHRD_ETHER:
        sock.close()
        return None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.bind((interface, 0))
    except OSError:
        sock.close()
        return None
    try:
        sock.setsockopt(_SOL_PACKET, _PACKET_VNET_HDR, 1)
        kernel_checksum = True
    except OSError:  # a kernel without it: the checksum is summed here
        kernel_checksum = False
    sock.setblocking(False)
    return FrameSocket(sock, interface, found[1], kernel_checksum)


class OnLink:
    """The receiving interface's subnets: which destinations are on the link, and which of
    our addresses a frame to them comes from."""

    __slots__ = ("networks", "primary")

    def __init__(self, entries: Sequence[InterfaceAddress]) -> None:
        self.primary = entries[0].address.packed if entries else None  # broadcasts come from it
        self.networks = longest_first(
            (entry.network, entry.address.packed)
            for entry in entries
            if entry.network.prefixlen < 32
        )

    def source_for(self, destination: bytes) -> bytes | None:
        return lookup(self.networks, destination)


class ReplySender:
    """Sends the replies of one listening socket; counts each as sent or dropped.

    `neighbours`: the kernel's ARP table for the interface, address -> MAC (neighbours.py
    keeps it current); a frame to an address in it goes to that MAC.
    """

    __slots__ = ("frames", "neighbours", "on_link", "stats", "udp")

    def __init__(
        self,
        udp: socket.socket,
        stats: Statistics,
        frames: FrameSocket | None = None,
        on_link: OnLink | None = None,
        neighbours: dict[bytes, bytes] | None = None,
    ) -> None:
        self.udp = udp
        self.stats = stats
        self.frames = frames
        self.on_link = on_link
        self.neighbours: dict[bytes, bytes] = {} if neighbours is None else neighbours

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
        on_link = self.on_link
        if on_link is None:
            return False
        if kind is _BROADCAST:
            mac, address = _BROADCAST_MAC, _LIMITED_BROADCAST
            source = on_link.primary
        elif kind is _CIADDR or (kind is _SOURCE and destination.port == CLIENT_PORT):
            request = reply.request
            data = request.data
            if data[1] != 1 or data[2] != 6:  # htype Ethernet, hlen 6
                return False
            address = request.ciaddr if kind is _CIADDR else socket.inet_aton(destination.address)
            source = on_link.source_for(address)
            # The MAC the kernel knows for the address (a client that unicast its request
            # ARPed for us first: its real MAC, even behind a bridge that rewrites MACs and
            # from a tool that makes chaddr up), else the client's hardware address (RFC 2131
            # §4.1 delivers to "the client's hardware address").
            mac = self.neighbours.get(address) or data[28:34]
        else:
            return False
        if source is None:
            return False
        frames = self.frames
        assert frames is not None
        frames.send(frames.frame(mac, reply.payload, source, address, destination.port))
        return True

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
