"""Readers of other DHCP servers' configurations, for `ucdhcp import`: one module per format,
each a `read(text) -> Seen` of raw option bytes; sites.py turns what was seen into sites and
findings, config_text.py into a config that `ucdhcp check` accepts.

Nothing in the input is executed or fetched: scripts are read as text, XML is parsed with
document type declarations refused (so no entity is ever expanded or loaded).
"""

import re
from collections.abc import Callable, Mapping
from types import MappingProxyType

from . import cisco_ios, dhcputil, dnsmasq, isc_dhcpd, kea, netsh, powershell, windows_xml
from .config_text import ConfigResult, build_config
from .seen import Seen, UnreadableInputError
from .sites import Imported, assemble

FORMATS: Mapping[str, Callable[[str], Seen]] = MappingProxyType(
    {
        "netsh": netsh.read,
        "powershell": powershell.read,
        "isc-dhcpd": isc_dhcpd.read,
        "kea": kea.read,
        "dnsmasq": dnsmasq.read,
        "cisco-ios": cisco_ios.read,
        "windows-xml": windows_xml.read,
        "dhcputil": dhcputil.read,
    }
)
# (format, what in the content gives it away), tried in order
_SIGNATURES = (
    ("windows-xml", re.compile(r"<DHCPServer\b")),
    (
        "dhcputil",
        re.compile(
            r"^\s*Sip Server FQDN\s*:|DHCPConfigScript(\.bat|\.cmd)?\"?\s+Configure\b", re.M | re.I
        ),
    ),
    ("kea", re.compile(r'"Dhcp4"\s*:')),
    ("powershell", re.compile(r"^\s*(Set|Add)-DhcpServerv4", re.M | re.I)),
    (
        "netsh",
        re.compile(
            r"^\s*(netsh\s+)?dhcp\s+server\b|^\s*Options for (Server|Scope)|^\s*OptionId\s*:",
            re.M | re.I,
        ),
    ),
    ("cisco-ios", re.compile(r"^\s*ip dhcp pool\b", re.M | re.I)),
    ("dnsmasq", re.compile(r"^\s*dhcp-(range|option|option-force|match)=", re.M)),
    ("isc-dhcpd", re.compile(r"^\s*(subnet\s+\S+\s+netmask|option\s+[\w.-]+\s+code\s+\d+)", re.M)),
)


def detect_format(text: str) -> str:
    """The format the content is written in.

    Raises:
        UnreadableInputError: no known format recognised.
    """
    for name, signature in _SIGNATURES:
        if signature.search(text):
            return name
    raise UnreadableInputError(
        "format not recognised; give it with -f (" + ", ".join(sorted(FORMATS)) + ")"
    )


def import_text(text: str, format_name: str | None = None) -> ConfigResult:
    """Read `text` (in `format_name`, or the detected one) into a checked config.

    Raises:
        UnreadableInputError: the text is not in the format, or holds a value that cannot be read.
    """
    name = format_name or detect_format(text)
    return build_config(assemble(FORMATS[name](text)))


__all__ = [
    "FORMATS",
    "ConfigResult",
    "Imported",
    "UnreadableInputError",
    "detect_format",
    "import_text",
]
