"""asyncio glue: the UDP socket, datagram_received -> respond -> sendto, counters and one log
event per decision when asked. No DHCP rules live here."""

import asyncio
import errno
import os
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import structlog

from .events import describe
from .ratelimit import KeyedRateLimit
from .responder import Arrival, Ignored, Outcome, Reply, Responder
from .stats import Statistics

log = structlog.get_logger("ucdhcp")
_SO_RCVBUFFORCE = getattr(socket, "SO_RCVBUFFORCE", 33)  # Linux; missing from typeshed


class BindError(Exception):
    """The listening socket could not be opened; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class Listener:
    address: str
    port: int
    receive_buffer: int
    reuse_port: bool = False  # one of several worker processes sharing the port


def share_port(sock: socket.socket, listener: Listener) -> None:
    # SO_REUSEPORT: the kernel spreads datagrams over the workers' sockets by flow hash.
    if listener.reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)


def open_socket(listener: Listener) -> socket.socket:
    """A non-blocking UDP socket bound to the listener, able to send broadcasts.

    Raises:
        BindError: the port is taken by another server, or privileges are missing.
    """
    if not listener.reuse_port:  # workers: the supervisor checked before starting them
        refuse_if_taken(listener)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)  # 255.255.255.255 replies
        share_port(sock, listener)
        set_receive_buffer(sock, listener.receive_buffer)
        sock.bind((listener.address, listener.port))
    except OSError as error:
        sock.close()
        raise BindError(_bind_failure(listener, error)) from error
    sock.setblocking(False)
    return sock


def refuse_if_taken(listener: Listener) -> None:
    # SO_REUSEADDR lets a UDP bind succeed next to another server that also set it, which would
    # silently split the traffic. A probe without it finds such a server first.
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.bind((listener.address, listener.port))
    except OSError as error:
        raise BindError(_bind_failure(listener, error)) from error
    finally:
        probe.close()


def set_receive_buffer(sock: socket.socket, size: int) -> None:
    # A boot storm arrives faster than one core drains it; SO_RCVBUFFORCE (root or
    # CAP_NET_ADMIN) ignores net.core.rmem_max, SO_RCVBUF is capped by it.
    try:
        sock.setsockopt(socket.SOL_SOCKET, _SO_RCVBUFFORCE, size)
    except OSError:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, size)
    # The kernel reports twice what it grants (socket(7)): half is the usable figure.
    granted = sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF) // 2
    if granted < size:
        log.warning(
            "receive_buffer_capped",
            requested=size,
            granted=granted,
            message="a boot storm may overflow the socket: raise net.core.rmem_max"
            f" (sysctl -w net.core.rmem_max={size}) or grant CAP_NET_ADMIN",
        )


def _bind_failure(listener: Listener, error: OSError) -> str:
    where = f"{listener.address}:{listener.port}"
    if error.errno == errno.EADDRINUSE:
        return (
            f"UDP {where} is already in use: another DHCP server"
            " (dnsmasq, Kea, dhcpd, a second ucdhcp) runs here"
        )
    if error.errno == errno.EACCES:
        # setcap must name the real file: a venv's python is usually a symlink to the system's.
        interpreter = os.path.realpath(sys.executable)
        return (
            f"cannot bind UDP {where}: ports below 1024 need root or CAP_NET_BIND_SERVICE:"
            " run it with sudo, as the systemd unit (systemd/ucdhcp.service) or in the container"
            " image, or give the interpreter the capability with"
            f" `sudo setcap cap_net_bind_service=+ep {interpreter}` (every program it runs gets it)"
        )
    if error.errno == errno.EADDRNOTAVAIL:
        return f"cannot bind UDP {where}: no interface has address {listener.address}"
    return f"cannot bind UDP {where}: {error.strerror or error}"


class ResponderProtocol(asyncio.DatagramProtocol):
    """One socket's datagrams through the responder. Never raises out of a callback."""

    def __init__(self, responder: Responder, arrival: Arrival, stats: Statistics) -> None:
        self.responder = responder
        self.arrival = arrival
        self.stats = stats
        # Set to log.info / log.debug to log each request; `ignored_limit` rate-limits the
        # request_ignored events per reason.
        self.request_log: Callable[..., Any] | None = None
        self.ignored_limit: KeyedRateLimit | None = None
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's UDPTransport does not subclass asyncio.DatagramTransport but implements it.
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        outcome = self.responder.respond(data, addr, self.arrival)
        self.stats.record(outcome)
        if type(outcome) is Reply and self.transport is not None:
            destination = outcome.destination
            try:
                self.transport.sendto(outcome.payload, (destination.address, destination.port))
            except OSError as error:  # uvloop raises some errors directly instead of reporting them
                self.error_received(error)
        if self.request_log is not None:
            self._log(outcome, addr)

    def _log(self, outcome: Outcome, addr: tuple[str, int]) -> None:
        assert self.request_log is not None
        limit = self.ignored_limit
        suppressed = 0
        if type(outcome) is Ignored and limit is not None:
            reason = outcome.reason
            if not limit.allow(reason, time.monotonic()):
                return
            suppressed = limit.suppressed.pop(reason, 0)
        event, fields = describe(outcome, addr)
        if suppressed:
            fields["suppressed_before"] = suppressed  # events of this reason not logged
        self.request_log(event, **fields)

    def error_received(self, exc: Exception) -> None:
        # ICMP port unreachable from a phone that left, ENOBUFS under load, EPERM from a
        # firewall: counted, and logged on the 1st, 2nd, 4th, 8th... occurrence so a storm of
        # them cannot flood the log.
        code = getattr(exc, "errno", None)
        name = (
            errno.errorcode.get(code, type(exc).__name__)
            if isinstance(code, int)
            else type(exc).__name__
        )
        self.stats.send_errors[name] += 1
        count = self.stats.send_errors[name]
        if count & (count - 1) == 0:
            log.warning("socket_error", error=name, detail=str(exc), count=count)

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
