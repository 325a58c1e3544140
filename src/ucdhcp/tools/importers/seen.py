"""What an importer read from another server's configuration, before it becomes ucdhcp sites:
the places values apply (a scope, a subnet, the whole server) with their raw option 120 and 43
data, and what the reader saw but could not carry.

Strategy: every format's reader stops at raw bytes. Decoding, grouping into sites and judging
what ucdhcp can carry happen once, for all formats, in sites.py.
"""

import ipaddress
import re
from dataclasses import dataclass, field

from ...wire.options import encode_suboptions
from ...wire.vendor import VlanIdFormat
from ..inspection import parse_hex
from ..lint import Lint, Severity

# ucdhcp's exports open with "site NAME: option 120 HEX" and "site NAME: option 43  HEX"
_HEADER = re.compile(r"\bsite ([A-Za-z0-9_.-]+): option (120|43) +([0-9A-F]+)\r?$", re.M)


class UnreadableInputError(Exception):
    """The input cannot be read as the format at all; the message says why."""


@dataclass(frozen=True, slots=True)
class ScopeValues:
    """Where values apply and what they are; `subnet` None means server-wide (every client
    outside the listed scopes), which ucdhcp carries as the default site."""

    where: str  # how the report names it: "scope 10.1.2.0/24", "server level", "pool X"
    subnet: ipaddress.IPv4Network | None
    option_120: bytes | None
    option_43: bytes | None
    ntp_servers: tuple[str, ...] = ()
    vlan_id: int | None = None  # CPE-OCPHONE option 43 sub-option 10 (protocol.md §4)
    vlan_id_format: VlanIdFormat = VlanIdFormat.WORD


@dataclass(slots=True)
class Seen:
    """A reader's result: the scopes in the order met, findings, and site names that
    ucdhcp's own exports record in their header comments, keyed by the site's bytes."""

    format: str
    scopes: list[ScopeValues] = field(default_factory=list)
    findings: list[Lint] = field(default_factory=list)
    names: dict[tuple[bytes, bytes], str] = field(default_factory=dict)

    def note(self, code: str, message: str) -> None:
        self.findings.append(Lint(Severity.NOTE, code, message))

    def warn(self, code: str, message: str) -> None:
        self.findings.append(Lint(Severity.WARNING, code, message))

    def error(self, code: str, message: str) -> None:
        self.findings.append(Lint(Severity.ERROR, code, message))


def windows_option_43(suboptions: dict[int, bytes]) -> bytes:
    """Option 43 as a Windows server sends a vendor class's options: sub-options in code
    order (protocol.md §3), which is DHCPUtil's 1..5 layout."""
    return encode_suboptions(sorted(suboptions.items()))


def network(address: str, mask: str, what: str) -> ipaddress.IPv4Network:
    """The subnet of `address`/`mask` (host bits cleared: Windows scopes are named by their
    network address anyway).

    Raises:
        UnreadableInputError: not an IPv4 address and mask.
    """
    try:
        return ipaddress.IPv4Network(f"{address}/{mask}", strict=False)
    except ValueError:
        raise UnreadableInputError(f"{what}: {address} {mask} is not an IPv4 subnet") from None


def hex_bytes(text: str, what: str) -> bytes:
    """Hex digits with optional 0x, spaces, colons or commas between bytes.

    Raises:
        UnreadableInputError: not hex.
    """
    try:
        return parse_hex(text)
    except ValueError as error:
        raise UnreadableInputError(f"{what}: {error}") from None


def export_site_names(text: str) -> dict[tuple[bytes, bytes], str]:
    """Site names from the header of a ucdhcp export, keyed by (option 120, option 43) data;
    other servers' files have no such header and get names made up from their scopes."""
    values: dict[str, dict[str, bytes]] = {}
    for name, code, data in _HEADER.findall(text):
        values.setdefault(name, {})[code] = bytes.fromhex(data)
    return {
        (found["120"], found["43"]): name
        for name, found in values.items()
        if "120" in found and "43" in found
    }
