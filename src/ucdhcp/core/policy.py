"""What to answer: sites with their pre-encoded option payloads, the vendor classes served,
and how a request is matched to a site. Pure: built once per config load, then read-only.

Strategy: every option a site can send is encoded into a TLV when the policy is built, so a
bad value is a load-time error and a reply is a join of ready bytes.
"""

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final, NamedTuple

from ..wire.message import MessageType
from ..wire.options import (
    OptionCode,
    SipServerEncoding,
    encode_ipv4_list,
    encode_option,
    encode_sip_servers,
)
from ..wire.reply import NEVER_SENT, ack_prefix
from ..wire.vendor import (
    CPE_OCPHONE,
    MS_UC_CLIENT,
    CertProvisioning,
    VlanIdFormat,
    encode_ms_uc_client,
    encode_vlan_id,
)
from .prefixes import Prefixes, longest_first, lookup

# Extra options may not replace what the responder builds itself nor what RFC 2131 Table 3
# forbids in a reply to INFORM.
RESERVED_CODES = NEVER_SENT | {
    OptionCode.VENDOR_SPECIFIC,
    OptionCode.SIP_SERVERS,
    OptionCode.NTP_SERVERS,
    OptionCode.TIME_SERVER,
}


class Profile(StrEnum):
    """What a vendor class is answered with."""

    MS_UC_CLIENT = "ms-uc-client"  # options 120 and 43 sub-options 1-5
    CPE_OCPHONE = "cpe-ocphone"  # option 43 sub-option 10 (VLAN ID), only when configured


class VendorClassMatch(StrEnum):
    EXACT = "exact"  # byte for byte, after trimming trailing NULs (RFC 2131 §4.3.1)
    PREFIX = "prefix"  # for firmware that appends a version, e.g. "MS-UC-Client 4.0"


class RelayedInform(StrEnum):
    """Where the reply to a relayed INFORM from a client with an address goes (RFC 2131 §4.3.5)."""

    CIADDR = "ciaddr"  # straight to the client, as ISC dhcpd and Kea do
    RELAY = "relay"  # back through giaddr:67, as dnsmasq does


# Seconds a proxy OFFER waits before it is sent, so that a client taking the first OFFER
# (busybox udhcpc, and likely the phones) takes the lease server's: longer than Kea (about
# 1 ms) and ISC dhcpd's 1 s ping-check take to OFFER, shorter than a client's first DISCOVER
# retransmission (udhcpc 3 s, RFC 2131 §4.1: 4 s +-1); protocol.md §10.
DEFAULT_OFFER_DELAY = 2.0
_ACK: Final = int(MessageType.ACK)

DEFAULT_VENDOR_CLASSES: Mapping[bytes, Profile] = {
    MS_UC_CLIENT: Profile.MS_UC_CLIENT,
    CPE_OCPHONE: Profile.CPE_OCPHONE,
}


@dataclass(frozen=True, slots=True)
class SiteSpec:
    """A site as configured, in typed values that config/model.py has validated; `build_site`
    encodes it. Extra options never use a code in RESERVED_CODES (config refuses them)."""

    name: str
    subnets: tuple[ipaddress.IPv4Network, ...]
    # FQDNs (RFC 3361 §3.1, encoding 0) or addresses (§3.2, encoding 1): never both
    sip_servers: tuple[str, ...] | tuple[ipaddress.IPv4Address, ...]
    cert_provisioning: CertProvisioning
    vlan_id: int | None = None
    vlan_id_format: VlanIdFormat = VlanIdFormat.WORD
    ntp_servers: tuple[ipaddress.IPv4Address, ...] = ()
    time_servers: tuple[ipaddress.IPv4Address, ...] = ()
    extra_options: Mapping[int, bytes] = field(default_factory=dict)

    @property
    def sip_server_encoding(self) -> SipServerEncoding:
        servers = self.sip_servers  # typed by the config: names, or addresses
        if servers and isinstance(servers[0], ipaddress.IPv4Address):
            return SipServerEncoding.IPV4
        return SipServerEncoding.FQDN


@dataclass(frozen=True, slots=True)
class Site:
    name: str
    subnets: tuple[ipaddress.IPv4Network, ...]
    options: Mapping[Profile, Mapping[int, bytes]]  # profile -> code -> encoded TLV(s)
    payloads: Mapping[Profile, Mapping[int, bytes]]  # the same options' data, unframed
    spec: SiteSpec  # the values it was built from, for the tools' view of it


def build_site(spec: SiteSpec) -> Site:
    """Encode every option the site can send, once.

    Raises:
        ValueError: a value that cannot be encoded (bad name, VLAN ID).
    """
    common = dict(spec.extra_options)
    if spec.ntp_servers:
        common[OptionCode.NTP_SERVERS] = encode_ipv4_list(spec.ntp_servers)
    if spec.time_servers:
        common[OptionCode.TIME_SERVER] = encode_ipv4_list(spec.time_servers)
    payloads: dict[Profile, Mapping[int, bytes]] = {
        Profile.MS_UC_CLIENT: {
            **common,
            OptionCode.SIP_SERVERS: encode_sip_servers(
                spec.sip_servers, spec.sip_server_encoding.encoding
            ),
            OptionCode.VENDOR_SPECIFIC: encode_ms_uc_client(spec.cert_provisioning),
        }
    }
    if spec.vlan_id is not None:
        payloads[Profile.CPE_OCPHONE] = {
            **common,
            OptionCode.VENDOR_SPECIFIC: encode_vlan_id(spec.vlan_id, spec.vlan_id_format),
        }
    options = {
        profile: {code: encode_option(code, data) for code, data in by_code.items()}
        for profile, by_code in payloads.items()
    }
    return Site(spec.name, spec.subnets, options, payloads, spec)


class OptionSet(NamedTuple):
    """The option TLVs one reply carries, in order, and their concatenation."""

    tlvs: tuple[bytes, ...]
    joined: bytes


class LeanPlan:
    """What the responder's lean INFORM path sends for one (option 60, option 55, site,
    server identifier): the site and profile, and the reply's options pre-encoded. A plain
    class: its fields are read per packet, which is native when compiled (a NamedTuple's are
    not)."""

    __slots__ = ("body", "prefix", "profile", "site")

    def __init__(self, site: Site, profile: Profile, prefix: bytes, body: bytes) -> None:
        self.site = site
        self.profile = profile
        self.prefix = prefix  # options 53 (ACK) and 54
        self.body = body  # the chosen option TLVs, joined


CACHE_LIMIT: Final = 4096  # entries per memo; a full memo is emptied, so memory stays bounded


@dataclass(frozen=True, slots=True)
class Policy:
    """Everything the responder needs to decide; swapped as a whole on reload.

    Memos make the per-packet work a dictionary lookup: the site for an address, the joined
    option TLVs for a (site, profile, option 55) triple, and the lean INFORM path's plan
    (`lean_plan`). They hold only values derived from the policy itself, so a new policy
    (reload) starts with empty ones, and each is emptied when full (CACHE_LIMIT).
    """

    sites: tuple[Site, ...]
    default_site: Site | None = None
    vendor_classes: Mapping[bytes, Profile] = field(
        default_factory=lambda: dict(DEFAULT_VENDOR_CLASSES)
    )
    vendor_class_match: VendorClassMatch = VendorClassMatch.EXACT
    always_send: bool = False  # send the profile's options even if option 55 does not ask
    answer_discover: frozenset[Profile] = frozenset()  # opt-in proxy OFFER (yiaddr 0)
    offer_delay: float = DEFAULT_OFFER_DELAY  # seconds the send path holds a proxy OFFER
    relayed_inform: RelayedInform = RelayedInform.CIADDR
    trusted_relays: frozenset[bytes] | None = None  # 4-byte giaddrs; None trusts every relay
    # The same addresses dotted, as a datagram's source is given: the sources that may speak
    # for many phones (limits.py `admit`); None trusts every source that sets giaddr.
    trusted_sources: frozenset[str] | None = field(init=False, repr=False, compare=False)
    _routes: Prefixes[Site] = field(init=False, repr=False, compare=False)
    _sites_by_address: dict[bytes, Site | None] = field(init=False, repr=False, compare=False)
    _option_sets: dict[tuple[str, Profile, bytes], OptionSet] = field(
        init=False, repr=False, compare=False
    )
    _lean_plans: dict[tuple[bytes, bytes, str, bytes], "LeanPlan | None"] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        routes = longest_first((net, site) for site in self.sites for net in site.subnets)
        object.__setattr__(self, "_routes", routes)
        object.__setattr__(self, "_sites_by_address", {})
        object.__setattr__(self, "_option_sets", {})
        object.__setattr__(self, "_lean_plans", {})
        trusted = self.trusted_relays
        object.__setattr__(
            self,
            "trusted_sources",
            None if trusted is None else frozenset(".".join(map(str, a)) for a in trusted),
        )

    def profile_for(self, vendor_class: bytes) -> Profile | None:
        """The profile serving this option 60 value, or None."""
        if vendor_class[-1:] == b"\x00":
            vendor_class = vendor_class.rstrip(b"\x00")  # RFC 2132 §2 (protocol.md §6)
        profile = self.vendor_classes.get(vendor_class)
        if profile is not None or self.vendor_class_match is VendorClassMatch.EXACT:
            return profile
        for name, candidate in self.vendor_classes.items():
            if vendor_class.startswith(name):
                return candidate
        return None

    def site_for(self, address: bytes) -> Site | None:
        """The site whose subnets contain a 4-byte address (longest prefix), or None."""
        return lookup(self._routes, address)

    def site_or_default(self, address: bytes) -> Site | None:
        """site_for(address), else the default site; memoised per address."""
        memo = self._sites_by_address
        try:
            return memo[address]
        except KeyError:
            pass
        site = self.site_for(address) or self.default_site
        if len(memo) >= CACHE_LIMIT:
            memo.clear()
        memo[address] = site
        return site

    def option_set(self, site: Site, profile: Profile, requested: bytes) -> OptionSet | None:
        """The TLVs to send, in option 55 order (RFC 2132 §9.8), each once, then the
        always-send extras; None when the site has nothing for the profile. Memoised."""
        key = (site.name, profile, requested)
        memo = self._option_sets
        chosen = memo.get(key)
        if chosen is None:
            available = site.options.get(profile)
            if not available:
                return None
            tlvs = [available[code] for code in dict.fromkeys(requested) if code in available]
            if self.always_send:
                tlvs += [tlv for code, tlv in available.items() if code not in requested]
            chosen = OptionSet(tuple(tlvs), b"".join(tlvs))
            if len(memo) >= CACHE_LIMIT:
                memo.clear()
            memo[key] = chosen
        return chosen

    def lean_plan(
        self, vendor_class: bytes, requested: bytes, site: Site, server_id: bytes
    ) -> LeanPlan | None:
        """What an ACK to an INFORM with this option 60 and option 55, at `site`, from
        `server_id` carries, pre-encoded (responder.py's lean path); None when no reply with
        options would be sent (the general path then says why). Memoised."""
        key = (vendor_class, requested, site.name, server_id)
        memo = self._lean_plans
        try:
            return memo[key]
        except KeyError:
            pass
        plan = None
        profile = self.profile_for(vendor_class)
        if profile is not None:
            chosen = self.option_set(site, profile, requested)
            if chosen is not None and chosen.tlvs:
                plan = LeanPlan(site, profile, ack_prefix(_ACK, server_id), chosen.joined)
        if len(memo) >= CACHE_LIMIT:
            memo.clear()
        memo[key] = plan
        return plan
