"""From what a reader saw to ucdhcp sites: scopes with the same values become one site, the
server-level values the default site, and every value is decoded with `decode`'s inspectors.

Strategy: what ucdhcp can carry is carried, even from a flawed value (a name written as plain
text, a sub-option with a trailing NUL); every such repair, and everything left out, is a
finding. Findings about the *import* (something not carried, or carried differently) make the
result partial; lints about the old values themselves stay with their site.
"""

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from ...wire.options import Option120Encoding
from ...wire.vendor import MS_UC_CLIENT_SUBOPTIONS, CertProvisioning, VlanIdFormat
from ..inspection import inspect_sip_servers, inspect_vendor_specific
from ..lint import Lint, Severity
from .seen import ScopeValues, Seen

_NAME_CHARACTERS = re.compile(r"[^A-Za-z0-9_.-]+")
_Key = tuple[bytes | None, bytes | None, tuple[str, ...], int | None, VlanIdFormat]


@dataclass(frozen=True, slots=True)
class ImportedSite:
    """One site as the config will hold it, with the bytes the old server sent."""

    name: str
    subnets: tuple[ipaddress.IPv4Network, ...]
    default: bool
    sip_servers: tuple[str, ...]
    provisioning: CertProvisioning
    ntp_servers: tuple[str, ...]
    option_120: bytes
    option_43: bytes | None
    plain_text_120: bool = False  # carried from plain text: ucdhcp sends RFC 3361 instead
    lints: tuple[Lint, ...] = ()  # about the old values (decode's findings)
    vlan_id: int | None = None
    vlan_id_format: VlanIdFormat = VlanIdFormat.WORD


@dataclass(frozen=True, slots=True)
class Imported:
    format: str
    sites: tuple[ImportedSite, ...]
    findings: tuple[Lint, ...]  # about the import: what was not carried, or changed

    @property
    def partial(self) -> bool:
        return any(finding.severity is not Severity.NOTE for finding in self.findings)


@dataclass(slots=True)
class _Group:
    key: _Key
    subnets: list[ipaddress.IPv4Network]
    default: bool
    where: str


def assemble(seen: Seen) -> Imported:
    """The sites and findings of everything a reader saw."""
    findings = list(seen.findings)
    groups = _groups(_phone_scopes(seen, findings), findings)
    sites: list[ImportedSite] = []
    for group in groups:
        site = _site(group, seen, findings, {site.name for site in sites})
        if site is not None:
            sites.append(site)
    return Imported(seen.format, tuple(sites), tuple(findings))


def _phone_scopes(seen: Seen, findings: list[Lint]) -> list[ScopeValues]:
    kept: dict[ipaddress.IPv4Network | None, ScopeValues] = {}
    for scope in seen.scopes:
        if scope.option_120 is None and scope.option_43 is None:
            findings.append(_note("no_phone_options", f"{scope.where} has no option 120 or 43"))
            continue
        first = kept.setdefault(scope.subnet, scope)
        if first is not scope and _key(first) != _key(scope):
            findings.append(
                _error(
                    "disagreeing_scopes",
                    f"{scope.where} gives other values than {first.where} for the same"
                    f" {'server' if scope.subnet is None else 'subnet'}: kept {first.where}'s",
                )
            )
    return list(kept.values())


def _groups(scopes: list[ScopeValues], findings: list[Lint]) -> list[_Group]:
    groups: dict[_Key, _Group] = {}
    for scope in scopes:
        group = groups.setdefault(_key(scope), _Group(_key(scope), [], False, scope.where))
        if scope.subnet is None:
            group.default = True
            continue
        clash = _overlapping(scope.subnet, group, groups.values())
        if clash is None:
            group.subnets.append(scope.subnet)
        else:
            findings.append(
                _error(
                    "disagreeing_scopes",
                    f"{scope.where} overlaps {clash} with other values: left out",
                )
            )
    return [group for group in groups.values() if group.subnets or group.default]


def _overlapping(
    subnet: ipaddress.IPv4Network, own: _Group, groups: Iterable[_Group]
) -> ipaddress.IPv4Network | None:
    others = (other for group in groups if group is not own for other in group.subnets)
    return next((other for other in others if other.overlaps(subnet)), None)


def _key(scope: ScopeValues) -> _Key:
    return (
        scope.option_120,
        scope.option_43,
        scope.ntp_servers,
        scope.vlan_id,
        scope.vlan_id_format,
    )


def _site(group: _Group, seen: Seen, findings: list[Lint], taken: set[str]) -> ImportedSite | None:
    option_120, option_43, ntp_servers, vlan_id, vlan_id_format = group.key
    if option_120 is None:
        findings.append(
            _error(
                "no_option_120",
                f"{group.where}: option 43 without option 120: no SIP server to carry, left out",
            )
        )
        return None
    servers, plain, lints = sip_servers(option_120, group.where, findings)
    if servers is None:
        return None
    provisioning, more = provisioning_from(option_43, servers[0], group.where, findings)
    name = seen.names.get((option_120, option_43 or b"")) or _made_up_name(group)
    return ImportedSite(
        name=_unique(name, taken),
        subnets=tuple(group.subnets),
        default=group.default,
        sip_servers=servers,
        provisioning=provisioning,
        ntp_servers=ntp_servers,
        option_120=option_120,
        option_43=option_43,
        plain_text_120=plain,
        lints=(*lints, *more),
        vlan_id=vlan_id,
        vlan_id_format=vlan_id_format,
    )


def sip_servers(
    data: bytes, where: str, findings: list[Lint]
) -> tuple[tuple[str, ...] | None, bool, list[Lint]]:
    """The FQDNs of an option 120 value, whether they came from plain text, and the value's
    lints; None when no name can be carried (a finding says why)."""
    inspection = inspect_sip_servers(data)
    lints = [_at(where, lint) for lint in inspection.lints]
    if inspection.encoding == Option120Encoding.NAMES and inspection.sip_servers:
        return inspection.sip_servers, False, lints
    names = plain_text_names(data)
    if names:
        findings.append(
            _warning(
                "plain_text_120",
                f"{where}: option 120 is the plain text {', '.join(names)!r}, not RFC 3361"
                " (encoding byte and labels); carried as the name, which ucdhcp sends"
                " RFC 3361-encoded",
            )
        )
        return names, True, []
    reason = "; ".join(lint.message for lint in inspection.lints if lint.severity is Severity.ERROR)
    findings.append(
        _error("option_120_not_carried", f"{where}: option 120 not carried: {reason}; left out")
    )
    return None, False, lints


def plain_text_names(data: bytes) -> tuple[str, ...]:
    """Names written as text (`pool01.contoso.com`, NUL-terminated or comma-separated)."""
    text = data.rstrip(b"\x00")
    if not text or not all(0x20 <= byte < 0x7F for byte in text) or b"." not in text:
        return ()
    return tuple(name for name in re.split(r"[\s,;]+", text.decode("ascii")) if name)


def provisioning_from(
    data: bytes | None, sip_server: str, where: str, findings: list[Lint]
) -> tuple[CertProvisioning, list[Lint]]:
    """The certificate-provisioning values of an option 43 (sub-options 1-5, a trailing NUL
    trimmed); DHCPUtil's defaults for the first SIP server when there is none to read."""
    default = CertProvisioning(web_server=sip_server)
    if data is None:
        findings.append(
            _warning(
                "no_option_43",
                f"{where}: no option 43 for MS-UC-Client: the config gives DHCPUtil's default,"
                f" {default.url}",
            )
        )
        return default, []
    inspection = inspect_vendor_specific(data)
    lints = [_at(where, lint) for lint in inspection.lints]
    if inspection.url is None:
        findings.append(
            _error(
                "option_43_not_carried",
                f"{where}: option 43 does not give sub-options 1-5 as text; the config gives"
                f" DHCPUtil's default, {default.url}",
            )
        )
        return default, lints
    text = {
        code: (inspection.suboption(code) or b"").decode("latin-1").rstrip("\x00")
        for code in MS_UC_CLIENT_SUBOPTIONS
    }
    return CertProvisioning.from_texts(text), lints


def _made_up_name(group: _Group) -> str:
    if group.default or not group.subnets:
        return "server"
    first = group.subnets[0]
    return f"net-{first.network_address}-{first.prefixlen}".replace(".", "-")


def _unique(name: str, taken: set[str]) -> str:
    base = _NAME_CHARACTERS.sub("-", name).strip("-")[:60] or "site"
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def _at(where: str, lint: Lint) -> Lint:
    return replace(lint, message=f"{where}: {lint.message}")


def _note(code: str, message: str) -> Lint:
    return Lint(Severity.NOTE, code, message)


def _warning(code: str, message: str) -> Lint:
    return Lint(Severity.WARNING, code, message)


def _error(code: str, message: str) -> Lint:
    return Lint(Severity.ERROR, code, message)
