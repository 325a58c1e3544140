"""Cisco IOS DHCP server pools, with option 120 and 43 as hex.

IOS silently truncates an `option 43 hex` string longer than 180 hex characters (90 bytes),
which breaks PIN sign-in once the web FQDN passes 23 characters (protocol.md §3). IOS accepts
hex bytes separated by spaces, so a longer value is written as several strings, each of at
most 90 bytes and each holding whole sub-options where possible.
"""

from ...wire.options import decode_suboptions, encode_suboptions
from ..lint import CISCO_HEX_LIMIT
from .plan import ExportPlan, header

TITLE = "Cisco IOS DHCP pools (configure terminal; add the option lines to existing pools)"


def hex_strings(data: bytes, whole_suboptions: bool) -> list[str]:
    """Hex strings of at most 90 bytes each, split at sub-option boundaries when asked."""
    if len(data) <= CISCO_HEX_LIMIT:
        return [data.hex().upper()]
    pieces = (
        [encode_suboptions((item,)) for item in decode_suboptions(data).items]
        if whole_suboptions
        else [data]
    )
    strings = []
    for piece in pieces:
        strings += [
            piece[i : i + CISCO_HEX_LIMIT].hex().upper()
            for i in range(0, len(piece), CISCO_HEX_LIMIT)
        ]
    return strings


def pool_name(site_name: str, index: int, count: int) -> str:
    return f"ucdhcp-{site_name}" + (f"-{index + 1}" if count > 1 else "")


def render(plan: ExportPlan) -> str:
    plan.check_lengths("Cisco IOS")
    sites = plan.subnet_sites("Cisco IOS")
    lines = header(plan, "!", TITLE, needs_subnets=True)
    lines.append(
        "! IOS pools cannot match option 60: every client of the pool that asks gets 120/43."
    )
    for site in sites:
        for index, network in enumerate(site.subnets):
            lines += [
                f"ip dhcp pool {pool_name(site.name, index, len(site.subnets))}",
                f" network {network.network_address} {network.netmask}",
                f" option 120 hex {' '.join(hex_strings(site.option_120, False))}",
                f" option 43 hex {' '.join(hex_strings(site.option_43, True))}",
            ]
    lines.append("end")
    return "\n".join(lines) + "\n"
