"""Cisco IOS DHCP pools: `ip dhcp pool`, its `network ADDRESS MASK` (or /PREFIX), and
`option 120|43 hex ...` (several space-separated strings are one value) or `option ... ascii`.
"""

import re

from .seen import ScopeValues, Seen, UnreadableInputError, export_site_names, hex_bytes, network

_POOL = re.compile(r"^ip dhcp pool (\S+)", re.I)
_NETWORK = re.compile(r"^network (\S+?)(?:\s+|/)(\S+)", re.I)
_OPTION = re.compile(r"^option (?:ext )?(120|43) (hex|ascii|ip) (.+)$", re.I)


def read(text: str) -> Seen:
    """Raises UnreadableInputError when there is no `ip dhcp pool`."""
    seen = Seen("cisco-ios", names=export_site_names(text))
    pools: list[tuple[str, list[str], dict[int, bytes]]] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if match := _POOL.match(line):
            pools.append((match[1], [], {}))
        elif not pools or line.startswith("!"):
            continue
        elif match := _NETWORK.match(line):
            pools[-1][1].extend((match[1], match[2]))
        elif match := _OPTION.match(line):
            pools[-1][2][int(match[1])] = _value(match[2].lower(), match[3], number, seen)
    if not pools:
        raise UnreadableInputError("no `ip dhcp pool` found")
    for name, address_mask, values in pools:
        if not address_mask:
            seen.warn("pool_without_network", f"pool {name} has no network: left out")
            continue
        subnet = network(address_mask[0], address_mask[1], f"pool {name}")
        seen.scopes.append(ScopeValues(f"pool {name}", subnet, values.get(120), values.get(43)))
    return seen


def _value(kind: str, text: str, number: int, seen: Seen) -> bytes:
    if kind == "hex":
        return hex_bytes(text.replace(" ", ""), f"line {number}")
    if kind == "ip":
        seen.warn("option_ip", f"line {number}: option given as addresses: read as text")
    return text.strip('"').encode("latin-1")
