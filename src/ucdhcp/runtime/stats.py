"""Counters of what the responder saw and did. Pure; one instance per server process.

Plain dict counters on the hot path (a Counter increment is one dict operation); exporters
read `snapshot()`.
"""

from collections import Counter
from typing import Any

from ..core.responder import Ignored, Outcome, Reason, Reply
from ..wire.message import MessageType

_TYPE_NAMES = {int(kind): kind.name.lower() for kind in MessageType}


class Statistics:
    """A reply counts in `replies` only once the kernel took it; one that could not be sent
    counts in `dropped` instead, so the two always add up to the replies built."""

    __slots__ = ("by_type", "dropped", "ignored", "replies", "send_errors", "sites")

    def __init__(self) -> None:
        self.by_type: Counter[int | None] = Counter()  # DHCP message type, -1 malformed
        self.replies: Counter[str] = Counter()  # sent, by destination kind
        self.dropped: Counter[str] = Counter()  # built but not sent, by cause
        self.ignored: Counter[str] = Counter()  # by reason
        self.sites: Counter[str] = Counter()  # replies sent per site
        self.send_errors: Counter[str] = Counter()  # errors the socket reported later (ICMP)

    def record(self, outcome: Outcome) -> None:
        """Count a decision; a Reply is counted when it is sent (`sent`) or dropped (`drop`)."""
        request = outcome.request
        if request is not None:
            self.by_type[request.message_type] += 1
        if type(outcome) is not Reply:
            assert isinstance(outcome, Ignored)
            reason = outcome.reason
            self.ignored[reason] += 1
            if request is None:  # never parsed: malformed, or dropped unread
                self.by_type[-1 if reason is Reason.MALFORMED else -2] += 1

    def sent(self, reply: Reply) -> None:
        self.replies[reply.destination.kind] += 1
        self.sites[reply.site.name] += 1

    def drop(self, cause: str) -> int:
        """Count a reply that could not be sent; returns the count for that cause."""
        self.dropped[cause] += 1
        return self.dropped[cause]

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
        }


def _type_name(kind: int | None) -> str:
    if kind == -1:
        return "malformed"
    if kind == -2:
        return "unread"
    return "bootp" if kind is None else _TYPE_NAMES.get(kind, "unknown")
