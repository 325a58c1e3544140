"""Abuse limits on replies, per one-second window, in bounded memory. Pure: the service starts
a new window on a timer, so the per-packet cost is a few dictionary updates.

What is counted, each with its own limit (0 turns one off):
- the client (chaddr): one phone or tool looping;
- the destination address a reply is unicast to (ciaddr or the datagram's source): a spoofed
  ciaddr or source cannot aim more than a phone's worth of replies at one victim;
- a relay (giaddr) or the broadcast address: shared by many phones, so a higher limit;
- a destination port other than 67/68 (a reply to a spoofed source's port): a flood cannot
  aim replies at one service (DNS, mDNS, ...) across many addresses.

Strategy: fixed windows rather than token buckets (no clock read per packet). Only replies that
were built are charged, so requests that draw no reply cannot fill the tables. A table that is
full starts over (every key evicted) instead of refusing keys it does not know: memory stays
bounded and a booting phone is never turned away because a flood of distinct keys came first.
The price is that a key's count restarts after `max_keys` distinct other keys in one window.
"""

from collections.abc import Hashable
from typing import TypeVar

_K = TypeVar("_K", bound=Hashable)
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
        "per_shared",
        "ports",
        "shared",
    )

    def __init__(
        self,
        per_client: int,
        per_destination: int,
        per_shared: int = 0,
        per_port: int = 0,
        max_keys: int = 65536,
    ) -> None:
        self.per_client = per_client  # 0: no limit
        self.per_destination = per_destination
        self.per_shared = per_shared
        self.per_port = per_port
        self.max_keys = max_keys
        self.clients: dict[bytes, int] = {}
        self.addresses: dict[str, int] = {}
        self.shared: dict[str, int] = {}
        self.ports: dict[int, int] = {}
        self.evictions = 0  # tables started over because they were full

    def allow(self, chaddr: bytes, address: str, port: int, shared: bool) -> bool:
        """Charge one reply to its keys; False (nothing charged) when any is over its limit.

        `shared`: the address is a relay or the broadcast address, not one client's.
        """
        # Written out rather than through a helper: this runs for every reply.
        client_limit = self.per_client
        clients = self.clients
        client_count = clients.get(chaddr, 0) if client_limit else 0
        if client_limit and client_count >= client_limit:
            return False
        address_limit = self.per_shared if shared else self.per_destination
        addresses = self.shared if shared else self.addresses
        address_count = addresses.get(address, 0) if address_limit else 0
        if address_limit and address_count >= address_limit:
            return False
        port_limit = self.per_port if port not in SHARED_PORTS else 0
        ports = self.ports
        port_count = ports.get(port, 0) if port_limit else 0
        if port_limit and port_count >= port_limit:
            return False
        if client_limit:
            self._charge(clients, chaddr, client_count)
        if address_limit:
            self._charge(addresses, address, address_count)
        if port_limit:
            self._charge(ports, port, port_count)
        return True

    def _charge(self, table: dict[_K, int], key: _K, count: int) -> None:
        if not count and len(table) >= self.max_keys:
            table.clear()  # evict rather than refuse (see Strategy)
            self.evictions += 1
        table[key] = count + 1

    def new_window(self) -> None:
        self.clients.clear()
        self.addresses.clear()
        self.shared.clear()
        self.ports.clear()
