"""The option values the `ucdhcp import` tests write into other servers' formats: DHCPUtil's
for pool01.contoso.com (docs/protocol.md §2, §3), and a two-name option 120; and what an
import makes of a text (its config, its findings)."""

import tomllib

from ucdhcp.tools.importers import import_text
from ucdhcp.wire.options import encode_sip_servers, encode_suboptions

POOL_120 = encode_sip_servers(["pool01.contoso.com"]).hex().upper()
TWO_120 = encode_sip_servers(["pool01.contoso.com", "pool02.contoso.com"]).hex().upper()
SUBOPTIONS = {  # DHCPUtil's values for pool01.contoso.com (protocol.md §3)
    1: b"MS-UC-Client",
    2: b"https",
    3: b"pool01.contoso.com",
    4: b"443",
    5: b"/CertProv/CertProvisioningService.svc",
}
POOL_43 = encode_suboptions(sorted(SUBOPTIONS.items()))


def config_of(text: str) -> dict[str, object]:
    """The config `ucdhcp import` makes of `text`, parsed back from its TOML."""
    result = import_text(text)
    assert result.document is not None, result.imported.findings
    return tomllib.loads(result.toml("test"))


def codes(text: str) -> dict[str, str]:
    """Finding code -> severity, of importing `text`."""
    return {finding.code: str(finding.severity) for finding in import_text(text).imported.findings}


def assert_nul_trimmed_and_reported(text: str) -> None:
    """The export's option 43 FQDN ends in a NUL: trimmed in the config, linted, and the
    changed bytes reported against DHCPUtil's."""
    result = import_text(text)
    site = result.imported.sites[0]
    assert site.provisioning.web_server == "pool01.contoso.com"
    assert "nul_terminated" in {lint.code for lint in site.lints}
    differ = [f for f in result.imported.findings if f.code == "bytes_differ"]
    assert len(differ) == 1 and POOL_43.hex().upper() in differ[0].message
