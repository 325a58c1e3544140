"""Findings about option values: what a phone, a peer server or an operator will trip over.

Checks shared by `options` (values about to be configured) and `decode`/`probe` (values seen
elsewhere) live here, so a warning reads the same wherever it appears.
"""

from dataclasses import dataclass
from enum import StrEnum

from ..wire.vendor import CertProvisioning

STANDARD = CertProvisioning(web_server="")  # scheme, port, path and identifier as DHCPUtil sends
CISCO_HEX_LIMIT = 90  # bytes: IOS `option 43 hex` keeps 180 hex digits, silently (protocol.md §3)


class Severity(StrEnum):
    ERROR = "error"  # phones will not sign in with this value
    WARNING = "warning"  # works only with care, or breaks on some servers or phones
    NOTE = "note"  # worth knowing, not wrong


@dataclass(frozen=True, slots=True)
class Lint:
    severity: Severity
    code: str  # stable, snake_case: for scripts and tests
    message: str

    def __str__(self) -> str:
        return f"{self.severity}: {self.message} [{self.code}]"

    def as_dict(self) -> dict[str, str]:
        return {"severity": str(self.severity), "code": self.code, "message": self.message}


def lint_cert_provisioning(value: CertProvisioning) -> list[Lint]:
    """Scheme, port and path that differ from what Lync's web services use."""
    found = []
    if value.scheme != STANDARD.scheme:
        found.append(
            Lint(
                Severity.WARNING,
                "nonstandard_scheme",
                f"URL scheme {value.scheme!r}: phones expect 'https' (certificate provisioning"
                " runs over TLS)",
            )
        )
    if value.port != STANDARD.port:
        found.append(
            Lint(
                Severity.WARNING,
                "nonstandard_port",
                f"web server port {value.port}: Lync's internal web services listen on 443",
            )
        )
    if value.path != STANDARD.path:
        found.append(
            Lint(
                Severity.WARNING,
                "nonstandard_path",
                f"path {value.path!r}: the certificate provisioning service is at"
                f" {STANDARD.path!r}",
            )
        )
    if value.identifier != STANDARD.identifier:
        found.append(
            Lint(
                Severity.ERROR,
                "wrong_identifier",
                f"sub-option 1 is {value.identifier!r}: phones look for 'MS-UC-Client'",
            )
        )
    return found


def lint_option_43_length(data: bytes) -> list[Lint]:
    if len(data) <= CISCO_HEX_LIMIT:
        return []
    return [
        Lint(
            Severity.WARNING,
            "cisco_truncation",
            f"option 43 is {len(data)} bytes: Cisco IOS `option 43 hex` silently keeps only"
            f" {CISCO_HEX_LIMIT} bytes (180 hex characters); use `ucdhcp export --format"
            " cisco-ios`, which splits the value",
        )
    ]


def lint_domains(
    sip_servers: tuple[str, ...], web_server: str, sip_domain: str | None
) -> list[Lint]:
    """FQDNs outside the SIP domain (phones check the registrar against the user's domain)."""
    if sip_domain is None:
        return _lint_web_domain(sip_servers, web_server)
    domain = sip_domain.strip(".").lower()
    found = []
    for role, name in [*(("SIP server", s) for s in sip_servers), ("web server", web_server)]:
        if not _within(name, domain):
            found.append(
                Lint(
                    Severity.WARNING,
                    "fqdn_outside_sip_domain",
                    f"{role} {name} is not in the SIP domain {domain}: phones trust only"
                    " servers in the user's SIP domain unless TrustModelData lists them",
                )
            )
    return found


def _lint_web_domain(sip_servers: tuple[str, ...], web_server: str) -> list[Lint]:
    if not sip_servers or "." not in sip_servers[0]:
        return []
    domain = sip_servers[0].split(".", 1)[1].lower()
    if _within(web_server, domain):
        return []
    return [
        Lint(
            Severity.NOTE,
            "web_server_domain_differs",
            f"web server {web_server} is not in {domain}, the domain of SIP server"
            f" {sip_servers[0]}",
        )
    ]


def _within(name: str, domain: str) -> bool:
    name = name.strip(".").lower()
    return name == domain or name.endswith("." + domain)
