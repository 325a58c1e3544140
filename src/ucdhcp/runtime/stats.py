"""Counters of what the responder saw and did. Pure; one instance per server process.

Plain dicts, not Counters, on the hot path: compiled (mypyc), a dict's get and set are direct
C calls, while a Counter, a Python subclass, goes through its slots; exporters read
`snapshot()`.
"""

from typing import Any, TypeVar

from ..core.responder import Ignored, Outcome, Reason, Reply
from ..wire.message import MessageType

_TYPE_NAMES = {int(kind): kind.name.lower() for kind in MessageType}


class Statistics:
    """A reply counts in `replies` only once the kernel took it; one that could not be sent
    counts in `dropped` instead, so the two always add up to the replies built."""

    __slots__ = (
        "by_type",
        "dropped",
        "ignored",
        "queue",
        "receive_drops",
        "replies",
        "send_errors",
        "sites",
    )

    def __init__(self) -> None:
        self.by_type: dict[int | None, int] = {}  # DHCP message type, -1 malformed
        self.replies: dict[str, int] = {}  # sent, by destination kind
        self.dropped: dict[str, int] = {}  # built but not sent, by cause
        self.ignored: dict[str, int] = {}  # by reason
        self.sites: dict[str, int] = {}  # replies sent per site
        self.send_errors: dict[str, int] = {}  # errors the socket reported later (ICMP)
        # Datagrams the kernel dropped, by cause: queue_full, source_filter (overload.py).
        self.receive_drops: dict[str, int] = {}
        # The receive queues at the last reading: bytes queued, estimated wait (ms), the fair
        # share (requests/s, 0: nothing shed), stale (1: requests read are dropped), the
        # sources filtered in the kernel.
        self.queue: dict[str, float] = {}

    def record(self, outcome: Outcome) -> None:
        """Count a decision; a Reply is counted when it is sent (`sent`) or dropped (`drop`)."""
        request = outcome.request
        if request is not None:
            count(self.by_type, request.message_type)
        if type(outcome) is not Reply:
            assert isinstance(outcome, Ignored)
            reason = outcome.reason
            count(self.ignored, reason)
            if request is None:  # never parsed: malformed, or dropped unread
                count(self.by_type, -1 if reason is Reason.MALFORMED else -2)

    def sent(self, reply: Reply) -> None:
        count(self.replies, reply.destination.kind)
        count(self.sites, reply.site.name)

    def drop(self, cause: str) -> int:
        """Count a reply that could not be sent; returns the count for that cause."""
        return count(self.dropped, cause)

    @property
    def received(self) -> dict[str, int]:
        """Requests by message type name (`malformed`, `bootp` for no option 53, `unread` for
        requests dropped before parsing)."""
        return {_type_name(kind): count for kind, count in self.by_type.items()}

    def snapshot(self) -> dict[str, Any]:
        return {
            "received": self.received,
            "replies": dict(self.replies),
            "dropped": dict(self.dropped),
            "ignored": dict(self.ignored),
            "sites": dict(self.sites),
            "send_errors": dict(self.send_errors),
            "receive_drops": dict(self.receive_drops),
            "queue": dict(self.queue),
        }


_Key = TypeVar("_Key")


def count(counts: dict[_Key, int], key: _Key) -> int:
    """One more of `key`; returns its new count."""
    total = counts.get(key, 0) + 1
    counts[key] = total
    return total


def _type_name(kind: int | None) -> str:
    if kind == -1:
        return "malformed"
    if kind == -2:
        return "unread"
    return "bootp" if kind is None else _TYPE_NAMES.get(kind, "unknown")
