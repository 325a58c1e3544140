"""The listening sockets, in one of two shapes behind one interface (`Listening`):

- InterfaceListening (`server.address` 0.0.0.0, the default): one UDP socket per served
  interface, bound to 0.0.0.0:67 with SO_BINDTODEVICE, so every datagram's interface (and so
  its server identifier, RFC 2131 §4.1) is known from the socket it arrived on, broadcasts are
  received, and a broadcast reply leaves through the interface the request came in on. A
  netlink watch keeps the set in step with the host. (uvloop reads each socket in C; IP_PKTINFO
  would need recvmsg() from Python for every packet.)
- AddressListening (a specific address): one socket bound to it (no broadcasts), which tests
  and single-homed set-ups use.

Either way each socket has its protocol and its sender (frames on its interface when it can).
"""

import asyncio
import socket
from collections.abc import Callable, Sequence

import structlog

from ..config.settings import ServerSettings
from ..core.responder import Arrival
from ..wire.message import dotted
from .addresses import InterfaceAddress, served_interfaces, subnet_edges
from .neighbours import Neighbours
from .netlink import drain, list_ipv4_addresses, open_change_watch
from .protocol import Handling, ResponderProtocol
from .sender import OnLink, ReplySender, open_frame_socket
from .sockets import SocketSpec, open_socket, refuse_if_taken, udp_socket

log = structlog.get_logger("ucdhcp")
RESCAN_DELAY = 0.2  # seconds: a burst of netlink events gives one rescan


class Endpoint:
    """One open socket: its transport (read by uvloop) and its protocol."""

    __slots__ = ("protocol", "transport")

    def __init__(self, transport: asyncio.DatagramTransport, protocol: ResponderProtocol) -> None:
        self.transport = transport
        self.protocol = protocol

    def close(self) -> None:
        self.transport.close()  # closes the socket too
        if self.protocol.sender.frames is not None:
            self.protocol.sender.frames.close()


class Listening:
    """The open endpoints by name (an interface, or the bound address)."""

    def __init__(self, handling: Handling, server: ServerSettings, reuse_port: bool) -> None:
        self.handling = handling
        self.server = server
        self.reuse_port = reuse_port  # one of several --workers sharing the port
        self.endpoints: dict[str, Endpoint] = {}
        self.neighbours = Neighbours()  # the kernel's ARP table, for the frames' MACs
        self._frames_warned = False

    async def start(self) -> None:
        raise NotImplementedError

    @property
    def port(self) -> int:
        for endpoint in self.endpoints.values():
            port: int = endpoint.transport.get_extra_info("sockname")[1]
            return port
        return self.server.port

    def protocols(self) -> list[ResponderProtocol]:
        return [endpoint.protocol for endpoint in self.endpoints.values()]

    def where(self) -> list[str]:
        return sorted(self.endpoints)

    def close(self) -> None:
        for endpoint in self.endpoints.values():
            endpoint.close()
        self.endpoints.clear()
        self.neighbours.close()

    async def _open(
        self,
        sock: socket.socket,
        arrival: Arrival,
        interface: str | None,
        link: Sequence[InterfaceAddress],
    ) -> Endpoint:
        frames = open_frame_socket(interface) if interface is not None and link else None
        if frames is not None and not self.neighbours.started:
            self.neighbours.start()
        if frames is None and interface is not None and link and not self._frames_warned:
            self._frames_warned = True
            log.warning(
                "frames_unavailable",
                interface=interface,
                message="replies to phones on this link go through the UDP socket and can be"
                " delayed by ARP for unused addresses; grant CAP_NET_RAW to send them as frames",
            )
        neighbours = self.neighbours.on(link[0].index) if link else None
        sender = ReplySender(sock, self.handling.stats, frames, OnLink(link), neighbours)
        protocol = ResponderProtocol(self.handling, arrival, sender)
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(lambda: protocol, sock=sock)
        return Endpoint(transport, protocol)


class AddressListening(Listening):
    async def start(self) -> None:
        """Raises BindError."""
        server = self.server
        sock = open_socket(SocketSpec.of(server, self.reuse_port))
        # The interface that holds the address: replies to phones on its link go out as frames.
        addresses = list_ipv4_addresses()
        interface = next((a.interface for a in addresses if a.address == server.address), None)
        link = [a for a in addresses if a.interface == interface and not a.is_loopback]
        arrival = Arrival(
            server_id=server.identifier(server.address).packed,
            address=server.address.packed,
            refused=subnet_edges(addresses),
        )
        self.endpoints[str(server.address)] = await self._open(sock, arrival, interface, link)


class InterfaceListening(Listening):
    """`sync` opens, updates and closes the per-interface endpoints; the netlink watch calls
    it whenever interfaces or addresses change."""

    def __init__(
        self,
        handling: Handling,
        server: ServerSettings,
        reuse_port: bool,
        first_scan: Callable[[list[InterfaceAddress]], None] = lambda _: None,
    ) -> None:
        super().__init__(handling, server, reuse_port)
        self.first_scan = first_scan  # sees the host's addresses once, before any socket opens
        self.indexes: dict[str, int] = {}  # interface index each socket was opened for
        self.refused: frozenset[bytes] = frozenset()  # every local subnet's network/broadcast
        self._syncing = asyncio.Lock()
        self._watch: socket.socket | None = None
        self._rescan: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        """Raises BindError when another server holds the port."""
        server = self.server
        if not self.reuse_port:  # workers: the supervisor checked before starting them
            refuse_if_taken(SocketSpec.of(server))
        # Subscribe before the first scan: a change between the two then still triggers a rescan.
        self._watch = open_change_watch()
        asyncio.get_running_loop().add_reader(self._watch, self._on_change)
        addresses = list_ipv4_addresses()
        self.first_scan(addresses)
        await self.sync(addresses)

    async def sync(self, addresses: Sequence[InterfaceAddress]) -> None:
        # One sync at a time: opening awaits, and two overlapping syncs would both open a
        # socket for the same new interface (SO_REUSEADDR lets the second bind succeed).
        async with self._syncing:
            await self._sync(addresses)

    async def _sync(self, addresses: Sequence[InterfaceAddress]) -> None:
        self.refused = subnet_edges(addresses)
        served = served_interfaces(addresses, self.server.interfaces)
        for name in [name for name in self.endpoints if name not in served]:
            self.indexes.pop(name, None)
            self.endpoints.pop(name).close()
            log.warning("interface_removed", interface=name)
        for name, entries in served.items():
            arrival = self._arrival(name, entries)
            if name in self.endpoints and self.indexes.get(name) != entries[0].index:
                # Deleted and re-created under the same name (a container restart): the old
                # socket is bound to a device that no longer exists.
                self.endpoints.pop(name).close()
                log.info("interface_recreated", interface=name, index=entries[0].index)
            endpoint = self.endpoints.get(name)
            if endpoint is None:
                await self._add(name, arrival, entries)
                continue
            if endpoint.protocol.sender.frames is not None:
                endpoint.protocol.sender.frames.refresh()  # a link event: its MAC may be new
            if endpoint.protocol.arrival != arrival:
                endpoint.protocol.arrival = arrival  # read once per datagram: swaps atomically
                endpoint.protocol.sender.on_link = OnLink(entries)
                log.info("interface_changed", interface=name, addresses=_texts(entries))

    async def _add(self, name: str, arrival: Arrival, entries: list[InterfaceAddress]) -> None:
        server = self.server
        try:
            sock = udp_socket(SocketSpec.of(server, self.reuse_port), interface=name)
        except OSError as error:
            log.error("interface_bind_failed", interface=name, port=server.port, error=str(error))
            return
        endpoint = await self._open(sock, arrival, name, entries)
        self.endpoints[name] = endpoint
        self.indexes[name] = entries[0].index
        log.info(
            "interface_added",
            interface=name,
            addresses=_texts(entries),
            server_id=dotted(arrival.server_id),
            replies_as_frames=endpoint.protocol.sender.frames is not None,
        )

    def _arrival(self, name: str, entries: list[InterfaceAddress]) -> Arrival:
        address = entries[0].address
        return Arrival(
            server_id=self.server.identifier(address).packed,
            interface=name,
            address=address.packed,
            refused=self.refused,
        )

    def _on_change(self) -> None:
        assert self._watch is not None
        drain(self._watch)
        if self._rescan is None:  # coalesce a burst of netlink events into one rescan
            self._rescan = asyncio.get_running_loop().call_later(RESCAN_DELAY, self._start_rescan)

    def _start_rescan(self) -> None:
        self._rescan = None
        task = asyncio.get_running_loop().create_task(self._resync())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _resync(self) -> None:
        try:
            await self.sync(list_ipv4_addresses())
        except OSError as error:
            log.error("interface_scan_failed", error=str(error))

    def close(self) -> None:
        if self._rescan is not None:
            self._rescan.cancel()
            self._rescan = None
        if self._watch is not None:
            asyncio.get_running_loop().remove_reader(self._watch)
            self._watch.close()
            self._watch = None
        super().close()


def _texts(entries: list[InterfaceAddress]) -> list[str]:
    return [f"{entry.address}/{entry.network.prefixlen}" for entry in entries]
