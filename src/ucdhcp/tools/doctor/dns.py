"""Step 1: the names a phone resolves. A records of every option 120 FQDN and of the web
server, and with a SIP domain the SRV records a phone looks up in it (dnspython)."""

from dataclasses import dataclass

import dns.exception
import dns.rdata
import dns.rdtypes.IN.SRV
import dns.resolver

from ..lint import lint_domains
from .checklist import Check, Step, fail, ok, warn
from .targets import DoctorOptions, Targets

SIP_SRV = "_sipinternaltls._tcp"  # MS-SIPRE: the internal registrar, SIP over TLS
NTP_SRV = "_ntp._udp"  # Lync phones look it up for a time source besides option 42


@dataclass(frozen=True, slots=True)
class Lookup:
    """A lookup's records, or why there are none (`missing`: the name or the record)."""

    records: tuple[str, ...] = ()
    error: str | None = None
    missing: bool = False


class Resolver:
    """dnspython's resolver, asking `server` (or the system's, from /etc/resolv.conf), every
    query bounded by `timeout` seconds in all."""

    def __init__(self, server: str | None, timeout: float) -> None:
        if server is None:
            self._resolver = dns.resolver.Resolver()  # raises NoResolverConfiguration
        else:
            self._resolver = dns.resolver.Resolver(configure=False)
            self._resolver.nameservers = [server]
        self._resolver.timeout = timeout
        self._resolver.lifetime = timeout
        self.servers = ", ".join(str(each) for each in self._resolver.nameservers)

    def lookup(self, name: str, rdtype: str) -> Lookup:
        try:
            answer = self._resolver.resolve(name, rdtype, search=False)
        except dns.resolver.NXDOMAIN:
            return Lookup(error="no such name (NXDOMAIN)", missing=True)
        except dns.resolver.NoAnswer:
            return Lookup(error=f"the name exists but has no {rdtype} record", missing=True)
        except dns.resolver.LifetimeTimeout:
            return Lookup(
                error=f"no answer from {self.servers} within {self._resolver.lifetime:g} s"
            )
        except dns.resolver.NoNameservers as error:
            return Lookup(error=f"{self.servers} could not answer: {_first_line(error)}")
        except dns.exception.DNSException as error:
            return Lookup(error=_first_line(error))
        return Lookup(records=tuple(_text(rdata, rdtype) for rdata in answer))


def open_resolver(settings: DoctorOptions) -> Resolver | Check:
    try:
        return Resolver(settings.dns_server, settings.timeout)
    except dns.exception.DNSException as error:
        return fail(
            Step.DNS,
            f"no DNS resolver: {_first_line(error)}",
            "give --dns SERVER (the DNS server phones get by DHCP option 6)",
        )


def check_dns(
    targets: Targets, resolver: Resolver
) -> tuple[list[Check], dict[str, tuple[str, ...]]]:
    """The DNS checks, and the addresses each name resolved to (for the later steps)."""
    checks = []
    addresses: dict[str, tuple[str, ...]] = {}
    for name in targets.names():
        answer = resolver.lookup(name, "A")
        addresses[name] = answer.records
        checks.append(_address_check(name, answer, resolver.servers))
    if targets.sip_domain is not None:
        checks += _srv_checks(targets, resolver)
        checks += _domain_checks(targets, targets.sip_domain)
    return checks, addresses


def _address_check(name: str, answer: Lookup, servers: str) -> Check:
    if answer.records:
        return ok(Step.DNS, f"{name} resolves: {', '.join(answer.records)}")
    if answer.missing:
        return fail(
            Step.DNS,
            f"{name} does not resolve: {answer.error}",
            f"add an A record for {name} on the DNS servers phones use, or correct the value"
            " the phones get",
        )
    return fail(
        Step.DNS,
        f"{name}: {answer.error}",
        f"make DNS server {servers} answer queries from this network (UDP and TCP 53)",
    )


def _srv_checks(targets: Targets, resolver: Resolver) -> list[Check]:
    domain = targets.sip_domain
    checks = []
    for service, port, needed in (
        (SIP_SRV, 5061, True),
        (NTP_SRV, 123, not targets.ntp_servers),
    ):
        name = f"{service}.{domain}"
        answer = resolver.lookup(name, "SRV")
        if answer.records:
            checks.append(ok(Step.DNS, f"SRV {name}: {', '.join(answer.records)}"))
            continue
        target = targets.sip_servers[0] if service == SIP_SRV and targets.sip_servers else "SERVER"
        fix = f"publish SRV {name} 0 0 {port} {target}"
        detail = f"SRV {name}: {answer.error}"
        if needed:
            checks.append(fail(Step.DNS, detail, fix))
        else:
            checks.append(warn(Step.DNS, f"{detail} (option 42 gives the time)", fix))
    return checks


def _domain_checks(targets: Targets, domain: str) -> list[Check]:
    lints = lint_domains(targets.sip_servers, targets.web.web_server, domain)
    if not lints:
        names = ", ".join(targets.names())
        return [ok(Step.DNS, f"{names} {'is' if len(targets.names()) == 1 else 'are'} in {domain}")]
    return [
        warn(Step.DNS, lint.message, f"use pool FQDNs in {domain}, or list them in TrustModelData")
        for lint in lints
    ]


def _text(rdata: dns.rdata.Rdata, rdtype: str) -> str:
    if isinstance(rdata, dns.rdtypes.IN.SRV.SRV):
        return f"{str(rdata.target).rstrip('.')}:{rdata.port}"
    return str(rdata)


def _first_line(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    return text.splitlines()[0]
