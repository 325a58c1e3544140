"""dnsmasq configurations: `dhcp-range=set:TAG,ADDRESS,...,MASK` gives each tag its subnet, and
`dhcp-option[-force]=[tag:...,]120|43,VALUE` the values (colon hex as ucdhcp's export writes,
or text); `vendor:` options are reported, not read (dnsmasq reorders them, protocol.md §3)."""

import re

from .seen import ScopeValues, Seen, UnreadableInputError, export_site_names, hex_bytes, network

_RANGE = re.compile(r"^dhcp-range=(.*)$")
_OPTION = re.compile(r"^dhcp-option(?:-force)?=(.*)$")
_ADDRESS = re.compile(r"^\d+\.\d+\.\d+\.\d+$")


def read(text: str) -> Seen:
    """Raises UnreadableInputError when there is no dhcp-range or dhcp-option line."""
    seen = Seen("dnsmasq", names=export_site_names(text))
    ranges: dict[str | None, list[tuple[str, str, str]]] = {}
    values: dict[str | None, dict[int, bytes]] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        where = f"line {number}"
        if match := _RANGE.match(line):
            _range(match[1], where, ranges)
        elif match := _OPTION.match(line):
            _option(match[1], where, values, seen)
    if not ranges and not values:
        raise UnreadableInputError("no dhcp-range or dhcp-option lines found")
    server = values.pop(None, {})
    if server:
        seen.scopes.append(ScopeValues("untagged options", None, server.get(120), server.get(43)))
    for tag, found in ranges.items():
        own = {**server, **values.get(tag, {})}
        for address, mask, where in found:
            subnet = network(address, mask, where)
            seen.scopes.append(
                ScopeValues(f"dhcp-range {subnet}", subnet, own.get(120), own.get(43))
            )
    return seen


def _range(argument: str, where: str, ranges: dict[str | None, list[tuple[str, str, str]]]) -> None:
    fields = argument.split(",")
    tag = next((f[4:] for f in fields if f.startswith("set:")), None)
    addresses = [f for f in fields if _ADDRESS.match(f)]
    if len(addresses) >= 2:  # start, then end or the mask
        ranges.setdefault(tag, []).append((addresses[0], addresses[-1], where))


def _option(
    argument: str, where: str, values: dict[str | None, dict[int, bytes]], seen: Seen
) -> None:
    fields = argument.split(",")
    tags = [f[4:] for f in fields if f.startswith("tag:") and not f.startswith("tag:!")]
    rest = [f for f in fields if not f.startswith(("tag:", "encap:", "vi-encap:"))]
    if not rest:
        return
    if rest[0].startswith("vendor:"):
        seen.warn(
            "vendor_option",
            f"{where}: a `vendor:` option is not carried: dnsmasq reverses such sub-options"
            " and adds an END byte; see the value with `ucdhcp probe`",
        )
        return
    code = rest[0].removeprefix("option:")
    if code not in ("43", "120", "vendor-encap", "sip-server"):
        return
    number = 43 if code in ("43", "vendor-encap") else 120
    value = ",".join(rest[1:])
    try:
        data = hex_bytes(value, where) if re.fullmatch(r"[0-9A-Fa-f:]+", value) else None
    except UnreadableInputError:
        data = None
    if data is None:
        seen.warn("option_not_hex", f"{where}: option {number} {value!r} is not hex: read as text")
        data = value.strip('"').encode("latin-1")
    site_tags: list[str | None] = [tag for tag in tags if tag != "ucdhcp-phone"]
    for tag in site_tags or [None]:
        values.setdefault(tag, {})[number] = data
