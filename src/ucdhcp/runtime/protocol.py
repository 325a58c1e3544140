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

from ..core.responder import Arrival, Ignored, Outcome, Reply, Responder
from .request_log import describe
from .sender import ReplySender
from .throttle import KeyedRateLimit

log = structlog.get_logger("ucdhcp")
_SO_RCVBUFFORCE = getattr(socket, "SO_RCVBUFFORCE", 33)  # Linux; missing from typeshed
_REQUESTS = "requests"  # the one key of the request-volume limit
MAX_HELD_OFFERS = 1024


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
    """One socket's datagrams through the responder. Never raises out of a callback.

    Replies go out through `sender` at once or are dropped (sender.py): the transport is only
    read from, so uvloop never holds a queue of replies.
    """

    def __init__(self, responder: Responder, arrival: Arrival, sender: ReplySender) -> None:
        self.responder = responder
        self.arrival = arrival
        self.sender = sender
        self.stats = sender.stats
        # Set to log.info / log.debug to log each request; `request_limit` bounds the volume of
        # those events, `ignored_limit` the request_ignored events per reason.
        self.request_log: Callable[..., Any] | None = None
        self.request_limit: KeyedRateLimit | None = None
        self.ignored_limit: KeyedRateLimit | None = None
        self.transport: asyncio.DatagramTransport | None = None
        self.held: dict[Reply, asyncio.TimerHandle] = {}  # proxy OFFERs waiting their turn

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's UDPTransport does not subclass asyncio.DatagramTransport but implements it.
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        outcome = self.responder.respond(data, addr, self.arrival)
        self.stats.record(outcome)
        dropped = None
        if type(outcome) is Reply:
            dropped = self._hold(outcome) if outcome.delay else self.sender.send(outcome)
        if self.request_log is not None:
            self._log(outcome, addr, dropped)

    def _hold(self, reply: Reply) -> str | None:
        # A proxy OFFER waits so the lease server's OFFER reaches the client first
        # (replies.offer_delay); a bounded number wait, the rest are dropped and counted.
        if len(self.held) >= MAX_HELD_OFFERS:
            return self.sender.drop("held_offers_full")
        loop = asyncio.get_running_loop()
        self.held[reply] = loop.call_later(reply.delay, self._send_held, reply)
        return None

    def _send_held(self, reply: Reply) -> None:
        del self.held[reply]
        if self.transport is not None:
            self.sender.send(reply)

    def _log(self, outcome: Outcome, addr: tuple[str, int], dropped: str | None) -> None:
        assert self.request_log is not None
        now = time.monotonic()
        volume = self.request_limit
        if volume is not None and not volume.allow(_REQUESTS, now):
            return
        limit = self.ignored_limit
        suppressed = 0
        if type(outcome) is Ignored and limit is not None:
            reason = outcome.reason
            if not limit.allow(reason, now):
                return
            suppressed = limit.suppressed.pop(reason, 0)
        event, fields = describe(outcome, addr, dropped)
        if suppressed:
            fields["suppressed_before"] = suppressed  # events of this reason not logged
        if volume is not None and volume.suppressed:
            # request events left out by logging.requests_rate since the last one logged
            fields["not_logged_before"] = volume.suppressed.pop(_REQUESTS)
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
        for timer in self.held.values():  # on stop, a held OFFER is not worth waiting for
            timer.cancel()
        self.held.clear()
