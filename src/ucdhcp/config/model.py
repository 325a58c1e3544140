"""The config's pydantic models: every section and field, strict TOML types, unknown keys
forbidden, and the checks that blame one field."""

import dataclasses
import ipaddress
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Annotated, Any, Self, TypeVar
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    Strict,
    model_validator,
)
from pydantic_core import PydanticCustomError

from ..core.policy import (
    DEFAULT_OFFER_DELAY,
    DEFAULT_VENDOR_CLASSES,
    RESERVED_CODES,
    Profile,
    RelayedInform,
    SiteSpec,
    VendorClassMatch,
)
from ..wire.options import SipServerEncoding
from ..wire.vendor import (
    STANDARD_PATH,
    STANDARD_PORT,
    STANDARD_SCHEME,
    CertProvisioning,
    VlanIdFormat,
)
from .errors import FieldValueError
from .settings import (
    LimitSettings,
    LogFormat,
    LoggingSettings,
    LogLevel,
    MetricsSettings,
    RequestLevel,
    ServerSettings,
    Settings,
)

_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*$")
_T = TypeVar("_T")
_K = TypeVar("_K", int, str)
_S = TypeVar("_S", ServerSettings, LoggingSettings, MetricsSettings, LimitSettings)


def _fqdn(value: str) -> str:
    name = value[:-1] if value.endswith(".") else value
    if len(name) > 253:
        raise ValueError(f"{value!r} is longer than 253 characters")
    labels = name.split(".")
    if labels[-1].isdigit():
        raise ValueError(
            f"{value!r} is an address, not an FQDN; Lync phones need a name"
            " (set sip_server_encoding = 'ipv4' to send addresses)"
        )
    if len(labels) < 2:
        raise ValueError(f"{value!r} is not fully qualified (phones need e.g. pool01.contoso.com)")
    for label in labels:
        if not _LABEL.match(label):
            raise ValueError(
                f"{value!r}: label {label!r} must be 1-63 letters, digits or hyphens,"
                " not starting or ending with a hyphen"
            )
    return name


def _path(value: str) -> str:
    _fits_suboption(value, 5)
    if not value.startswith("/"):
        raise ValueError(f"{value!r} must start with '/'")
    if not all(0x21 <= ord(char) < 0x7F for char in value):
        raise ValueError(f"{value!r} must be printable ASCII without spaces")
    return value


def _scheme(value: str) -> str:
    _fits_suboption(value, 2)
    if not _SCHEME.match(value):
        raise ValueError(f"{value!r} is not a URL scheme")
    return value


def _toml_string(value: object) -> object:
    # Addresses, networks and enum names come from TOML strings, converted by pydantic's lax
    # mode; anything else (an integer is a valid IPv4Address to Python) is a type error.
    if isinstance(value, str) or not isinstance(value, bool | int | float | list | dict):
        return value
    raise PydanticCustomError("string_type", "Input should be a valid string")


FromString = (Strict(False), BeforeValidator(_toml_string))
Address = Annotated[ipaddress.IPv4Address, *FromString]
Network = Annotated[ipaddress.IPv4Network, *FromString]


def _fits_suboption(value: str, code: int) -> None:
    # An option 43 sub-option's length is one byte (RFC 2132 §8.4); checked here so the error
    # names the key the user wrote, not the sub-option it becomes.
    size = len(value.encode())
    if size > 255:
        raise ValueError(f"is {size} bytes long; option 43 sub-option {code} holds at most 255")


Fqdn = Annotated[str, AfterValidator(_fqdn)]
UrlPath = Annotated[str, AfterValidator(_path)]
Scheme = Annotated[str, AfterValidator(_scheme)]
Port = Annotated[int, Field(ge=1, le=65535)]
ListenPort = Annotated[int, Field(ge=0, le=65535)]  # 0: any free port (tests)


class Model(BaseModel):
    # strict: TOML has real types, so `port = true` or `"67"` is a mistake, not a 1 or a 67
    # (ints still pass for floats: no information is lost)
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    def _settings(self, kind: type[_S], **derived: Any) -> _S:
        """What the server keeps of this section (settings.py), by keyword: each field has
        the name it has in the file, and `derived` gives the values computed from them."""
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(kind)}
        return kind(**(values | derived))


InterfaceName = Annotated[str, Field(pattern=r"^[^/\s:]{1,15}$")]  # IFNAMSIZ - 1
# Option 60 values as phones send them: printable ASCII without quotes or shell/batch
# metacharacters (they are also written into exported netsh/PowerShell scripts).
VendorClassName = Annotated[str, Field(pattern=r"^[A-Za-z0-9._:+/()=,@ -]{1,255}$")]


def _usable_server_id(value: ipaddress.IPv4Address | None) -> ipaddress.IPv4Address | None:
    if value is not None and (value.is_unspecified or value.is_multicast or value == _BROADCAST):
        raise ValueError(f"{value} cannot identify a server (RFC 2131 §4.1: an address of ours)")
    return value


_BROADCAST = ipaddress.IPv4Address("255.255.255.255")


class ServerSection(Model):
    address: Address = ipaddress.IPv4Address("0.0.0.0")
    port: ListenPort = 67
    interfaces: list[InterfaceName] | None = None  # with address 0.0.0.0; None: all but loopback
    server_id: Annotated[Address | None, AfterValidator(_usable_server_id)] = None
    # Bytes of queued requests per socket: 32 MiB holds a storm of ~20,000 INFORMs that
    # arrive faster than one core answers them (each small datagram costs ~1-2 KiB of it).
    receive_buffer: Annotated[int, Field(ge=65536, le=1 << 30)] = 32 << 20

    @model_validator(mode="after")
    def _interfaces_need_wildcard(self) -> Self:
        if self.interfaces is not None and not self.address.is_unspecified:
            raise FieldValueError(
                ("interfaces",), "needs address = '0.0.0.0' (one socket per interface)"
            )
        return self

    def settings(self) -> ServerSettings:
        interfaces = None if self.interfaces is None else tuple(self.interfaces)
        return self._settings(ServerSettings, interfaces=interfaces)


def _proxy_offer_profiles(profiles: list[Profile]) -> list[Profile]:
    # MS-UC-Client phones get 120/43 by INFORM once they have a lease; anything that sends
    # MS-UC-Client in its DISCOVER and takes the first OFFER (seen with busybox udhcpc) takes a
    # proxy OFFER (yiaddr 0) for a lease offer, REQUESTs 0.0.0.0 and stays without an address.
    if Profile.MS_UC_CLIENT in profiles:
        raise ValueError(
            "'ms-uc-client' cannot be answered on DISCOVER: Lync phones ask for 120/43 by"
            " DHCPINFORM after their lease, and a client sending MS-UC-Client in its DISCOVER"
            " can take the proxy OFFER (yiaddr 0) for a lease offer and never get an address;"
            " only 'cpe-ocphone' (VLAN ID during DORA) may be listed"
        )
    return profiles


class RepliesSection(Model):
    relayed_inform: Annotated[RelayedInform, *FromString] = RelayedInform.CIADDR
    always_send: bool = False
    answer_discover: Annotated[
        list[Annotated[Profile, *FromString]], AfterValidator(_proxy_offer_profiles)
    ] = []
    # Never 0: a proxy OFFER sent at once beats the lease server's and can stall the client.
    offer_delay: Annotated[float, Field(ge=0.5, le=3.0)] = DEFAULT_OFFER_DELAY
    vendor_class_match: Annotated[VendorClassMatch, *FromString] = VendorClassMatch.EXACT
    trusted_relays: list[Address] | None = None


# Per second: a phone needs about one, and the counters (core/limits.py) hold up to 0xFFFF.
Limit = Annotated[int, Field(ge=0, le=0xFFFF)]


class LimitsSection(Model):
    # Replies per second; 0 turns a limit off (limits.py). A phone needs about one a second.
    # Per client (chaddr): one phone or tool looping.
    replies_per_client: Limit = 20
    # Per destination address (a ciaddr or a source): what a spoofed one can aim at a victim.
    replies_per_destination: Limit = 50
    # Per relay (giaddr) and for the broadcast address, which many phones share: a boot storm
    # of 20,000 phones behind one relay that all send in the same second is answered within
    # their retransmissions (4, 8, 16 s; protocol.md §10).
    replies_per_relay: Limit = 2000
    # Per destination port other than 67/68 (a reply to a spoofed source's port).
    replies_per_port: Limit = 50
    # Requests (not replies) per second from one source address that is not a relay (no
    # giaddr, or a giaddr from a source outside replies.trusted_relays when that is set); the
    # rest are dropped unread: one host cannot take the responder's time from booting phones,
    # however many chaddrs, ciaddrs or giaddrs it makes up.
    requests_per_source: Limit = 100
    # Seconds a request may wait in the receive queue; one read later is dropped unread
    # (stale): a phone retransmits after about 4 s (RFC 2131 §4.1, protocol.md §10), so an
    # answer to an older request mostly answers one it has given up on, and delays fresh ones.
    max_wait: Annotated[float, Field(ge=0.1, le=10.0)] = 2.0

    def settings(self) -> LimitSettings:
        return self._settings(LimitSettings)


class MetricsSection(Model):
    listen: str | None = None  # "HOST:PORT" for the Prometheus endpoint; None: off

    @model_validator(mode="after")
    def _address(self) -> Self:
        if self.listen is not None:
            self.endpoint()
        return self

    def endpoint(self) -> tuple[str, int]:
        assert self.listen is not None
        host, _, port = self.listen.rpartition(":")
        try:
            address = ipaddress.IPv4Address(host)
        except ValueError:
            raise FieldValueError(
                ("listen",), f"{self.listen!r}: expected IPv4-ADDRESS:PORT"
            ) from None
        if not port.isdigit() or not 0 <= int(port) <= 65535:
            raise FieldValueError(("listen",), f"{self.listen!r}: port must be 0-65535")
        return str(address), int(port)

    def settings(self) -> MetricsSettings:
        endpoint = None if self.listen is None else self.endpoint()
        return self._settings(MetricsSettings, endpoint=endpoint)


class LoggingSection(Model):
    format: LogFormat = "auto"
    level: LogLevel = "info"
    requests: bool = False  # one event per decision; costs throughput
    request_level: RequestLevel = "info"
    # request_ignored events per reason per second (burst of the same size); the rest are
    # counted and summarised, so a flood of junk cannot fill the disk
    ignored_rate: Annotated[float, Field(gt=0, le=100000)] = 10.0
    # Per-request events (reply_sent, reply_dropped, request_ignored) per second, with a burst
    # of REQUESTS_BURST seconds' worth (runtime/request_log.py) so a 20,000-phone boot storm
    # is logged whole; what is left out is counted on the next event as `not_logged_before`.
    # 0: no bound.
    requests_rate: Annotated[float, Field(ge=0, le=10_000_000)] = 1000.0

    def settings(self) -> LoggingSettings:
        return self._settings(LoggingSettings)


class ExtraOption(Model):
    code: Annotated[int, Field(ge=1, le=254)]
    hex: str | None = None
    text: str | None = None
    addresses: list[Address] | None = None
    _data: bytes = PrivateAttr(default=b"")  # the value, read once by the validator

    @model_validator(mode="after")
    def _one_value(self) -> Self:
        given = [name for name in ("hex", "text", "addresses") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of hex, text or addresses")
        if self.code in RESERVED_CODES:
            raise ValueError(f"option {self.code} is managed by ucdhcp and cannot be set here")
        self._data = self._read()  # a bad hex string is a validation error
        return self

    def _read(self) -> bytes:
        if self.hex is not None:
            return bytes.fromhex(self.hex.replace(":", " "))
        if self.text is not None:
            return self.text.encode("utf-8")
        return b"".join(address.packed for address in self.addresses or ())

    def data(self) -> bytes:
        return self._data


class SiteSection(Model):
    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]
    subnets: list[Network] = []
    sip_servers: Annotated[list[str], Field(min_length=1)]
    sip_server_encoding: Annotated[SipServerEncoding, *FromString] = SipServerEncoding.FQDN
    web_server: Fqdn | None = None
    scheme: Scheme = STANDARD_SCHEME
    port: Port = STANDARD_PORT
    cert_provisioning_path: UrlPath = STANDARD_PATH
    cert_provisioning_url: str | None = None
    vlan_id: Annotated[int, Field(ge=1, le=4094)] | None = None
    vlan_id_format: Annotated[VlanIdFormat, *FromString] = VlanIdFormat.WORD
    ntp_servers: list[Address] = []
    time_servers: list[Address] = []
    options: list[ExtraOption] = []
    # Typed by the validators below, once: spec() hands them over without parsing again.
    _servers: tuple[str, ...] | tuple[ipaddress.IPv4Address, ...] = PrivateAttr(default=())
    _provisioning: CertProvisioning | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _options_once(self) -> Self:
        repeated = _repeated(option.code for option in self.options)
        if repeated:
            raise FieldValueError(("options",), f"option {repeated[0]} is given more than once")
        return self

    @model_validator(mode="after")
    def _sip_servers(self) -> Self:
        # Encoding 1 (RFC 3361 §3.2) is legal but Lync phones need an FQDN for TLS: opt-in only.
        if self.sip_server_encoding is SipServerEncoding.FQDN:
            self._servers = _parse_each(self.sip_servers, _fqdn)
            return self
        self._servers = _parse_each(self.sip_servers, ipaddress.IPv4Address)
        if self.web_server is None and self.cert_provisioning_url is None:
            raise FieldValueError(
                ("web_server",), "required (an FQDN) when sip_server_encoding = 'ipv4'"
            )
        return self

    @model_validator(mode="after")
    def _cert_provisioning(self) -> Self:
        if self.cert_provisioning_url is None:
            web_server = self.web_server or str(self._servers[0])  # DHCPUtil's default
            self._provisioning = CertProvisioning(
                web_server=web_server,
                scheme=self.scheme,
                port=self.port,
                path=self.cert_provisioning_path,
            )
            return self
        explicit = self.model_fields_set & {
            "web_server",
            "scheme",
            "port",
            "cert_provisioning_path",
        }
        if explicit:
            raise ValueError(
                f"cert_provisioning_url replaces {', '.join(sorted(explicit))}:"
                " give one or the other"
            )
        try:
            self._provisioning = _from_url(self.cert_provisioning_url)
        except ValueError as error:
            raise FieldValueError(("cert_provisioning_url",), str(error)) from None
        return self

    def spec(self) -> SiteSpec:
        """The site's typed values, as the validators left them."""
        assert self._provisioning is not None  # set by _cert_provisioning
        return SiteSpec(
            name=self.name,
            subnets=tuple(self.subnets),
            sip_servers=self._servers,
            cert_provisioning=self._provisioning,
            vlan_id=self.vlan_id,
            vlan_id_format=self.vlan_id_format,
            ntp_servers=tuple(self.ntp_servers),
            time_servers=tuple(self.time_servers),
            extra_options={option.code: option.data() for option in self.options},
        )


def _repeated(values: Iterable[_K]) -> list[_K]:
    """The values given more than once, sorted."""
    counts = Counter(values)
    return sorted(value for value, count in counts.items() if count > 1)


def _parse_each(servers: Sequence[str], parse: Callable[[str], _T]) -> tuple[_T, ...]:
    parsed = []
    for index, server in enumerate(servers):
        try:
            parsed.append(parse(server))
        except ValueError as error:
            raise FieldValueError(("sip_servers", index), str(error)) from None
    return tuple(parsed)


def _from_url(url: str) -> CertProvisioning:
    parts = urlsplit(url)
    if not parts.scheme or not parts.hostname or parts.query or parts.fragment:
        raise ValueError(f"cert_provisioning_url {url!r} must look like https://fqdn:443/path")
    try:
        port = parts.port  # urlsplit raises ValueError for a port outside 0-65535
    except ValueError:
        raise ValueError(f"cert_provisioning_url {url!r}: bad port") from None
    if port is None:
        port = 443 if parts.scheme == "https" else 80
    if not 1 <= port <= 65535:
        raise ValueError(f"cert_provisioning_url port {port} must be 1-65535")
    return CertProvisioning(
        web_server=_fqdn(parts.hostname),
        scheme=_scheme(parts.scheme),
        port=port,
        path=_path(parts.path or "/"),
    )


class Config(Model):
    server: ServerSection = ServerSection()
    replies: RepliesSection = RepliesSection()
    logging: LoggingSection = LoggingSection()
    metrics: MetricsSection = MetricsSection()
    limits: LimitsSection = LimitsSection()
    vendor_classes: dict[VendorClassName, Annotated[Profile, *FromString]] = Field(
        default_factory=lambda: {k.decode(): v for k, v in DEFAULT_VENDOR_CLASSES.items()}
    )
    default_site: str | None = None
    sites: Annotated[list[SiteSection], Field(min_length=1)]

    @model_validator(mode="after")
    def _sites_consistent(self) -> Self:
        names = [site.name for site in self.sites]
        duplicates = _repeated(names)
        if duplicates:
            raise FieldValueError(("sites",), f"site names must be unique: {', '.join(duplicates)}")
        if self.default_site is not None and self.default_site not in names:
            raise FieldValueError(
                ("default_site",), f"{self.default_site!r} is not the name of a site"
            )
        _check_overlaps(self.sites)
        return self

    def settings(self) -> Settings:
        """What the serving process keeps (settings.py)."""
        return Settings(
            server=self.server.settings(),
            logging=self.logging.settings(),
            metrics=self.metrics.settings(),
            limits=self.limits.settings(),
        )


def _check_overlaps(sites: Sequence[SiteSection]) -> None:
    owned = [(subnet, site.name) for site in sites for subnet in site.subnets]
    for index, (subnet, name) in enumerate(owned):
        for other, other_name in owned[index + 1 :]:
            if other_name != name and subnet.overlaps(other):
                raise FieldValueError(
                    ("sites",),
                    f"subnet {subnet} of site {name!r} overlaps {other} of site {other_name!r}",
                )
