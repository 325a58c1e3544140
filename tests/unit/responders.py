"""Sites, policies and a responder for the pure tests: `respond` runs a datagram through
Responder.respond as if it had arrived at protocol.md §7's responder (10.1.2.10)."""

import ipaddress
from typing import Any

from tests.dhcp.golden import SERVER_ID
from ucdhcp.core.policy import Policy, SiteSpec, build_site
from ucdhcp.core.responder import Arrival, Ignored, Reply, Responder
from ucdhcp.wire.vendor import CertProvisioning


def site_spec(
    name: str = "pool01",
    subnets: tuple[str, ...] = ("10.1.2.0/24",),
    sip_servers: tuple[str, ...] = ("pool01.contoso.com",),
    **fields: Any,
) -> SiteSpec:
    web_server = fields.pop("web_server", sip_servers[0])
    for key in ("ntp_servers", "time_servers"):  # typed, as config/model.py hands them over
        fields[key] = tuple(map(ipaddress.IPv4Address, fields.get(key, ())))
    return SiteSpec(
        name=name,
        subnets=tuple(map(ipaddress.IPv4Network, subnets)),
        sip_servers=sip_servers,
        cert_provisioning=CertProvisioning(web_server),
        **fields,
    )


def responder(*sites: SiteSpec, **policy_fields: Any) -> Responder:
    """A responder over the given sites (pool01 alone by default)."""
    built = tuple(build_site(spec) for spec in sites or (site_spec(),))
    limits = policy_fields.pop("limits", None)
    return Responder(Policy(sites=built, **policy_fields), limits)


def respond(
    datagram: bytes,
    responder_: Responder | None = None,
    *,
    source: tuple[str, int] = ("10.1.2.50", 68),
    server_id: bytes = SERVER_ID,
) -> Reply | Ignored:
    return (responder_ or responder()).respond(datagram, source, Arrival(server_id=server_id))


def answered(outcome: Reply | Ignored) -> Reply:
    assert isinstance(outcome, Reply), f"expected a reply, got {outcome!r}"
    return outcome
