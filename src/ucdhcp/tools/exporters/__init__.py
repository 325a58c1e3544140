"""Writers of other DHCP servers' configurations carrying exactly ucdhcp's option bytes: one
module per format, each a `render(ExportPlan) -> str`."""

from collections.abc import Callable, Mapping
from types import MappingProxyType

from . import cisco_ios, dnsmasq, isc_dhcpd, kea, netsh, powershell
from .plan import ExportError, ExportPlan

FORMATS: Mapping[str, Callable[[ExportPlan], str]] = MappingProxyType(
    {
        "netsh": netsh.render,
        "powershell": powershell.render,
        "isc-dhcpd": isc_dhcpd.render,
        "kea": kea.render,
        "dnsmasq": dnsmasq.render,
        "cisco-ios": cisco_ios.render,
    }
)
NEEDS_SUBNETS = frozenset({"kea", "dnsmasq", "cisco-ios"})

__all__ = ["FORMATS", "NEEDS_SUBNETS", "ExportError", "ExportPlan"]
