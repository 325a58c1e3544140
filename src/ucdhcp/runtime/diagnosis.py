"""Start-up self-diagnosis: which interfaces are served, and what looks wrong. Pure: takes the
config, the policy and the host's addresses, returns findings; the caller logs or prints them.
"""

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from ..core.policy import Policy
from .addresses import InterfaceAddress, served_interfaces


class FindingLevel(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Finding:
    event: str  # snake_case log event name
    severity: FindingLevel
    message: str
    fields: dict[str, object] = field(default_factory=dict)


def diagnose(
    policy: Policy,
    addresses: Sequence[InterfaceAddress],
    wanted: Sequence[str] | None,
    links: frozenset[str] = frozenset(),
) -> list[Finding]:
    """Findings in a stable order: `wanted` is server.interfaces, `links` names every link,
    with or without IPv4."""
    served = served_interfaces(addresses, wanted)
    findings = [_served(name, entries) for name, entries in served.items()]
    present = links | {entry.interface for entry in addresses}
    for name in wanted or ():
        if name not in served:
            findings.append(_missing(name, name in present))
    if not served:
        findings.append(
            Finding(
                "no_interfaces",
                FindingLevel.WARNING,
                "no interface with an IPv4 address to serve yet; waiting for one",
            )
        )
    networks = [entry.network for entries in served.values() for entry in entries]
    relays_configured = bool(policy.trusted_relays)  # replies.trusted_relays lists some
    for site in policy.sites:
        unreachable = [s for s in site.subnets if not any(s.overlaps(n) for n in networks)]
        if site.subnets and len(unreachable) == len(site.subnets) and not relays_configured:
            findings.append(_unreachable(site.name, unreachable))
    return findings


def _served(name: str, entries: list[InterfaceAddress]) -> Finding:
    addresses = [f"{e.address}/{e.network.prefixlen}" for e in entries]
    return Finding(
        "interface_served",
        FindingLevel.INFO,
        f"serving {name} ({', '.join(addresses)})",
        {"interface": name, "addresses": addresses, "server_id": str(entries[0].address)},
    )


def _missing(name: str, exists: bool) -> Finding:
    if exists:
        return Finding(
            "interface_without_ipv4",
            FindingLevel.WARNING,
            f"interface {name} has no IPv4 address; it will be served once it gets one",
            {"interface": name},
        )
    return Finding(
        "interface_missing",
        FindingLevel.WARNING,
        f"configured interface {name} does not exist; it will be served if it appears",
        {"interface": name},
    )


def _unreachable(site: str, subnets: list[ipaddress.IPv4Network]) -> Finding:
    text = ", ".join(str(subnet) for subnet in subnets)
    return Finding(
        "site_unreachable",
        FindingLevel.WARNING,
        f"site {site}: subnets {text} are on no served interface and no relay is configured"
        " (replies.trusted_relays); phones there reach ucdhcp only through a DHCP relay",
        {"site": site, "subnets": [str(subnet) for subnet in subnets]},
    )
