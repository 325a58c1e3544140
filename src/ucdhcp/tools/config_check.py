"""What `ucdhcp check` prints: the option values each site sends, a config's problems, and
what `serve` would find on this host (`host_findings`). Option values are shown as
everywhere else in the tools and the README: labelled, data only (no code and length),
uppercase hex."""

from ..config.errors import ConfigError
from ..config.settings import ServerSettings
from ..core.policy import Policy, Site
from ..runtime.diagnosis import Finding, FindingLevel, diagnose
from ..runtime.netlink import list_ipv4_addresses, list_links
from ..runtime.sockets import BindError, SocketSpec, refuse_if_taken
from ..wire.options import OPTION_LABELS


def host_findings(server: ServerSettings, policy: Policy) -> list[Finding]:
    """What `serve` would find on this host, without serving: the port, and with address
    0.0.0.0 the interfaces (runtime/diagnosis.py)."""
    try:
        refuse_if_taken(SocketSpec.of(server))
        where = f"UDP {server.address}:{server.port} can be bound"
        findings = [Finding("port_available", FindingLevel.INFO, where)]
    except BindError as error:
        findings = [Finding("port_unavailable", FindingLevel.ERROR, str(error))]
    if not server.address.is_unspecified:
        return findings
    return findings + diagnose(policy, list_ipv4_addresses(), server.interfaces, list_links())


def option_label(code: int) -> str:
    return OPTION_LABELS.get(code, "extra option")


def render_policy(policy: Policy, findings: list[Finding]) -> str:
    lines = []
    for site in policy.sites:
        default = " (default site)" if site is policy.default_site else ""
        subnets = ", ".join(str(subnet) for subnet in site.subnets) or "none"
        lines.append(f"site {site.name}{default}: subnets {subnets}")
        for profile, payloads in site.payloads.items():
            lines.append(f"  {profile}:")
            lines += [
                f"    option {int(code)} ({option_label(code)}, {len(data)} bytes):"
                f" {data.hex().upper()}"
                for code, data in payloads.items()
            ]
    lines += [f"{finding.severity}: {finding.message}" for finding in findings]
    return "\n".join(lines)


def describe_policy(policy: Policy, findings: list[Finding] | None) -> dict[str, object]:
    """Per site: subnets and the option data each vendor-class profile is answered with; with
    `findings` (check --runtime), those too."""
    document: dict[str, object] = {"sites": [_describe_site(site, policy) for site in policy.sites]}
    if findings is not None:
        document["runtime"] = [
            {"event": f.event, "severity": str(f.severity), "message": f.message, **f.fields}
            for f in findings
        ]
    return document


def _describe_site(site: Site, policy: Policy) -> dict[str, object]:
    return {
        "site": site.name,
        "subnets": [str(subnet) for subnet in site.subnets],
        "default": site is policy.default_site,
        "profiles": {
            str(profile): {
                str(int(code)): {
                    "name": option_label(code),
                    "hex": data.hex().upper(),
                    "length": len(data),
                }
                for code, data in payloads.items()
            }
            for profile, payloads in site.payloads.items()
        },
    }


def describe_error(error: ConfigError) -> dict[str, object]:
    problems = [{"field": where, "reason": why} for where, why in error.problems]
    return {"file": error.file, "problems": problems}
