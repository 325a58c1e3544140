"""The host's IPv4 addresses as plain values (netlink.py reads them), and what follows from
them. Pure."""

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class InterfaceAddress:
    """One IPv4 address of one interface, as the kernel reports it (netlink.py)."""

    interface: str
    index: int
    address: ipaddress.IPv4Address
    network: ipaddress.IPv4Network

    @property
    def is_loopback(self) -> bool:
        return self.address.is_loopback


def subnet_edges(addresses: Sequence[InterfaceAddress]) -> frozenset[bytes]:
    """The network and broadcast addresses of every local subnet that has them (RFC 3021: a
    /31 has neither, a /32 is one host)."""
    edges: set[bytes] = set()
    for entry in addresses:
        network = entry.network
        if network.prefixlen <= 30 and not entry.is_loopback:
            edges.add(network.network_address.packed)
            edges.add(network.broadcast_address.packed)
    return frozenset(edges)


def served_interfaces(
    addresses: Sequence[InterfaceAddress], wanted: Sequence[str] | None
) -> dict[str, list[InterfaceAddress]]:
    """Interfaces to listen on: the configured ones, or every non-loopback one with IPv4."""
    served: dict[str, list[InterfaceAddress]] = {}
    for entry in addresses:
        chosen = entry.interface in wanted if wanted else not entry.is_loopback
        if chosen:
            served.setdefault(entry.interface, []).append(entry)
    return served
