"""Longest-prefix matching of an IPv4 address over a few networks: the site whose subnet holds
a phone's address (policy.py), and which of our addresses a frame on the link comes from
(runtime/sender.py). A handful of networks: a linear scan of (network, mask) integers, longest
prefix first, costs less per packet than any tree."""

import ipaddress
from collections.abc import Iterable
from typing import TypeVar

T = TypeVar("T")
Prefixes = tuple[tuple[int, int, T], ...]  # (network, netmask, value), longest prefix first


def longest_first(entries: Iterable[tuple[ipaddress.IPv4Network, T]]) -> Prefixes[T]:
    ordered = sorted(entries, key=lambda entry: -entry[0].prefixlen)  # stable: ties keep order
    return tuple((int(net.network_address), int(net.netmask), value) for net, value in ordered)


def lookup(prefixes: Prefixes[T], address: bytes) -> T | None:
    """The value of the longest prefix holding a 4-byte address, or None."""
    value = int.from_bytes(address, "big")
    for network, mask, found in prefixes:
        if value & mask == network:
            return found
    return None
