"""The receive queues, read once per tick: how long a request arriving now will wait, whether
the heaviest sources must be shed (`ReplyLimits.share`) and whether what is read is stale
(`ReplyLimits.stale`); the kernel's receive-queue drops, counted per socket.

Strategy: uvloop hands over a datagram without its arrival time (no ancillary data through its
transport), and reading the sockets ourselves with recvmsg to get SO_TIMESTAMPNS would cost
per packet what the flood path can least afford. Instead, every TICK, SO_MEMINFO gives each
socket's queued bytes and its drop counter (one getsockopt per socket per tick, nothing per
packet), and the datagrams handled since the last tick give the drain rate: queued / rate is
the wait of a request arriving now, which is also the age the head of the queue has when it is
read, since the queue is first in, first out. Above SHED_WAIT the sources over the fair share
are cut (halving it each tick, the heaviest first: max-min fairness, limits.py); above
`max_wait` whatever is read is dropped unread as stale until the queue is short again.
"""

import asyncio
import socket
import struct
import time
from collections.abc import Callable, Iterable

import structlog

from ..core.limits import UNSHED, ReplyLimits
from .stats import Statistics

log = structlog.get_logger("ucdhcp")

TICK = 0.01  # seconds between two readings of the queues
# Bytes of receive buffer one request takes (its skb's truesize): 1,280 for a datagram of up
# to ~500 bytes on Linux 6.1 (2,304 for 1,200 bytes). Dividing by the smaller figure counts
# large datagrams high, so a queue of them is shed a little early, never late.
TRUESIZE = 1280
SHED_WAIT = 0.01  # seconds of queue above which the heaviest sources are shed
SHED_BACKLOG = 64  # ... and at least this many requests queued (noise on a quiet queue)
SHARE_FLOOR = 32  # requests per second a source keeps while shedding: a phone asks ~1
CALM_SECONDS = 1.0  # an overload episode ends after this long without shedding or staleness
MIN_RATE = 1000.0  # requests/s assumed when none was handled in a tick (a stalled loop)
_SO_MEMINFO = getattr(socket, "SO_MEMINFO", 55)  # Linux >= 3.9; missing from Python's socket
_MEMINFO = struct.Struct("9I")  # SK_MEMINFO_RMEM_ALLOC is [0], SK_MEMINFO_DROPS [8]
_SHED_CAUSES = ("over_fair_share", "stale", "sender_over_limit")


def queue_state(sock: socket.socket) -> tuple[int, int]:
    """(bytes queued for reading, datagrams the kernel dropped since it opened) of a socket."""
    info = _MEMINFO.unpack(sock.getsockopt(socket.SOL_SOCKET, _SO_MEMINFO, _MEMINFO.size))
    return info[0], info[8]


class QueueWatch:
    """Started with the service; `sockets` lists (name, socket) of the open listeners."""

    def __init__(
        self,
        limits: ReplyLimits,
        stats: Statistics,
        sockets: Callable[[], Iterable[tuple[str, socket.socket]]],
        max_wait: float,
    ) -> None:
        self.limits = limits
        self.stats = stats
        self.sockets = sockets
        self.max_wait = max_wait
        self.wait = 0.0  # the last estimate, seconds
        self.queued = 0  # bytes, all sockets, at the last tick
        self._drops: dict[str, tuple[int, int]] = {}  # name -> (socket fd, its last counter)
        self._handled = 0
        self._at = time.monotonic()
        self._episode: tuple[float, dict[str, int]] | None = None  # start, counts at start
        self._calm_since = 0.0
        self._timer: asyncio.TimerHandle | None = None

    def start(self) -> None:
        self._handled, self._at = self._handled_total(), time.monotonic()
        self._timer = asyncio.get_running_loop().call_later(TICK, self.tick)

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self.limits.share, self.limits.stale = UNSHED, False

    def tick(self) -> None:
        now = time.monotonic()
        self.queued = self._read_sockets()
        handled = self._handled_total()
        rate = (handled - self._handled) / max(now - self._at, 1e-6)
        self._handled, self._at = handled, now
        backlog = self.queued / TRUESIZE
        self.wait = backlog / max(rate, MIN_RATE)
        self.adjust(self.wait, backlog, now)
        share = self.limits.share
        queue = self.stats.queue
        queue["queued_bytes"] = self.queued
        queue["wait_ms"] = round(self.wait * 1000, 1)
        queue["fair_share"] = 0 if share == UNSHED else share
        queue["stale"] = 1 if self.limits.stale else 0
        self._timer = asyncio.get_running_loop().call_later(TICK, self.tick)

    def adjust(self, wait: float, backlog: float, now: float) -> None:
        """Set the share and the stale flag from the queue's wait (seconds) and length."""
        limits = self.limits
        limits.stale = wait > self.max_wait
        share = limits.share
        if wait > SHED_WAIT and backlog > SHED_BACKLOG:
            # Halve the share from the heaviest source's count: the heaviest are cut first,
            # and within a few ticks every source above what the queue can take.
            limits.share = max(SHARE_FLOOR, min(share, limits.heaviest) // 2)
        elif share != UNSHED:
            # Grow back a quarter a tick; once no source is held at it, stop shedding.
            limits.share = UNSHED if limits.heaviest < share else share + share // 4 + 1
        self._follow_episode(now)

    def _follow_episode(self, now: float) -> None:
        limits = self.limits
        troubled = limits.stale or limits.share != UNSHED
        if troubled:
            self._calm_since = now
            if self._episode is None:
                self._episode = (now, self._dropped())
                log.warning(
                    "overload_started",
                    queued_bytes=self.queued,
                    wait_ms=round(self.wait * 1000, 1),
                    stale=limits.stale,
                    share=None if limits.share == UNSHED else limits.share,
                )
        elif self._episode is not None and now - self._calm_since >= CALM_SECONDS:
            started, before = self._episode
            self._episode = None
            after = self._dropped()
            log.warning(
                "overload_ended",
                seconds=round(self._calm_since - started, 2),
                dropped={cause: after[cause] - before.get(cause, 0) for cause in after},
            )

    def _dropped(self) -> dict[str, int]:
        ignored = self.stats.ignored
        counts = {cause: ignored.get(cause, 0) for cause in _SHED_CAUSES}
        counts["receive_queue_full"] = sum(self.stats.receive_drops.values())
        return counts

    def _handled_total(self) -> int:
        return sum(self.stats.by_type.values())

    def _read_sockets(self) -> int:
        queued = 0
        drops = self.stats.receive_drops
        for name, sock in self.sockets():
            try:
                in_queue, dropped = queue_state(sock)
            except OSError:
                continue  # closed under us (an interface went away)
            queued += in_queue
            fd, last = self._drops.get(name, (-1, 0))
            if sock.fileno() != fd or dropped < last:
                last = 0  # a new socket for this name: its counter starts again
            if dropped > last:
                drops[name] = drops.get(name, 0) + dropped - last
            self._drops[name] = (sock.fileno(), dropped)
        return queued
