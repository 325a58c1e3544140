"""Abuse limits on replies: at most N replies per second per client (chaddr) and, when
configured, per destination address, in bounded memory. Pure: the service starts a new
one-second window on a timer, so the per-packet cost is two dictionary updates.

Strategy: fixed windows rather than token buckets (no clock read per packet). Each window
tracks at most `max_keys` keys; once full, replies to keys it does not already track are
refused until the next window (fail closed), so neither memory nor the limit can be beaten by
first flooding the table with distinct spoofed keys.
"""


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
        # Written out rather than shared through a helper: this runs for every reply.
        limit = self.per_client
        if limit:
            clients = self.clients
            count = clients.get(chaddr, 0)
            if count >= limit or (not count and len(clients) >= self.max_keys):
                return False
            clients[chaddr] = count + 1
        limit = self.per_destination
        if limit:
            destinations = self.destinations
            count = destinations.get(destination, 0)
            if count >= limit or (not count and len(destinations) >= self.max_keys):
                return False
            destinations[destination] = count + 1
        return True

    def new_window(self) -> None:
        self.clients.clear()
        self.destinations.clear()
