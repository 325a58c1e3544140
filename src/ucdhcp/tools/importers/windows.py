"""What a Windows DHCP server holds, however it was written down (netsh, PowerShell, the
Export-DhcpServer XML, DHCPUtil's script): vendor classes, scopes and option values at server
and scope level, turned into scopes the way Windows applies them.

Windows sends the options defined under a vendor class as option 43 sub-options in code order
to clients whose option 60 is the class's *data* (its name is only a label), and a scope's own
value for an option overrides the server-level one (protocol.md §3).
"""

import ipaddress
import re
from dataclasses import dataclass, field

from ...wire.options import decode_ipv4_list
from ...wire.vendor import CPE_OCPHONE, MS_UC_CLIENT, UcSubOption, VlanIdFormat
from .seen import ScopeValues, Seen, UnreadableInputError, hex_bytes, network, windows_option_43

STANDARD = ""  # the vendor class of standard options
_SUBOPTIONS = range(1, 6)
DEFAULT_USER_CLASSES = frozenset({"", "default user class"})  # the names Windows gives it
# ucdhcp's netsh and PowerShell exports name each scope's subnet in a comment
_SUBNET_HINT = re.compile(r"\bsite [A-Za-z0-9_.-]+ subnet (\d+\.\d+\.\d+\.\d+)/(\d+)")


@dataclass(slots=True)
class WindowsServer:
    seen: Seen
    classes: dict[str, bytes] = field(default_factory=dict)  # name -> option 60 data
    masks: dict[str, str] = field(default_factory=dict)  # scope address -> mask
    scopes: list[str] = field(default_factory=list)  # in the order met
    values: dict[str | None, dict[tuple[str, int], bytes]] = field(default_factory=dict)
    _vlan_classes: set[str] = field(default_factory=set)  # set by finish()

    def add_class(self, name: str, data: bytes) -> None:
        self.classes[name] = data

    def add_scope(self, address: str, mask: str | None = None) -> None:
        if address not in self.scopes:
            self.scopes.append(address)
        if mask is not None:
            self.masks[address] = mask

    def carries(self, user: str, code: int | str, where: str) -> bool:
        """Whether a value of user class `user` is carried: only the default user class's
        values are what every phone gets; any other is reported and left out."""
        if user.lower() in DEFAULT_USER_CLASSES:
            return True
        self.seen.warn("user_class", f"{where}: option {code} for user class {user} not carried")
        return False

    def set_value(self, scope: str | None, vendor: str, code: int, data: bytes) -> None:
        """A value at server level (scope None) or for a scope; vendor STANDARD or a name."""
        if scope is not None:
            self.add_scope(scope)
        self.values.setdefault(scope, {})[(vendor, code)] = data

    def is_phone_class(self, name: str) -> bool:
        data = self.classes.get(name)
        if data is None:
            return re.sub(r"[^a-z]", "", name.lower()) == "msucclient"
        return data.rstrip(b"\0") == MS_UC_CLIENT

    def is_vlan_class(self, name: str) -> bool:
        """CPE-OCPHONE (also spelled CPE-OCPhone), whose sub-option 10 is the voice VLAN."""
        data = self.classes.get(name, name.encode("latin-1"))
        return data.rstrip(b"\0").upper() == CPE_OCPHONE

    def finish(self, text: str) -> Seen:
        """The scopes, with server-level values applied under each scope's own."""
        phone = self._phone_classes()
        used = {vendor for values in self.values.values() for vendor, _ in values}
        self._vlan_classes = {name for name in used if self.is_vlan_class(name)}
        self._report_other_classes(phone)
        hints = {address: mask for address, mask in _SUBNET_HINT.findall(text)}
        server = self.values.get(None, {})
        if server:
            self.seen.scopes.append(self._scope("server level", None, server, phone))
        for address in self.scopes:
            subnet = self._subnet(address, hints)
            values = {**server, **self.values.get(address, {})}
            self.seen.scopes.append(self._scope(f"scope {subnet}", subnet, values, phone))
        return self.seen

    def _phone_classes(self) -> set[str]:
        phone = {name for name in self.classes if self.is_phone_class(name)}
        used = {vendor for values in self.values.values() for vendor, _ in values}
        for name in sorted(used - set(self.classes) - {STANDARD}):
            if self.is_phone_class(name):
                phone.add(name)
                self.seen.note(
                    "class_not_shown",
                    f"vendor class {name} is not defined in the input: taken to be MS-UC-Client",
                )
        return phone

    def _report_other_classes(self, phone: set[str]) -> None:
        for scope, values in self.values.items():
            where = "server level" if scope is None else f"scope {scope}"
            for vendor in sorted({vendor for vendor, _ in values} - phone - {STANDARD}):
                codes = sorted(code for name, code in values if name == vendor)
                if vendor in self._vlan_classes:
                    codes = [code for code in codes if code != UcSubOption.VLAN_ID]
                if not codes:
                    continue
                data = self.classes.get(vendor)
                shown = "" if data is None else f" (option 60 {data.decode('latin-1')!r})"
                self.seen.warn(
                    "other_vendor_class",
                    f"{where}: options {codes} of vendor class {vendor}{shown} not carried:"
                    " ucdhcp answers MS-UC-Client phones only",
                )

    def _subnet(self, address: str, hints: dict[str, str]) -> ipaddress.IPv4Network:
        mask = self.masks.get(address) or hints.get(address)
        if mask is None:
            self.seen.warn(
                "mask_unknown",
                f"scope {address}: the input does not give its subnet mask; /24 assumed,"
                " correct the config's subnets if it is another",
            )
            mask = "24"
        return network(address, mask, f"scope {address}")

    def _scope(
        self,
        where: str,
        subnet: ipaddress.IPv4Network | None,
        values: dict[tuple[str, int], bytes],
        phone: set[str],
    ) -> ScopeValues:
        vendor = {code: data for (name, code), data in values.items() if name in phone}
        if vendor and (STANDARD, 43) in values:
            self.seen.warn(
                "option_43_twice",
                f"{where}: option 43 is set both as a standard option and through the"
                " MS-UC-Client vendor class: the vendor class's sub-options are carried",
            )
        option_43 = windows_option_43(vendor) if vendor else values.get((STANDARD, 43))
        vlan = [
            data
            for (name, code), data in values.items()
            if name in self._vlan_classes and code == UcSubOption.VLAN_ID
        ]
        vlan_id, vlan_id_format = self._vlan_id(vlan[0] if vlan else None, where)
        return ScopeValues(
            where=where,
            subnet=subnet,
            option_120=values.get((STANDARD, 120)),
            option_43=option_43,
            ntp_servers=_addresses(values.get((STANDARD, 42))),
            vlan_id=vlan_id,
            vlan_id_format=vlan_id_format,
        )

    def _vlan_id(self, data: bytes | None, where: str) -> tuple[int | None, VlanIdFormat]:
        """The VLAN ID of a CPE-OCPHONE sub-option 10 value, a 2-byte word or ASCII digits
        (protocol.md §4); None, with a warning, when it is neither or outside 1-4094."""
        if data is None:
            return None, VlanIdFormat.WORD
        if data.isdigit():
            vlan_id, form = int(data), VlanIdFormat.ASCII
        elif len(data) == 2:
            vlan_id, form = int.from_bytes(data, "big"), VlanIdFormat.WORD
        else:
            vlan_id, form = 0, VlanIdFormat.WORD
        if 1 <= vlan_id <= 4094:
            return vlan_id, form
        self.seen.warn(
            "vlan_not_carried",
            f"{where}: CPE-OCPHONE sub-option 10 {data.hex().upper()} is not a VLAN ID"
            " (1-4094 as a 2-byte word or ASCII digits): not carried",
        )
        return None, VlanIdFormat.WORD


def _addresses(data: bytes | None) -> tuple[str, ...]:
    if not data or len(data) % 4:
        return ()
    return decode_ipv4_list(data)


def typed_value(kind: str, items: list[str], what: str) -> bytes:
    """The bytes of a Windows option value of type `kind` (netsh's or PowerShell's names).

    Raises:
        UnreadableInputError: a value that does not fit its type.
    """
    kind = kind.upper()
    if kind in ("BINARY", "BINARYDATA", "ENCAPSULATED", "ENCAPSULATEDDATA"):
        return b"".join(hex_bytes(item, what) for item in items)
    if kind == "STRING":
        return " ".join(items).encode("latin-1")
    if kind in ("IPADDRESS", "IPV4ADDRESS"):
        try:
            return b"".join(ipaddress.IPv4Address(item).packed for item in items)
        except ValueError:
            raise UnreadableInputError(f"{what}: {' '.join(items)} is not IPv4 addresses") from None
    sizes = {"BYTE": 1, "WORD": 2, "DWORD": 4, "DWORDDWORD": 8}
    if kind in sizes:
        try:
            return b"".join(int(item, 0).to_bytes(sizes[kind], "big") for item in items)
        except (ValueError, OverflowError):
            raise UnreadableInputError(f"{what}: {' '.join(items)} is not a {kind}") from None
    raise UnreadableInputError(f"{what}: unknown option type {kind}")


def phone_codes_under_vendor(vendor: str, code: int) -> bool:
    """Sub-options 1-5 are what a phone vendor class defines; 120 under one is a standard
    option whose section header netsh left out."""
    return vendor == STANDARD or code in _SUBOPTIONS


def option_code(text: str, where: str) -> int:
    """An option code as the exports write it.

    Raises:
        UnreadableInputError: it is not a number.
    """
    if not text.isdigit():
        raise UnreadableInputError(f"{where}: option code {text!r} is not a number")
    return int(text)
