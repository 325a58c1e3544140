"""Kea DHCPv4 configurations (JSON; `//` and `#` comment lines allowed): option 120 and 43 in
`option-data` at the global level, in subnets, or in client classes that subnets require
(ucdhcp's Kea export), given as hex (`csv-format` false) or text."""

import ipaddress
import json
import re

from .seen import ScopeValues, Seen, UnreadableInputError, export_site_names, hex_bytes

_Values = dict[int, bytes]


def read(text: str) -> Seen:
    """Raises UnreadableInputError when the text is not a Kea Dhcp4 JSON document."""
    seen = Seen("kea", names=export_site_names(text))
    body = "\n".join(line for line in text.splitlines() if not re.match(r"\s*(//|#)", line))
    try:
        document = json.loads(body)
        dhcp4 = document["Dhcp4"]
    except (ValueError, KeyError, TypeError):
        raise UnreadableInputError("not a Kea configuration: no JSON object with Dhcp4") from None
    if not isinstance(dhcp4, dict):
        raise UnreadableInputError("not a Kea configuration: Dhcp4 is not an object")
    classes = {
        str(item.get("name")): _options(item.get("option-data", []), seen)
        for item in dhcp4.get("client-classes", [])
        if isinstance(item, dict)
    }
    top = _options(dhcp4.get("option-data", []), seen)
    if top:
        seen.scopes.append(ScopeValues("global option-data", None, top.get(120), top.get(43)))
    for subnet in _subnets(dhcp4):
        values = dict(top)
        values |= _options(subnet.get("option-data", []), seen)
        for name in subnet.get("require-client-classes", []) + subnet.get("client-classes", []):
            values |= classes.get(str(name), {})
        try:
            prefix = ipaddress.IPv4Network(str(subnet.get("subnet")), strict=False)
        except ValueError:
            raise UnreadableInputError(
                f"subnet {subnet.get('subnet')!r} is not an IPv4 subnet"
            ) from None
        seen.scopes.append(ScopeValues(f"subnet {prefix}", prefix, values.get(120), values.get(43)))
    return seen


def _subnets(dhcp4: dict[str, object]) -> list[dict[str, list[object]]]:
    subnets = list(dhcp4.get("subnet4", []))  # type: ignore[call-overload]
    for network in dhcp4.get("shared-networks", []):  # type: ignore[attr-defined]
        subnets += network.get("subnet4", [])
    return [subnet for subnet in subnets if isinstance(subnet, dict)]


def _options(items: object, seen: Seen) -> _Values:
    found: _Values = {}
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        code = item.get("code", 43 if item.get("name") == "vendor-encapsulated-options" else None)
        if code not in (43, 120):
            continue
        data = str(item.get("data", ""))
        if item.get("csv-format", True) is False:
            found[code] = hex_bytes(data, f"option-data code {code}")
        else:
            seen.warn(
                "csv_format",
                f"option {code} is given in csv-format ({data!r}): read as text",
            )
            found[code] = data.encode("latin-1")
    return found
