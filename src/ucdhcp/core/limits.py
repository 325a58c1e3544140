"""The [limits] at work, per one-second window, in fixed memory: requests admitted per source
(with the fair share and the stale flag the runtime sets while the receive queue is
overloaded) and replies per client, destination, relay and port. Pure: the service starts a
new window on a timer (runtime/limit_window.py), so no clock is read per packet.

What is counted, each with its own limit (0 turns one off):
- the client (chaddr): one phone or tool looping;
- the destination address a reply is unicast to (ciaddr or the datagram's source): a spoofed
  ciaddr or source cannot aim more than a phone's worth of replies at one victim;
- a relay (giaddr) or the broadcast address: shared by many phones, so a higher limit;
- a destination port other than 67/68 (a reply to a spoofed source's port): a flood cannot
  aim replies at one service (DNS, mDNS, ...) across many addresses;
- requests (not replies) from every source address, relays included, counted before the
  datagram is even parsed (`admit`): a host (no giaddr, or a giaddr from a source that is not
  a trusted relay) gets `requests_per_source` a second; a relay gets no fixed limit, but while the
  receive queue is overloaded (the runtime sets `share`, runtime/overload.py) every source
  above the fair share is dropped first, the heaviest soonest (max-min fairness: a source
  asking for less than its share gets all it asks). One host, whatever it puts in giaddr,
  cannot take the responder's time from phones that are booting.

Strategy: each kind of key is counted in a count-min sketch (Cormode and Muthukrishnan): DEPTH
rows of WIDTH cells (each at most 0xFFFF), a key's count being the smallest of its cells, one
per row, chosen by the key's hash (randomised per process, so a sender cannot aim at a phone's
cells). Memory is fixed whatever a flood sends: no table fills up, so nothing is evicted and
no new key is refused for want of room. A count can only be overestimated, by keys sharing all
DEPTH cells: with a flood of F keys per window each at the limit, a booting phone shares them
with probability about (F / WIDTH) ** DEPTH, so 5,000 keys at the limit (100,000 requests/s)
refuse it once in 3,000. Apart from the per-source request count, only replies that were
built are charged, so requests that draw no reply cannot use up anyone's allowance.
"""

import math
from dataclasses import dataclass
from typing import Final

from ..wire.message import CLIENT_PORT, SERVER_PORT

# DHCP's own ports: relays and clients, not a reflection target
DHCP_PORTS: Final = (SERVER_PORT, CLIENT_PORT)
WIDTH: Final = 1 << 16
DEPTH: Final = 3
_MASK: Final = WIDTH - 1
_CEILING: Final = 0xFFFF  # the most a cell counts
_SPREAD: Final = 0x9E3779B97F4A7C15  # 2**64 / the golden ratio (Fibonacci hashing)
# The 48 bits of a key's hash that pick its cells (16 per row): masked once, the index
# arithmetic stays within a machine word (compiled, a 64-bit hash is often a big int).
_DIGEST: Final = (1 << 16 * DEPTH) - 1
UNSHED: Final = 1 << 30  # `share` when nothing is shed: above any count
ANY_SOURCE: Final = "0.0.0.0"  # clients without an address: shared like a relay

# What `admit` decides (plain ints: the core's Reason lives above this module).
ADMITTED: Final = 0
OVER_LIMIT: Final = 1  # over requests_per_source
OVER_SHARE: Final = 2  # over the fair share while the receive queue is overloaded
STALE: Final = 3  # read after waiting longer than limits.max_wait


class Counts:
    """Approximate counts of any number of keys in DEPTH * WIDTH cells (1.5 MiB, taken on first
    use in a window); never below the true count.

    The cells are a list of ints, not an array("H") (384 KiB): compiled, a list is indexed in
    C and its small ints are shared, while each array read or write is a generic call that
    boxes the index; per reply that is ~0.1 us against ~0.3 us for each kind of key counted.

    Conservative update: a charge raises only the cells below the key's new count, so no cell
    exceeds the largest count of a key in it, which `charge` keeps within the limit (at most
    0xFFFF, config/model.py), and an estimate is off only by keys that reached the limit.
    """

    __slots__ = ("cells",)

    def __init__(self) -> None:
        self.cells: list[int] | None = None

    # Keys are passed as their hash(): str and bytes hashes are salted per process (a sender
    # cannot aim at a phone's cells) and spread over all 64 bits, which give the three rows
    # 16 bits each; an int key (a port) is multiplied by _SPREAD first, since it hashes to
    # itself.

    def charge(self, digest: int, limit: int) -> bool:
        """Count one for the key of `digest` (its hash) unless its count has reached `limit`;
        True when counted."""
        count = self.get(digest)
        if count >= limit or count == _CEILING:  # a limit above 0xFFFF counts as 0xFFFF
            return False
        self.raise_to(digest, count + 1)
        return True

    def get(self, digest: int) -> int:
        """The estimated count of the key of `digest` (its hash)."""
        cells = self.cells
        if cells is None:
            return 0
        # Two-argument min()s and no tuple: compiled, each is a comparison.
        lowest = min(cells[digest & _MASK], cells[WIDTH + ((digest >> 16) & _MASK)])
        return min(lowest, cells[2 * WIDTH + ((digest >> 32) & _MASK)])

    def raise_to(self, digest: int, count: int) -> None:
        """Raise the cells of the key of `digest` that are below `count` to it (conservative
        update: `count` is one more than the key's estimate, `get`)."""
        cells = self.cells
        if cells is None:
            cells = self.cells = [0] * (DEPTH * WIDTH)
        index = digest & _MASK
        cells[index] = max(cells[index], count)
        index = WIDTH + ((digest >> 16) & _MASK)
        cells[index] = max(cells[index], count)
        index = 2 * WIDTH + ((digest >> 32) & _MASK)
        cells[index] = max(cells[index], count)

    def clear(self) -> None:
        self.cells = None


@dataclass(frozen=True, slots=True)
class LimitSettings:
    """The config's [limits], each field named as there (config/model.py has the shipped
    defaults and the bounds). Here every default is off: 0 turns a limit off, and no request
    is too old by default."""

    replies_per_client: int = 0
    replies_per_destination: int = 0
    replies_per_relay: int = 0  # and the broadcast address
    replies_per_port: int = 0  # destination ports other than 67/68
    requests_per_source: int = 0  # requests, not replies; relays excepted (`admit`)
    max_wait: float = math.inf  # seconds in the receive queue (runtime/overload.py)


class Limits:
    __slots__ = (
        "clients",
        "destinations",
        "heaviest",
        "heaviest_source",
        "ports",
        "relays",
        "requests",
        "settings",
        "share",
        "sources",
        "sources_before",
        "stale",
        "windows",
    )

    def __init__(self, settings: LimitSettings) -> None:
        self.settings = settings  # a reload replaces it; the counts of the window are kept
        # One sketch per limit, each named as its setting: replies_per_client, ...
        self.clients = Counts()
        self.destinations = Counts()
        self.relays = Counts()  # and the broadcast address
        self.ports = Counts()
        self.requests = Counts()  # requests_per_source, keyed by source address
        # Set by the runtime from the receive queue (runtime/overload.py), read per request.
        self.share = UNSHED  # requests per window a source may have while overloaded
        self.stale = False  # the queue's head has waited too long: drop what is read
        self.sources = 0  # distinct sources this window (a count that went from 0 to 1)
        # ... and in the window before: a phone whose request waits in the queue behind a
        # flood has not been counted yet this window, but it was in the last one.
        self.sources_before = 0
        self.heaviest = 0  # the highest count of any source this window
        self.heaviest_source = ""  # the last source to reach it
        self.windows = 0  # windows started: the runtime spreads the share over each one

    def admit(self, source: str, relayed: bool, trusted: frozenset[str] | None) -> int:
        """Count one request from `source` before it is parsed; ADMITTED or why not.

        `relayed`: giaddr is set. A relayed request from a trusted relay (`trusted`, source
        addresses; None trusts every source) or from 0.0.0.0 speaks for many phones: no fixed
        limit, only the fair share. Anything else is one host's: `requests_per_source` too.
        """
        if self.stale:
            return STALE
        shared = (relayed and (trusted is None or source in trusted)) or source == ANY_SOURCE
        limit = 0 if shared else self.settings.requests_per_source
        # Counted even with no limit: when the queue overloads, the heaviest are known at once.
        digest = hash(source) & _DIGEST
        requests = self.requests
        count = requests.get(digest)
        if count == 0:
            self.sources += 1
        elif limit and count >= limit:
            return OVER_LIMIT
        elif count >= self.share and (self.sources > 1 or self.sources_before > 1):
            # Max-min: only a source above the share is cut, and never the only one asking
            # (a relay's boot storm alone is answered in full, however long it queues).
            return OVER_SHARE
        if count < _CEILING:
            count += 1
            requests.raise_to(digest, count)
            if count >= self.heaviest:
                self.heaviest = count
                self.heaviest_source = source
        return ADMITTED

    def requests_from(self, source: str) -> int:
        """The estimated count of requests admitted from `source` this window."""
        return self.requests.get(hash(source) & _DIGEST)

    def allow(self, chaddr: bytes, address: str, port: int, shared: bool) -> bool:
        """Charge one reply to its keys; False (nothing charged) when any is over its limit.

        `shared`: the address is a relay or the broadcast address, not one client's.
        """
        # All keys are checked before any is charged: a refused reply must not use up the
        # allowance of the keys that were still under their limits. Each key's cells are read
        # once: its estimate decides, and the charge raises its cells to one more.
        settings = self.settings
        client_limit = min(settings.replies_per_client, _CEILING)
        client = client_count = 0
        if client_limit:
            client = hash(chaddr) & _DIGEST
            client_count = self.clients.get(client)
            if client_count >= client_limit:
                return False
        addresses = self.relays if shared else self.destinations
        address_limit = min(
            settings.replies_per_relay if shared else settings.replies_per_destination, _CEILING
        )
        destination = address_count = 0
        if address_limit:
            destination = hash(address) & _DIGEST
            address_count = addresses.get(destination)
            if address_count >= address_limit:
                return False
        port_limit = 0 if port in DHCP_PORTS else settings.replies_per_port
        if port_limit and not self.ports.charge(port * _SPREAD & _DIGEST, port_limit):
            return False
        if client_limit:
            self.clients.raise_to(client, client_count + 1)
        if address_limit:
            addresses.raise_to(destination, address_count + 1)
        return True

    def new_window(self) -> None:
        for counts in (self.clients, self.destinations, self.relays, self.ports, self.requests):
            counts.clear()
        self.sources_before = self.sources
        self.sources = self.heaviest = 0
        self.windows += 1
