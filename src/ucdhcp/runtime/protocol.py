"""asyncio glue: one socket's datagrams -> respond -> send, counted, and logged when asked.
No DHCP rules live here."""

import asyncio
import errno
from typing import cast

import structlog

from ..core.responder import Arrival, Reply, Responder
from .request_log import RequestLog
from .sender import ReplySender
from .stats import Statistics
from .stats import count as increment

log = structlog.get_logger("ucdhcp")
MAX_HELD_OFFERS = 1024


class Handling:
    """What every socket's protocol shares: the responder (whose policy a reload swaps), the
    counters, and the request log (None when off; a reload swaps it the same way)."""

    __slots__ = ("request_log", "responder", "stats")

    def __init__(
        self, responder: Responder, stats: Statistics, request_log: RequestLog | None = None
    ) -> None:
        self.responder = responder
        self.stats = stats
        self.request_log = request_log


class ResponderProtocol(asyncio.DatagramProtocol):
    """One socket's datagrams through the responder. Never raises out of a callback.

    Replies go out through `sender` at once or are dropped (sender.py): the transport is only
    read from, so uvloop never holds a queue of replies.
    """

    def __init__(self, handling: Handling, arrival: Arrival, sender: ReplySender) -> None:
        self.handling = handling
        self.arrival = arrival  # read once per datagram: an interface change swaps it
        self.sender = sender
        self.transport: asyncio.DatagramTransport | None = None
        self.held: dict[Reply, asyncio.TimerHandle] = {}  # proxy OFFERs waiting their turn

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's UDPTransport does not subclass asyncio.DatagramTransport but implements it.
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        handling = self.handling
        outcome = handling.responder.respond(data, addr, self.arrival)
        handling.stats.record(outcome)
        dropped = None
        if type(outcome) is Reply:
            dropped = self._hold(outcome) if outcome.delay else self.sender.send(outcome)
        request_log = handling.request_log
        if request_log is not None:
            request_log.record(outcome, addr, dropped)

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

    def error_received(self, exc: Exception) -> None:
        # ICMP port unreachable from a phone that left, EPERM from a firewall: counted, and
        # logged on the 1st, 2nd, 4th, 8th... occurrence so a storm of them cannot flood the log.
        code = getattr(exc, "errno", None)
        name = (
            errno.errorcode.get(code, type(exc).__name__)
            if isinstance(code, int)
            else type(exc).__name__
        )
        stats = self.handling.stats
        count = increment(stats.send_errors, name)
        if count & (count - 1) == 0:
            log.warning("socket_error", error=name, detail=str(exc), count=count)

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        for timer in self.held.values():  # on stop, a held OFFER is not worth waiting for
            timer.cancel()
        self.held.clear()
