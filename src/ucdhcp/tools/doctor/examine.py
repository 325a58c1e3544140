"""The doctor's steps in the order a phone meets them: DNS, the certificate provisioning web
service, the registrars, time. A step that depends on an earlier one's result (an address to
connect to) is skipped with a line saying so, never attempted blind."""

import ipaddress
from collections.abc import Sequence
from dataclasses import replace

from .checklist import Check, Checklist, Status, Step, warn
from .dns import check_dns, open_resolver
from .ntp import check_ntp
from .targets import DoctorOptions, Targets
from .tls import check_server
from .web import check_path


def examine(targets: Targets, settings: DoctorOptions, leading: Sequence[Check] = ()) -> Checklist:
    """Every check for these values; `leading` are checks already made (the DHCP probe)."""
    checks = list(leading)
    addresses = _literal_addresses(targets)
    resolver = open_resolver(settings)
    if isinstance(resolver, Check):
        checks.append(resolver)
    else:
        found, resolved = check_dns(_named(targets, addresses), resolver)
        checks += found
        addresses.update(resolved)
    checks += _web_checks(targets, settings, addresses)
    for name in dict.fromkeys(server.lower() for server in targets.sip_servers):
        checks += _reach(Step.REGISTRAR, name, settings.sip_port, addresses, settings)
    checks += check_ntp(targets.ntp_servers, settings.timeout)
    return Checklist(targets.describe(), tuple(checks))


def _web_checks(
    targets: Targets, settings: DoctorOptions, addresses: dict[str, tuple[str, ...]]
) -> list[Check]:
    web = targets.web
    name = web.web_server.lower()
    if web.scheme != "https":
        checks = [
            warn(
                Step.WEB,
                f"option 43 scheme is {web.scheme}: phones fetch certificates over https",
                'set scheme = "https" for the site',
            )
        ]
    else:
        checks = _reach(Step.WEB, name, web.port, addresses, settings)
        if any(check.status is Status.FAIL and check.detail.startswith("TCP") for check in checks):
            return checks
    if addresses.get(name):
        checks += check_path(name, addresses[name][0], web.port, web.path, web.scheme, settings)
    return checks


def _reach(
    step: Step, name: str, port: int, addresses: dict[str, tuple[str, ...]], settings: DoctorOptions
) -> list[Check]:
    found = addresses.get(name)
    if not found:
        return [Check(step, Status.SKIP, f"{name}:{port} not checked: {name} does not resolve")]
    role = "web service" if step is Step.WEB else "SIP TLS listener (Front End)"
    return check_server(step, name, found[0], port, settings, role)


def _literal_addresses(targets: Targets) -> dict[str, tuple[str, ...]]:
    """Option 120 may carry addresses (RFC 3361 encoding 1): nothing to resolve for those."""
    literal: dict[str, tuple[str, ...]] = {}
    for name in targets.names():
        try:
            literal[name] = (str(ipaddress.IPv4Address(name)),)
        except ValueError:
            continue
    return literal


def _named(targets: Targets, literal: dict[str, tuple[str, ...]]) -> Targets:
    names = tuple(server for server in targets.sip_servers if server.lower() not in literal)
    return replace(targets, sip_servers=names) if names != targets.sip_servers else targets
