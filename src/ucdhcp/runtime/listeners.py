"""Per-interface listening sockets, kept in step with the host's interfaces.

Strategy: one UDP socket per served interface, bound to 0.0.0.0:67 with SO_BINDTODEVICE, so
every datagram's interface (and so its server identifier, RFC 2131 §4.1) is known from the
socket it arrived on, broadcasts are received, and a broadcast reply leaves through the
interface the request came in on. uvloop reads each socket in C; IP_PKTINFO would need
recvmsg() from Python for every packet.
"""

import asyncio
import socket
from collections.abc import Iterator, Sequence

import structlog

from ..core.responder import Arrival, Responder
from ..core.routing import dotted
from .addresses import InterfaceAddress, subnet_edges
from .diagnosis import served_interfaces
from .protocol import ResponderProtocol, set_receive_buffer
from .sender import OnLink, ReplySender, open_frame_socket
from .stats import Statistics

log = structlog.get_logger("ucdhcp")


def open_interface_socket(
    interface: str, port: int, receive_buffer: int, reuse_port: bool = False
) -> socket.socket:
    """A UDP socket on 0.0.0.0:port that only sees (and only sends through) `interface`.

    Raises:
        OSError: the device is gone, the port is taken on it, or privileges are missing.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        if reuse_port:  # several worker processes share the port (kernel flow hashing)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        # Before bind(): sockets bound to different devices may then share the port.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, interface.encode())
        set_receive_buffer(sock, receive_buffer)
        sock.bind(("0.0.0.0", port))
    except OSError:
        sock.close()
        raise
    sock.setblocking(False)
    return sock


class InterfaceListeners:
    """The open per-interface sockets; `sync` opens, updates and closes them."""

    def __init__(
        self,
        responder: Responder,
        stats: Statistics,
        port: int,
        receive_buffer: int,
        wanted: Sequence[str] | None,
        server_id: bytes | None = None,
        reuse_port: bool = False,
    ) -> None:
        self.reuse_port = reuse_port
        self.responder = responder
        self.stats = stats
        self.port = port
        self.receive_buffer = receive_buffer
        self.wanted = wanted
        self.server_id = server_id  # a configured override for every interface
        self.active: dict[str, tuple[asyncio.DatagramTransport, ResponderProtocol]] = {}
        self.refused: frozenset[bytes] = frozenset()  # every local subnet's network/broadcast
        self.frames_unavailable_logged = False
        self.indexes: dict[str, int] = {}  # interface index each socket was opened for
        self._syncing = asyncio.Lock()

    def protocols(self) -> Iterator[ResponderProtocol]:
        return (protocol for _, protocol in self.active.values())

    async def sync(self, addresses: Sequence[InterfaceAddress]) -> None:
        # One sync at a time: _open awaits, and two overlapping syncs would both open a
        # socket for the same new interface (SO_REUSEADDR lets the second bind succeed).
        async with self._syncing:
            await self._sync(addresses)

    async def _sync(self, addresses: Sequence[InterfaceAddress]) -> None:
        self.refused = subnet_edges(addresses)
        served = served_interfaces(addresses, self.wanted)
        for name in [name for name in self.active if name not in served]:
            self.indexes.pop(name, None)
            _close(*self.active.pop(name))
            log.warning("interface_removed", interface=name)
        for name, entries in served.items():
            arrival = self._arrival(name, entries)
            if name in self.active and self.indexes.get(name) != entries[0].index:
                # Deleted and re-created under the same name (a container restart): the old
                # socket is bound to a device that no longer exists.
                _close(*self.active.pop(name))
                log.info("interface_recreated", interface=name, index=entries[0].index)
            if name in self.active:
                protocol = self.active[name][1]
                if protocol.arrival != arrival:
                    protocol.arrival = arrival  # read once per datagram: swaps atomically
                    protocol.sender.on_link = OnLink(entries)
                    log.info("interface_changed", interface=name, addresses=_texts(entries))
                continue
            if await self._open(name, arrival, entries):
                self.indexes[name] = entries[0].index

    async def _open(self, name: str, arrival: Arrival, entries: list[InterfaceAddress]) -> bool:
        try:
            sock = open_interface_socket(name, self.port, self.receive_buffer, self.reuse_port)
        except OSError as error:
            log.error("interface_bind_failed", interface=name, port=self.port, error=str(error))
            return False
        frames = open_frame_socket(name)
        if frames is None and not self.frames_unavailable_logged:
            self.frames_unavailable_logged = True
            log.warning(
                "frames_unavailable",
                interface=name,
                message="replies to phones on this link go through the UDP socket and can be"
                " delayed by ARP for unused addresses; grant CAP_NET_RAW to send them as frames",
            )
        sender = ReplySender(sock, self.stats, name, frames, OnLink(entries))
        protocol = ResponderProtocol(self.responder, arrival, sender)
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(lambda: protocol, sock=sock)
        self.active[name] = (transport, protocol)
        log.info(
            "interface_added",
            interface=name,
            addresses=_texts(entries),
            server_id=dotted(arrival.server_id),
            replies_as_frames=frames is not None,
        )
        return True

    def _arrival(self, name: str, entries: list[InterfaceAddress]) -> Arrival:
        address = entries[0].address.packed
        return Arrival(
            server_id=self.server_id or address,
            interface=name,
            address=address,
            refused=self.refused,
        )

    def close(self) -> None:
        for transport, protocol in self.active.values():
            _close(transport, protocol)
        self.active.clear()


def _close(transport: asyncio.DatagramTransport, protocol: ResponderProtocol) -> None:
    transport.close()
    if protocol.sender.frames is not None:
        protocol.sender.frames.close()


def _texts(entries: list[InterfaceAddress]) -> list[str]:
    return [f"{entry.address}/{entry.network.prefixlen}" for entry in entries]
