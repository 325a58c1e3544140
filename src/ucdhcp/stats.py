"""Counters of what the responder saw and did. Pure; one instance per server process.

Plain dict counters on the hot path (a Counter increment is one dict operation); exporters
read `snapshot()`.
"""

from collections import Counter
from typing import Any

from .responder import Ignored, Outcome, Reply
from .wire.message import MessageType

_TYPE_NAMES = {int(kind): kind.name.lower() for kind in MessageType}


class Statistics:
    __slots__ = ("ignored", "received", "replies", "send_errors", "sites")

    def __init__(self) -> None:
        self.received: Counter[str] = Counter()  # by DHCP message type
        self.replies: Counter[str] = Counter()  # by destination kind
        self.ignored: Counter[str] = Counter()  # by reason
        self.sites: Counter[str] = Counter()  # replies per site
        self.send_errors: Counter[str] = Counter()  # by errno name

    def record(self, outcome: Outcome) -> None:
        request = outcome.request
        if request is None:
            self.received["malformed"] += 1
        else:
            message_type = request.message_type
            name = "bootp" if message_type is None else _TYPE_NAMES.get(message_type, "unknown")
            self.received[name] += 1
        if type(outcome) is Reply:
            self.replies[outcome.destination.kind] += 1
            self.sites[outcome.site.name] += 1
        else:
            assert isinstance(outcome, Ignored)
            self.ignored[outcome.reason] += 1

    def snapshot(self) -> dict[str, Any]:
        return {
            "received": dict(self.received),
            "replies": dict(self.replies),
            "ignored": dict(self.ignored),
            "sites": dict(self.sites),
            "send_errors": dict(self.send_errors),
        }
