"""The DhcpServer PowerShell cmdlets as scripts hold them (ucdhcp's PowerShell export, or an
admin's own): Add-DhcpServerv4Class, Add-DhcpServerv4Scope, Set-DhcpServerv4OptionValue."""

import ipaddress
import re
import shlex

from .seen import Seen, UnreadableInputError, export_site_names, hex_bytes
from .windows import STANDARD, WindowsServer, option_code

_CMDLET = re.compile(
    r"^\s*(Add-DhcpServerv4Class|Add-DhcpServerv4Scope|Set-DhcpServerv4OptionValue)\b(.*)$", re.I
)


def read(text: str) -> Seen:
    """Raises UnreadableInputError when no DhcpServer cmdlet is found."""
    server = WindowsServer(Seen("powershell", names=export_site_names(text)))
    found = False
    for number, line in enumerate(text.splitlines(), 1):
        match = _CMDLET.match(line)
        if match is None:
            continue
        found = True
        where = f"line {number}"
        try:
            parameters = _parameters(shlex.split(match[2], posix=True))
        except ValueError:
            server.seen.warn("unreadable_line", f"{where}: unbalanced quotes, line skipped")
            continue
        _cmdlet(server, match[1].lower(), parameters, where)
    if not found:
        raise UnreadableInputError("no DhcpServer PowerShell cmdlets found")
    return server.finish(text)


def _parameters(tokens: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    name = None
    for token in tokens:
        if token.startswith("-") and not re.match(r"-\d", token):
            name = token[1:].lower()
            found[name] = ""
        elif name is not None:
            found[name] = f"{found[name]} {token}".strip()
    return found


def _cmdlet(server: WindowsServer, cmdlet: str, parameters: dict[str, str], where: str) -> None:
    if cmdlet == "add-dhcpserverv4class":
        if parameters.get("type", "").lower() == "vendor" and "name" in parameters:
            server.add_class(parameters["name"], parameters.get("data", "").encode("latin-1"))
    elif cmdlet == "add-dhcpserverv4scope":
        start, mask = parameters.get("startrange"), parameters.get("subnetmask")
        if start and mask:
            subnet = ipaddress.IPv4Network(f"{start}/{mask}", strict=False)
            server.add_scope(str(subnet.network_address), mask)
    elif "optionid" in parameters:
        _set_value(server, parameters, where)


def _set_value(server: WindowsServer, parameters: dict[str, str], where: str) -> None:
    code_text = parameters["optionid"]
    if not server.carries(parameters.get("userclass", ""), code_text, where):
        return
    code = option_code(code_text, where)
    data = value_bytes(parameters.get("value", ""), f"{where}: option {code}")
    vendor = parameters.get("vendorclass", STANDARD)
    server.set_value(parameters.get("scopeid"), vendor, code, data)


def value_bytes(text: str, what: str) -> bytes:
    """-Value as scripts give it: bytes (0x4D,0x53,...), one 0x hex string, addresses or
    text."""
    items = [item.strip() for item in text.split(",") if item.strip()]
    if len(items) == 1 and re.fullmatch(r"0x[0-9A-Fa-f]+", items[0]):
        return hex_bytes(items[0], what)
    if items and all(re.fullmatch(r"0x[0-9A-Fa-f]{1,2}", item) for item in items):
        return bytes(int(item, 16) for item in items)
    try:
        return b"".join(ipaddress.IPv4Address(item).packed for item in items)
    except ValueError:
        return text.encode("latin-1")
