"""Abuse limits on replies, per one-second window, in bounded memory. Pure: the service starts
a new window on a timer, so the per-packet cost is a few dictionary updates.

What is counted, each with its own limit (0 turns one off):
- the client (chaddr): one phone or tool looping;
- the destination address a reply is unicast to (ciaddr or the datagram's source): a spoofed
  ciaddr or source cannot aim more than a phone's worth of replies at one victim;
- a relay (giaddr) or the broadcast address: shared by many phones, so a higher limit;
- a destination port other than 67/68 (a reply to a spoofed source's port): a flood cannot
  aim replies at one service (DNS, mDNS, ...) across many addresses;
- requests (not replies) from one address that is not a relay, counted before the datagram
  is even parsed (`admit`): one host sending made-up chaddrs and ciaddrs, or requests that
  draw no reply, cannot take the responder's time from phones that are booting.

Strategy: fixed windows rather than token buckets (no clock read per packet). Apart from the
per-sender request count, only replies that were built are charged, so requests that draw no
reply cannot use up a phone's allowance. A table that is
full starts over (every key evicted) instead of refusing keys it does not know: memory stays
bounded and a booting phone is never turned away because a flood of distinct keys came first.
The price is that a key's count restarts after `max_keys` distinct other keys in one window.
"""

from collections.abc import Hashable

SHARED_PORTS = (67, 68)  # DHCP's own ports: relays and clients, not a reflection target


class ReplyLimits:
    __slots__ = (
        "addresses",
        "clients",
        "evictions",
        "max_keys",
        "per_client",
        "per_destination",
        "per_port",
        "per_sender",
        "per_shared",
        "ports",
        "senders",
        "shared",
    )

    def __init__(
        self,
        per_client: int,
        per_destination: int,
        per_shared: int = 0,
        per_port: int = 0,
        per_sender: int = 0,
        max_keys: int = 65536,
    ) -> None:
        self.per_client = per_client  # 0: no limit
        self.per_destination = per_destination
        self.per_shared = per_shared
        self.per_port = per_port
        self.per_sender = per_sender  # requests, not replies
        self.max_keys = max_keys
        self.clients: dict[Hashable, int] = {}
        self.addresses: dict[Hashable, int] = {}
        self.shared: dict[Hashable, int] = {}
        self.ports: dict[Hashable, int] = {}
        self.senders: dict[Hashable, int] = {}
        self.evictions = 0  # tables started over because they were full

    def admit(self, sender: str) -> bool:
        """Count one request from `sender` (not a relay); False when it is over its limit."""
        senders = self.senders
        count = senders.get(sender, 0)
        if count >= self.per_sender:
            return False
        if not count and len(senders) >= self.max_keys:
            senders.clear()  # evict rather than refuse (see Strategy)
            self.evictions += 1
        senders[sender] = count + 1
        return True

    def allow(self, chaddr: bytes, address: str, port: int, shared: bool) -> bool:
        """Charge one reply to its keys; False (nothing charged) when any is over its limit.

        `shared`: the address is a relay or the broadcast address, not one client's.
        """
        keys = (
            (self.clients, chaddr, self.per_client),
            (
                self.shared if shared else self.addresses,
                address,
                self.per_shared if shared else self.per_destination,
            ),
            (self.ports, port, 0 if port in SHARED_PORTS else self.per_port),
        )
        for table, key, limit in keys:
            if limit and table.get(key, 0) >= limit:
                return False
        for table, key, limit in keys:
            if limit:
                count = table.get(key, 0)
                if not count and len(table) >= self.max_keys:
                    table.clear()  # evict rather than refuse (see Strategy)
                    self.evictions += 1
                table[key] = count + 1
        return True

    def new_window(self) -> None:
        for table in (self.clients, self.addresses, self.shared, self.ports, self.senders):
            table.clear()
