"""ISC dhcpd configurations: option 120 (under any name its `code 120` definition gives) and
option 43 (`vendor-encapsulated-options`) as colon hex or a quoted string, at the top level or
inside `subnet` declarations, within or without a vendor-class condition."""

import re

from .seen import ScopeValues, Seen, UnreadableInputError, export_site_names, hex_bytes, network

_DEFINITION = re.compile(r"option\s+([\w.-]+)\s+code\s+(\d+)\s*=")
_SUBNET = re.compile(r"subnet\s+(\S+)\s+netmask\s+(\S+)\s*\{")
_OPTION = re.compile(r"option\s+([\w.-]+)\s+(.+?)\s*;")


def read(text: str) -> Seen:
    """Raises UnreadableInputError when there is no subnet and no option 120 or 43."""
    seen = Seen("isc-dhcpd", names=export_site_names(text))
    codes = {"vendor-encapsulated-options": 43, "sip-servers": 120}
    codes |= {name: int(code) for name, code in _DEFINITION.findall(text)}
    found: dict[str | None, dict[int, bytes]] = {None: {}}
    subnets: dict[str | None, str] = {}
    current: str | None = None
    depth = 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if match := _SUBNET.match(line):
            current = f"{match[1]}/{match[2]}"
            subnets[current] = f"subnet {match[1]} netmask {match[2]}"
            found.setdefault(current, {})
            depth = 0
        if (match := _OPTION.match(line)) and not _DEFINITION.match(line):
            code = codes.get(match[1])
            if code in (43, 120):
                found[current][code] = _value(match[2], f"line {number}", seen)
        depth += line.count("{") - line.count("}")
        if current is not None and depth <= 0 and "}" in line:
            current = None
    if not subnets and not found[None]:
        raise UnreadableInputError("no subnet declarations and no option 120 or 43 found")
    for key, values in found.items():
        address, _, mask = (key or "").partition("/")
        subnet = None if key is None else network(address, mask, subnets[key])
        where = "top level" if key is None else subnets[key]
        if key is None and not values:
            continue
        seen.scopes.append(ScopeValues(where, subnet, values.get(120), values.get(43)))
    return seen


def _value(text: str, where: str, seen: Seen) -> bytes:
    if text.startswith('"'):
        seen.note("string_value", f"{where}: a quoted string is read as its characters")
        return text.strip('"').encode("latin-1")
    try:
        return hex_bytes(text, where)
    except UnreadableInputError:
        seen.warn("option_not_hex", f"{where}: {text!r} is not colon hex: read as text")
        return text.encode("latin-1")
