"""The imported sites as a ucdhcp TOML config, checked the way `ucdhcp check` checks it, with
the bytes ucdhcp will send compared to the bytes the old server sent.

Strategy: each site is validated alone first, so one value the config refuses drops that site
(with a finding) instead of the whole import; then the whole document is built into a policy
and every site's option 120 and 43 compared byte for byte with the source.
"""

import json
from dataclasses import dataclass, replace

from ...config.errors import ConfigError
from ...config.loading import build_policy, parse_config
from ...core.policy import Policy, Profile
from ...wire.options import OptionCode
from ...wire.vendor import CertProvisioning, VlanIdFormat
from ..lint import Lint, Severity
from .sites import Imported, ImportedSite

_DEFAULTS = CertProvisioning(web_server="")


@dataclass(frozen=True, slots=True)
class ConfigResult:
    imported: Imported  # with the findings of the check added
    document: dict[str, object] | None  # None: no site could be carried

    def toml(self, source: str) -> str:
        """The config file, opening with comments on where it came from and what was seen."""
        lines = [f"# ucdhcp import of {source} ({self.imported.format})"]
        lines.append("# Check it with: ucdhcp check -c THIS-FILE")
        lines += [f"# {finding}" for finding in self.imported.findings]
        return "\n".join(lines) + "\n" + render_toml(self.document or {})


def build_config(imported: Imported) -> ConfigResult:
    """The config document for the imported sites, each checked; see the module's strategy."""
    findings = list(imported.findings)
    kept = []
    for site in imported.sites:
        problem = _problem({"sites": [site_document(site)]})
        if problem is None:
            kept.append(site)
        else:
            findings.append(Lint(Severity.ERROR, "site_not_carried", f"{site.name}: {problem}"))
    if not kept:
        return ConfigResult(replace(imported, findings=tuple(findings)), None)
    document = config_document(kept)
    policy = build_policy(parse_config(document))
    findings += compare_bytes(kept, policy)
    return ConfigResult(replace(imported, sites=tuple(kept), findings=tuple(findings)), document)


def config_document(sites: list[ImportedSite]) -> dict[str, object]:
    document: dict[str, object] = {}
    default = next((site.name for site in sites if site.default), None)
    if default is not None:
        document["default_site"] = default
    document["sites"] = [site_document(site) for site in sites]
    return document


def site_document(site: ImportedSite) -> dict[str, object]:
    """A [[sites]] table: only what differs from ucdhcp's defaults is written."""
    provisioning = site.provisioning
    table: dict[str, object] = {"name": site.name}
    if site.subnets:
        table["subnets"] = [str(subnet) for subnet in site.subnets]
    table["sip_servers"] = list(site.sip_servers)
    if provisioning.web_server != site.sip_servers[0]:
        table["web_server"] = provisioning.web_server
    for key, value, default in (
        ("scheme", provisioning.scheme, _DEFAULTS.scheme),
        ("port", provisioning.port, _DEFAULTS.port),
        ("cert_provisioning_path", provisioning.path, _DEFAULTS.path),
    ):
        if value != default:
            table[key] = value
    if site.vlan_id is not None:
        table["vlan_id"] = site.vlan_id
        if site.vlan_id_format is not VlanIdFormat.WORD:
            table["vlan_id_format"] = str(site.vlan_id_format)
    if site.ntp_servers:
        table["ntp_servers"] = list(site.ntp_servers)
    return table


def compare_bytes(sites: list[ImportedSite], policy: Policy) -> list[Lint]:
    """A warning for every option whose bytes ucdhcp would change."""
    found = []
    for site, built in zip(sites, policy.sites, strict=True):
        payloads = built.payloads[Profile.MS_UC_CLIENT]
        pairs = [(OptionCode.SIP_SERVERS, site.option_120, not site.plain_text_120)]
        if site.option_43 is not None:
            pairs.append((OptionCode.VENDOR_SPECIFIC, site.option_43, True))
        for code, old, report in pairs:
            new = payloads[code]
            if report and new != old:
                found.append(
                    Lint(
                        Severity.WARNING,
                        "bytes_differ",
                        f"site {site.name}: ucdhcp will send option {int(code)} as"
                        f" {new.hex().upper()}, not the old server's {old.hex().upper()}",
                    )
                )
    return found


def _problem(document: dict[str, object]) -> str | None:
    try:
        build_policy(parse_config(document))
    except ConfigError as error:
        return "; ".join(f"{where}: {why}" if where else why for where, why in error.problems)
    return None


def render_toml(document: dict[str, object]) -> str:
    """TOML for the config's shape: top-level scalars, then an array of flat tables."""
    lines = [f"{key} = {_value(value)}" for key, value in document.items() if key != "sites"]
    for table in document.get("sites", []):  # type: ignore[attr-defined]
        lines += ["", "[[sites]]"]
        lines += [f"{key} = {_value(value)}" for key, value in table.items()]
    return "\n".join(lines) + "\n"


def _value(value: object) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_value(item) for item in value) + "]"
    # JSON's strings and integers are TOML's (basic strings share the escapes)
    return json.dumps(value)
