"""Abuse limits on replies: at most N replies per second per client (chaddr) and, when
configured, per destination address, in bounded memory. Pure: the service starts a new
one-second window on a timer, so the per-packet cost is two dictionary updates.

Strategy: fixed windows rather than token buckets (no clock read per packet). Each window
tracks at most `max_keys` keys; beyond that, new keys are let through uncounted, so a flood
of distinct spoofed keys cannot grow memory, and each of those keys still gets one reply.
"""

from typing import TypeVar


class ReplyLimits:
    __slots__ = ("clients", "destinations", "max_keys", "per_client", "per_destination")

    def __init__(self, per_client: int, per_destination: int, max_keys: int = 65536) -> None:
        self.per_client = per_client  # 0: no limit
        self.per_destination = per_destination  # 0: no limit
        self.max_keys = max_keys
        self.clients: dict[bytes, int] = {}
        self.destinations: dict[str, int] = {}

    def allow(self, chaddr: bytes, destination: str) -> bool:
        """Count one reply; False when either key is over its limit in this window."""
        return _admit(self.clients, chaddr, self.per_client, self.max_keys) and _admit(
            self.destinations, destination, self.per_destination, self.max_keys
        )

    def new_window(self) -> None:
        self.clients.clear()
        self.destinations.clear()


Key = TypeVar("Key", bytes, str)


def _admit(counts: dict[Key, int], key: Key, limit: int, max_keys: int) -> bool:
    if not limit:
        return True
    count = counts.get(key, 0)
    if count >= limit:
        return False
    if count or len(counts) < max_keys:
        counts[key] = count + 1
    return True
