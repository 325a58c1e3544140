"""Where the tools get a site's values: the command line or a config file. Both go through
config/model.py's validation and core/policy.py's encoders, so the tools see exactly the bytes
`ucdhcp serve` sends.

Strategy: command-line values are turned into a one-site config document, so a bad FQDN gets
the same check and message as in a file; only the field path is translated to the flag.
"""

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..config.errors import ConfigError
from ..config.loading import build_policy, load_policy, parse_config
from ..config.model import Config
from ..core.policy import Policy, Profile, Site, VendorClassMatch
from ..wire.options import OptionCode, SipServerEncoding
from ..wire.vendor import MS_UC_CLIENT, CertProvisioning

COMMAND_LINE_SITE = "command-line"
_FLAGS = {  # config field -> the flag that set it
    "sip_servers": "sip-server",
    "web_server": "web-server",
    "scheme": "scheme",
    "port": "port",
    "cert_provisioning_path": "path",
    "subnets": "subnet",
    "vendor_classes": "vendor-class",
}
# The site key that sets each further option a site sends, as the reports name it.
_SITE_KEYS: dict[int, str] = {
    OptionCode.NTP_SERVERS: "ntp_servers",
    OptionCode.TIME_SERVER: "time_servers",
}


class ToolError(Exception):
    """A one-line reason the tool cannot do its job with these inputs."""


@dataclass(frozen=True, slots=True)
class SiteValues:
    """One site's MS-UC-Client answer: plain values and the option data ucdhcp sends."""

    name: str
    subnets: tuple[ipaddress.IPv4Network, ...]
    sip_servers: tuple[str, ...]
    sip_server_encoding: SipServerEncoding
    cert_provisioning: CertProvisioning
    option_120: bytes  # data, without code and length
    option_43: bytes
    default: bool = False
    other_options: tuple[tuple[int, str], ...] = ()  # (code, what) also sent by ucdhcp
    ntp_servers: tuple[str, ...] = ()  # option 42


@dataclass(frozen=True, slots=True)
class Deployment:
    """The sites, and the option 60 values answered with MS-UC-Client options."""

    sites: tuple[SiteValues, ...]
    vendor_classes: tuple[bytes, ...] = (MS_UC_CLIENT,)
    vendor_class_match: VendorClassMatch = VendorClassMatch.EXACT

    def site(self, name: str) -> SiteValues:
        """Raises ToolError when no site has that name."""
        for site in self.sites:
            if site.name == name:
                return site
        names = ", ".join(site.name for site in self.sites)
        raise ToolError(f"no site named {name!r} (sites: {names})")

    def only(self, name: str | None) -> "Deployment":
        """This deployment narrowed to one site (the default site keeps its role)."""
        if name is None:
            return self
        return Deployment((self.site(name),), self.vendor_classes, self.vendor_class_match)


def from_command_line(
    sip_servers: Sequence[str],
    *,
    web_server: str | None = None,
    scheme: str | None = None,
    port: int | None = None,
    path: str | None = None,
    subnets: Sequence[str] = (),
    vendor_classes: Sequence[str] = (),
    flag_prefix: str = "--",
) -> Deployment:
    """One site (the default site) from flags, validated exactly like a config file.

    Raises:
        ToolError: a bad value, naming the flag that gave it (`flag_prefix` + field name).
    """
    site: dict[str, object] = {"name": COMMAND_LINE_SITE, "sip_servers": list(sip_servers)}
    given = {
        "web_server": web_server,
        "scheme": scheme,
        "port": port,
        "cert_provisioning_path": path,
    }
    site.update({key: value for key, value in given.items() if value is not None})
    if subnets:
        site["subnets"] = list(subnets)
    document: dict[str, object] = {"sites": [site], "default_site": COMMAND_LINE_SITE}
    if vendor_classes:
        document["vendor_classes"] = {name: Profile.MS_UC_CLIENT.value for name in vendor_classes}
    try:
        policy = build_policy(parse_config(document, "<command line>"), "<command line>")
    except ConfigError as error:
        raise ToolError(_flag_problem(error, flag_prefix)) from None
    return deployment(policy)


def from_config(path: Path) -> Deployment:
    """The deployment view of a config file; raises ToolError (see policy_from_config)."""
    return deployment(policy_from_config(path))


def policy_from_config(path: Path) -> Policy:
    """Load a config file as `ucdhcp serve` would; raises ToolError (see load_checked)."""
    return load_checked(path)[1]


def load_checked(path: Path) -> tuple[Config, Policy]:
    """Load a config file as `ucdhcp serve` would.

    Raises:
        ToolError: unreadable or invalid file (the first problem, with its field path).
    """
    try:
        return load_policy(path)
    except ConfigError as error:
        where, why = error.problems[0]
        more = len(error.problems) - 1
        suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
        raise ToolError(f"{error.file}: {where + ': ' if where else ''}{why}{suffix}") from None


def deployment(policy: Policy) -> Deployment:
    """The MS-UC-Client view of a policy: every site's values, from the policy alone."""
    sites = tuple(_site_values(site, site is policy.default_site) for site in policy.sites)
    served = tuple(
        name for name, profile in policy.vendor_classes.items() if profile is Profile.MS_UC_CLIENT
    )
    return Deployment(sites, served, policy.vendor_class_match)


def _site_values(site: Site, default: bool) -> SiteValues:
    spec = site.spec
    payloads = site.payloads[Profile.MS_UC_CLIENT]
    others = tuple(
        (int(code), _SITE_KEYS.get(code, f"options (code {int(code)})"))
        for code in payloads
        if code not in (OptionCode.SIP_SERVERS, OptionCode.VENDOR_SPECIFIC)
    )
    return SiteValues(
        name=site.name,
        subnets=site.subnets,
        sip_servers=tuple(str(server) for server in spec.sip_servers),
        sip_server_encoding=spec.sip_server_encoding,
        cert_provisioning=spec.cert_provisioning,
        option_120=payloads[OptionCode.SIP_SERVERS],
        option_43=payloads[OptionCode.VENDOR_SPECIFIC],
        default=default,
        other_options=others,
        ntp_servers=tuple(str(server) for server in spec.ntp_servers),
    )


def _flag_problem(error: ConfigError, flag_prefix: str) -> str:
    where, why = error.problems[0]
    field = where.split(".")[-1].split("[")[0] if where else ""
    flag = _FLAGS.get(field)
    return f"{flag_prefix}{flag}: {why}" if flag else why
