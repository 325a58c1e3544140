"""The XML that Windows Server's `Export-DhcpServer` writes: DHCPServer/IPv4 with its Classes,
OptionDefinitions, server-level OptionValues, Scopes (each with its own OptionValues) and
Policies.

Strategy: the XML only fills the WindowsServer collector that netsh and PowerShell fill too, so
vendor classes are matched by their data and a scope's values override the server's the same
way for every Windows input. A value's type comes from its option definition; BinaryData may be
one hex string or one `<Value>` per byte.
"""

import re

from .seen import Seen, UnreadableInputError, hex_bytes
from .windows import STANDARD, WindowsServer, option_code, typed_value
from .xml_tree import Element, parse_xml

_BINARY = ("BINARYDATA", "ENCAPSULATEDDATA")
_PHONE_CODES = {42, 43, 120}  # what a policy or reservation could hold that ucdhcp would carry
_Types = dict[tuple[str, int], str]


def read(text: str) -> Seen:
    """Raises UnreadableInputError when the text is not an Export-DhcpServer document."""
    root = parse_xml(text)
    ipv4 = root.first("IPv4")
    if root.name != "DHCPServer" or ipv4 is None:
        raise UnreadableInputError("not an Export-DhcpServer document (no DHCPServer/IPv4)")
    server = WindowsServer(Seen("windows-xml"))
    for element in ipv4.all("Classes", "Class"):
        if element.value("Type").lower() == "vendor":
            what = f"class {element.value('Name')}"
            server.add_class(element.value("Name"), hex_bytes(element.value("Data"), what))
    types = _definitions(ipv4)
    _values(server, None, ipv4.all("OptionValues", "OptionValue"), types)
    for scope in ipv4.all("Scopes", "Scope"):
        address = scope.value("ScopeId")
        server.add_scope(address, scope.value("SubnetMask") or None)
        _values(server, address, scope.all("OptionValues", "OptionValue"), types)
        for reservation in scope.all("Reservations", "Reservation"):
            _not_carried(server, f"scope {address} reservation", reservation, "reservation")
        for policy in scope.all("Policies", "Policy"):
            _not_carried(server, f"scope {address} policy", policy, "policy_value")
    for policy in ipv4.all("Policies", "Policy"):
        _not_carried(server, "server policy", policy, "policy_value")
    return server.finish(text)


def _definitions(ipv4: Element) -> _Types:
    types: _Types = {}
    for definition in ipv4.all("OptionDefinitions", "OptionDefinition"):
        code = definition.value("OptionId")
        if code.isdigit():
            types[(definition.value("VendorClass"), int(code))] = definition.value("Type")
    return types


def _values(server: WindowsServer, scope: str | None, values: list[Element], types: _Types) -> None:
    where = "server level" if scope is None else f"scope {scope}"
    for element in values:
        code = option_code(element.value("OptionId"), where)
        vendor = element.value("VendorClass") or STANDARD
        if not server.carries(element.value("UserClass"), code, where):
            continue
        items = [value.text.strip() for value in element.all("Value")]
        kind = types.get((vendor, code)) or _guessed_type(items)
        server.set_value(scope, vendor, code, xml_value(kind, items, f"{where}: option {code}"))


def xml_value(kind: str, items: list[str], what: str) -> bytes:
    """The bytes of one OptionValue's `<Value>`s, of the definition's type.

    Raises:
        UnreadableInputError: a value that does not fit its type.
    """
    if kind.upper() in _BINARY and len(items) > 1:
        if all(re.fullmatch(r"0x[0-9A-Fa-f]{1,2}", item) for item in items):
            return bytes(int(item, 16) for item in items)  # one <Value> per byte
        return b"".join(hex_bytes(item, what) for item in items)
    return typed_value(kind, items, what)


def _guessed_type(items: list[str]) -> str:
    """For a value with no definition in the file (Windows' built-in standard options)."""
    if items and all(item.lower().startswith("0x") for item in items):
        return "BinaryData"
    if items and all(re.fullmatch(r"\d+\.\d+\.\d+\.\d+", item) for item in items):
        return "IPv4Address"
    return "String"


def _not_carried(server: WindowsServer, where: str, element: Element, code: str) -> None:
    values = element.all("OptionValues", "OptionValue")
    codes = sorted(
        {
            int(value.value("OptionId"))
            for value in values
            if value.value("OptionId").isdigit()
            and (value.value("VendorClass") or int(value.value("OptionId")) in _PHONE_CODES)
        }
    )
    if codes:
        server.seen.warn(
            code,
            f"{where} {element.value('Name') or element.value('IPAddress')}: options {codes}"
            " not carried: ucdhcp answers by subnet only",
        )
