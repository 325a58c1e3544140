"""The receive queues, read once per tick: how long a request arriving now will wait, whether
the heaviest sources must be shed (`Limits.share`) and whether what is read is stale
(`Limits.stale`); the kernel's receive-queue drops, counted per socket.

Strategy: uvloop hands over a datagram without its arrival time (no ancillary data through its
transport), and reading the sockets ourselves with recvmsg to get SO_TIMESTAMPNS would cost
per packet what the flood path can least afford. Instead, every TICK, SO_MEMINFO gives each
socket's queued bytes and its drop counter (one getsockopt per socket per tick, nothing per
packet), and the datagrams handled since the last tick give the drain rate: queued / rate is
the wait of a request arriving now, which is also the age the head of the queue has when it is
read, since the queue is first in, first out. Above SHED_WAIT the sources over the fair share
are cut (the share is a quarter of the heaviest source's rate, then a quarter of itself each
overloaded tick, never below SHARE_FLOOR: the heaviest first, max-min fairness, limits.py); above
`max_wait` whatever is read is dropped unread as stale until the queue is short again.
"""

import asyncio
import socket
import struct
import time
from collections.abc import Callable, Iterable

import structlog

from ..core.limits import ANY_SOURCE, UNSHED, Limits
from ..core.responder import Reason
from .source_filter import MAX_SOURCES, attach, detach
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
SPREAD_AHEAD = 0.1  # seconds of share a source may use ahead of the window's clock
CALM_SECONDS = 1.0  # an overload episode ends after this long without shedding or staleness
MIN_RATE = 1000.0  # requests/s assumed when none was handled in a tick (a stalled loop)
_SO_MEMINFO = getattr(socket, "SO_MEMINFO", 55)  # Linux >= 3.9; missing from Python's socket
_MEMINFO = struct.Struct("9I")  # SK_MEMINFO_RMEM_ALLOC is [0], SK_MEMINFO_DROPS [8]
_SHED_CAUSES = (Reason.OVER_FAIR_SHARE, Reason.STALE, Reason.SENDER_OVER_LIMIT)


def rcvbuf_errors(snmp: str = "/proc/net/snmp") -> int | None:
    """The network namespace's UDP RcvbufErrors: datagrams dropped for a full receive queue,
    on every UDP socket (None if unreadable)."""
    try:
        with open(snmp, encoding="ascii") as lines:
            udp = [line.split() for line in lines if line.startswith("Udp:")]
        return int(udp[1][udp[0].index("RcvbufErrors")])
    except (OSError, ValueError, IndexError):
        return None


def queue_state(sock: socket.socket) -> tuple[int, int]:
    """(bytes queued for reading, datagrams the kernel dropped since it opened) of a socket."""
    info = _MEMINFO.unpack(sock.getsockopt(socket.SOL_SOCKET, _SO_MEMINFO, _MEMINFO.size))
    return info[0], info[8]


def split_drops(dropped: int, full_queue: int | None) -> dict[str, int]:
    """A socket's kernel drops by cause. The kernel counts filter drops and full-queue drops
    together (sk_drops); `full_queue` is how much the namespace's UDP RcvbufErrors grew
    meanwhile, None when no filter was ever attached or it cannot be read: all the queue's."""
    full = dropped if full_queue is None else min(max(full_queue, 0), dropped)
    return {"queue_full": full, "source_filter": dropped - full}


class QueueWatch:
    """Started with the service; `sockets` lists (name, socket) of the open listeners."""

    def __init__(
        self,
        limits: Limits,
        stats: Statistics,
        sockets: Callable[[], Iterable[tuple[str, socket.socket]]],
    ) -> None:
        self.limits = limits
        self.stats = stats
        self.sockets = sockets
        self.wait = 0.0  # the last estimate, seconds
        self.queued = 0  # bytes, all sockets, at the last tick
        self._drops: dict[str, tuple[int, int]] = {}  # name -> (socket fd, its last counter)
        self._handled = 0
        self._at = time.monotonic()
        self._episode: tuple[float, dict[str, int]] | None = None  # start, counts at start
        self._calm_since = 0.0
        self._filtered_before = 0
        self._held_at = 0.0  # when a source was last held at the share
        self.target = UNSHED  # the fair share, requests per second per source
        self._window, self._window_at = -1, 0.0  # the limits' window and when it started
        # Sources dropped in the kernel (source_filter.py): address -> when last held.
        self.filtered: dict[str, float] = {}
        self.filtered_total = 0
        self._filter_version = 0
        self._filtered_sockets: dict[str, tuple[int, int]] = {}  # name -> (fd, version)
        self._rcvbuf_errors = 0  # the namespace's UDP RcvbufErrors at the last reading
        self._timer: asyncio.TimerHandle | None = None

    def start(self) -> None:
        self._handled, self._at = self._handled_total(), time.monotonic()
        self._timer = asyncio.get_running_loop().call_later(TICK, self.tick)

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self.filtered.clear()
        self.limits.share, self.limits.stale, self.target = UNSHED, False, UNSHED

    def tick(self) -> None:
        now = time.monotonic()
        self.queued = self._read_sockets()
        handled = self._handled_total()
        rate = (handled - self._handled) / max(now - self._at, 1e-6)
        self._handled, self._at = handled, now
        backlog = self.queued / TRUESIZE
        self.wait = backlog / max(rate, MIN_RATE)
        self.adjust(self.wait, backlog, now)
        self._follow_filter(now)
        share = self.target
        queue = self.stats.queue
        queue["queued_bytes"] = self.queued
        queue["wait_ms"] = round(self.wait * 1000, 1)
        queue["fair_share"] = 0 if share == UNSHED else share
        queue["stale"] = 1 if self.limits.stale else 0
        queue["filtered_sources"] = len(self.filtered)
        self._timer = asyncio.get_running_loop().call_later(TICK, self.tick)

    def adjust(self, wait: float, backlog: float, now: float) -> None:
        """Set the share and the stale flag from the queue's wait (seconds) and length."""
        limits = self.limits
        limits.stale = wait > limits.settings.max_wait
        if limits.windows != self._window:
            self._window, self._window_at = limits.windows, now
        target = self.target
        held = limits.heaviest >= limits.share
        if wait > SHED_WAIT and backlog > SHED_BACKLOG:
            # A quarter of the heaviest source's rate (or of the share): the heaviest are cut
            # first, and within two or three ticks every source above what the queue takes.
            reached = limits.heaviest / max(now - self._window_at, TICK)
            target = max(SHARE_FLOOR, int(min(target, reached)) // 4)
            self._held_at = now
            self._filter_heaviest(now)
        elif target != UNSHED:
            if held and wait < SHED_WAIT / 4:
                # Someone is held at the share and the queue is short: give a little more
                # (1% a tick), so the share settles just below what makes the queue grow.
                target += target // 128 + 1
            if held:
                self._held_at = now
            elif now - self._held_at >= CALM_SECONDS:
                target = UNSHED  # nobody held for a while: stop shedding
        self.target = target
        # The share is a count per one-second window (limits.py), spread over the window as
        # it passes: a source gets its requests/s evenly, never all at the window's start.
        elapsed = min(now - self._window_at + SPREAD_AHEAD, 1.0)
        limits.share = UNSHED if target == UNSHED else max(2, int(target * elapsed))
        self._follow_episode(now)

    def _filter_heaviest(self, now: float) -> None:
        # The heaviest source, already over its share while the queue is overloaded, is
        # dropped in the kernel from now on (but a sample): never the only source asking.
        limits = self.limits
        source = limits.heaviest_source
        if (
            source
            and source != ANY_SOURCE
            and source not in self.filtered
            and len(self.filtered) < MAX_SOURCES
            and limits.heaviest >= limits.share
            and limits.requests_from(source) >= limits.share
            and (limits.sources > 1 or limits.sources_before > 1)
        ):
            if not self.filtered:  # from now on, drops are split by RcvbufErrors
                self._rcvbuf_errors = rcvbuf_errors() or 0
            self.filtered[source] = now
            self.filtered_total += 1
            self._filter_version += 1

    def _follow_filter(self, now: float) -> None:
        # A filtered source stays filtered while its sample alone keeps it at its share.
        limits = self.limits
        for source, held_at in list(self.filtered.items()):
            if limits.share != UNSHED and limits.requests_from(source) >= limits.share:
                self.filtered[source] = now
            elif now - held_at >= CALM_SECONDS:
                del self.filtered[source]
                self._filter_version += 1
        for name, sock in self.sockets():
            if self._filtered_sockets.get(name) != (sock.fileno(), self._filter_version):
                self._set_filter(name, sock)

    def _set_filter(self, name: str, sock: socket.socket) -> None:
        try:
            if self.filtered:
                attach(sock, [socket.inet_aton(source) for source in self.filtered])
            else:
                detach(sock)
        except OSError as error:  # a socket closing under us; or no BPF in this kernel
            log.warning("source_filter_failed", socket=name, error=str(error))
            self.filtered.clear()
        self._filtered_sockets[name] = (sock.fileno(), self._filter_version)

    def _follow_episode(self, now: float) -> None:
        limits = self.limits
        troubled = limits.stale or self.target != UNSHED
        if troubled:
            self._calm_since = now
            if self._episode is None:
                self._episode = (now, self._dropped())
                self._filtered_before = self.filtered_total
                log.warning(
                    "overload_started",
                    queued_bytes=self.queued,
                    wait_ms=round(self.wait * 1000, 1),
                    stale=limits.stale,
                    share=None if self.target == UNSHED else self.target,
                )
        elif self._episode is not None and now - self._calm_since >= CALM_SECONDS:
            started, before = self._episode
            self._episode = None
            after = self._dropped()
            log.warning(
                "overload_ended",
                seconds=round(self._calm_since - started, 2),
                dropped={cause: after[cause] - before.get(cause, 0) for cause in after},
                filtered_sources=self.filtered_total - self._filtered_before,
            )

    def _dropped(self) -> dict[str, int]:
        ignored = self.stats.ignored
        counts = {str(cause): ignored.get(cause, 0) for cause in _SHED_CAUSES}
        counts.update(self.stats.receive_drops)  # queue_full, source_filter
        return counts

    def _handled_total(self) -> int:
        return sum(self.stats.by_type.values())

    def _read_sockets(self) -> int:
        queued = dropped_now = 0
        for name, sock in self.sockets():
            try:
                in_queue, dropped = queue_state(sock)
            except OSError:
                continue  # closed under us (an interface went away)
            queued += in_queue
            fd, last = self._drops.get(name, (-1, 0))
            if sock.fileno() != fd or dropped < last:
                last = 0  # a new socket for this name: its counter starts again
            dropped_now += max(dropped - last, 0)
            self._drops[name] = (sock.fileno(), dropped)
        if dropped_now:
            self._count_drops(dropped_now)
        return queued

    def _count_drops(self, dropped: int) -> None:
        # RcvbufErrors is read only once a filter has been used (a file read per tick).
        full_queue = None
        if self._filter_version:
            errors = rcvbuf_errors()
            if errors is not None:
                full_queue, self._rcvbuf_errors = errors - self._rcvbuf_errors, errors
        drops = self.stats.receive_drops
        for cause, count in split_drops(dropped, full_queue).items():
            if count:
                drops[cause] = drops.get(cause, 0) + count
