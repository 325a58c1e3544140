"""What the doctor checks: the values a phone would get (option 120's FQDNs, option 43's web
service, option 42's NTP servers) and where they came from, plus how to check them."""

from dataclasses import dataclass
from pathlib import Path

from ...wire.vendor import CertProvisioning

SIP_TLS_PORT = 5061  # Lync registrars: SIP over TLS (MS-SIPRE)


@dataclass(frozen=True, slots=True)
class Targets:
    """The values a phone would use."""

    origin: str  # e.g. "site headquarters of ucdhcp.toml"
    sip_servers: tuple[str, ...]
    web: CertProvisioning
    ntp_servers: tuple[str, ...] = ()
    sip_domain: str | None = None

    def describe(self) -> str:
        ntp = ", ".join(self.ntp_servers) or "none"
        return f"{self.origin}: SIP server {', '.join(self.sip_servers)}; {self.web.url}; NTP {ntp}"

    def names(self) -> tuple[str, ...]:
        """Every FQDN a phone resolves, each once, in the order it meets them."""
        return tuple(
            dict.fromkeys(name.lower() for name in (*self.sip_servers, self.web.web_server))
        )


@dataclass(frozen=True, slots=True)
class DoctorOptions:
    """How to check: where to ask, what to trust, how long to wait for each step."""

    timeout: float = 3.0
    dns_server: str | None = None  # None: the system resolver
    ca_file: Path | None = None  # None: the system trust store
    sip_port: int = SIP_TLS_PORT
