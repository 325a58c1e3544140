"""Phones on the link, for loadgen.py --phones: each INFORM leaves as the phone's own Ethernet
frame, and every reply is read off the wire whatever MAC it is addressed to.

Strategy: a phone with an address sends its INFORM from ciaddr:68, its own MAC, to the server
(RFC 2131 §4.4.3), and is answered at ciaddr:68 on the link (§4.1). A UDP socket in the client
namespace cannot send as thousands of phones (one source MAC, and a source IP the namespace must
own, which would make its kernel answer the server's ARP for every phone), so the requests are
whole frames built here, written to an AF_PACKET socket on the client's veth: source MAC =
chaddr, source IP = ciaddr, UDP 68 -> the server's port, checksums computed. The client
namespace's kernel never owns or announces a phone's address. The replies are addressed to
the phones' MACs (the MAC the server's kernel knows for ciaddr, or chaddr), which the veth
would drop, so the same socket is in promiscuous mode, a classic BPF filter keeps IPv4 UDP to
port 68, PACKET_IGNORE_OUTGOING drops our own requests before they are queued, and recv()
(not recvfrom(), which asks the interface's name per packet) reads each frame. Every reply is
checked against the phone its xid belongs to: destination MAC, destination IP and UDP port 68.
"""

from __future__ import annotations

import ctypes
import socket
import struct
from collections.abc import Callable
from typing import Final

ETH_P_IP: Final = 0x0800
SOL_PACKET: Final = 263
PACKET_ADD_MEMBERSHIP: Final = 1
PACKET_MR_PROMISC: Final = 1
PACKET_IGNORE_OUTGOING: Final = 23
SO_ATTACH_FILTER: Final = 26
SO_RCVBUFFORCE: Final = 33
HEADERS: Final = 42  # Ethernet 14 + IPv4 20 (no options) + UDP 8: where the DHCP message starts
CLIENT_PORT: Final = 68
MISADDRESSED: Final = bytes(8)  # what a misaddressed reply reads as: an xid never sent
_IPV4 = struct.Struct("!BBHHHBBH4s4s")  # RFC 791 header, no options
_PSEUDO = struct.Struct("!4s4sBBH")  # RFC 768 pseudo header
_BUFFER = 8 << 20

# Classic BPF (tcpdump -dd 'ip and udp dst port 68', an unfragmented first fragment): accept
# IPv4 UDP to port 68, drop everything else in the kernel before it is queued.
# (code, jt, jf, k); jumps are relative to the next instruction.
UDP_TO_CLIENT_PORT: Final = (
    (0x28, 0, 0, 12),  # ldh [12]            ethertype
    (0x15, 0, 8, ETH_P_IP),  # jeq #0x800        else drop
    (0x30, 0, 0, 23),  # ldb [23]            IP protocol
    (0x15, 0, 6, 17),  # jeq #17 (UDP)       else drop
    (0x28, 0, 0, 20),  # ldh [20]            flags + fragment offset
    (0x45, 4, 0, 0x1FFF),  # jset #0x1fff       a later fragment: drop
    (0xB1, 0, 0, 14),  # ldxb 4*([14]&0xf)   X = IP header length
    (0x48, 0, 0, 16),  # ldh [x + 16]        UDP destination port
    (0x15, 0, 1, CLIENT_PORT),  # jeq #68     else drop
    (0x06, 0, 0, 0x40000),  # ret #262144       accept the whole frame
    (0x06, 0, 0, 0),  # ret #0              drop
)


def checksum(data: bytes) -> int:
    """The Internet checksum (RFC 1071): big-endian words summed modulo 0xFFFF."""
    if len(data) & 1:
        data += b"\x00"
    folded = int.from_bytes(data, "big") % 0xFFFF
    return 0xFFFF - folded if folded else 0xFFFF


def phone_frame(
    payload: bytes, mac: bytes, ciaddr: bytes, server_mac: bytes, server: bytes, port: int
) -> bytes:
    """A phone's request as a frame: `mac`/`ciaddr`:68 -> `server_mac`/`server`:`port`."""
    udp_length = 8 + len(payload)
    udp = struct.pack("!HHHH", CLIENT_PORT, port, udp_length, 0)
    udp_sum = checksum(_PSEUDO.pack(ciaddr, server, 0, 17, udp_length) + udp + payload)
    udp = udp[:6] + udp_sum.to_bytes(2, "big")
    ip = _IPV4.pack(0x45, 0, 20 + udp_length, 0, 0x4000, 64, 17, 0, ciaddr, server)
    ip = ip[:10] + checksum(ip).to_bytes(2, "big") + ip[12:]
    return server_mac + mac + ETH_P_IP.to_bytes(2, "big") + ip + udp + payload


def parse_mac(text: str) -> bytes:
    mac = bytes.fromhex(text.replace(":", ""))
    if len(mac) != 6:
        raise ValueError(f"{text!r} is not a MAC address")
    return mac


def attach_filter(sock: socket.socket, program: tuple[tuple[int, int, int, int], ...]) -> None:
    """SO_ATTACH_FILTER with a classic BPF `program` (struct sock_fprog -> sock_filter[])."""
    code = b"".join(struct.pack("=HBBI", *instruction) for instruction in program)
    buffer = ctypes.create_string_buffer(code, len(code))
    fprog = struct.pack("=HxxxxxxQ", len(program), ctypes.addressof(buffer))
    sock.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, fprog)  # the kernel copies the program


def open_link(interface: str) -> socket.socket:
    """An AF_PACKET socket on `interface` that sends whole frames and reads, in promiscuous
    mode, every IPv4 UDP frame to port 68 that arrives there (none of its own)."""
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)  # protocol 0: nothing queued yet
    try:
        attach_filter(sock, UDP_TO_CLIENT_PORT)
        sock.setsockopt(SOL_PACKET, PACKET_IGNORE_OUTGOING, 1)
        for option in (SO_RCVBUFFORCE, socket.SO_SNDBUF):
            sock.setsockopt(socket.SOL_SOCKET, option, _BUFFER)
        sock.bind((interface, ETH_P_IP))  # Python applies htons() to an AF_PACKET address
        index = socket.if_nametoindex(interface)
        membership = struct.pack("=iHH8s", index, PACKET_MR_PROMISC, 0, b"")
        sock.setsockopt(SOL_PACKET, PACKET_ADD_MEMBERSHIP, membership)  # dropped at close
    except OSError:
        sock.close()
        raise
    sock.setblocking(False)
    return sock


class Addressees:
    """Who each request of the ring is from, so that its reply can be checked cheaply: slot =
    (xid - seed) & mask, then the phone's MAC and ciaddr at that slot."""

    __slots__ = ("addresses", "macs", "mask", "misaddressed", "seed")

    def __init__(self, seed: int, macs: list[bytes], addresses: list[bytes]) -> None:
        self.seed, self.mask = seed, len(macs) - 1
        self.macs, self.addresses = macs, addresses
        self.misaddressed = 0

    def reader(self, sock: socket.socket) -> Callable[[int], bytes]:
        """recv() for loadgen's loops: the reply's DHCP message when the frame went to the
        phone that asked (its MAC, its ciaddr, UDP 68, a 20-byte IP header), else
        MISADDRESSED (counted here; the loops count it as a stray reply)."""
        recv, macs, addresses = sock.recv, self.macs, self.addresses
        seed, mask = self.seed, self.mask

        def read(size: int) -> bytes:
            frame = recv(size)
            slot = (int.from_bytes(frame[46:50], "big") - seed) & mask
            if (
                frame[:6] != macs[slot]
                or frame[30:34] != addresses[slot]
                or frame[14] != 0x45
                or frame[36:38] != b"\x00\x44"
            ):
                self.misaddressed += 1
                return MISADDRESSED
            return frame[HEADERS:]

        return read
