"""`ucdhcp doctor`: from the values a phone gets to a phone that can sign in, checked in order
(DNS, certificate provisioning web service, registrars, time); arguments and exit codes only,
the checks live in tools/doctor/."""

import argparse
import ipaddress
import json
import sys
from pathlib import Path

from ..tools.deployment import SiteValues, ToolError
from ..tools.doctor.checklist import Check, Checklist, render
from ..tools.doctor.dhcp import ProbeRequest, probe_targets
from ..tools.doctor.examine import examine
from ..tools.doctor.targets import SIP_TLS_PORT, DoctorOptions, Targets
from . import EXIT_CONFIG, EXIT_OK, EXIT_RUNTIME
from .site_arguments import add_site_arguments, load_deployment


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = commands.add_parser(
        "doctor",
        help="check what a phone needs after DHCP: DNS, web service and registrar TLS, NTP",
        description="Follow the values a phone gets (from flags, a config's site, or a DHCP"
        " answer obtained with probe's DHCPINFORM on -i IF) and check, each step bounded by"
        " --timeout: the names resolve (and the SIP domain's SRV records), the certificate"
        " provisioning web service answers over TLS with a trusted certificate for its name,"
        " each registrar's TLS on 5061, and each option 42 NTP server. Prints a checklist with"
        " one fix line per failure. Exit 0 when a phone could sign in as far as the network"
        " can tell, 1 otherwise, 2 on bad arguments or config.",
    )
    add_site_arguments(parser)
    parser.add_argument(
        "--ntp-server", action="append", metavar="ADDR", help="option 42 server (repeatable)"
    )
    parser.add_argument(
        "-i", "--interface", metavar="IF", help="get the values from a DHCP answer on IF"
    )
    parser.add_argument(
        "--server", type=ipaddress.IPv4Address, metavar="ADDR", help="with -i: unicast to it"
    )
    parser.add_argument("--sip-domain", metavar="DOMAIN", help="check its SRV records too")
    parser.add_argument("--dns", metavar="ADDR", help="DNS server to ask (default: the system's)")
    parser.add_argument("--ca", type=Path, metavar="FILE", help="root(s) the phones trust (PEM)")
    parser.add_argument("--sip-port", type=int, default=SIP_TLS_PORT, help="registrar TLS port")
    parser.add_argument(
        "--timeout", type=float, default=3.0, metavar="S", help="bound of each step (3)"
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        settings = _settings(args)
        targets = None if args.interface else _targets(args)
    except ToolError as error:
        return _fail(str(error), EXIT_CONFIG)
    leading: list[Check] = []
    if targets is None:
        request = ProbeRequest(
            args.interface,
            args.server,
            (args.site_vendor_classes or ["MS-UC-Client"])[0].encode("latin-1"),
            timeout=max(settings.timeout, 4.0),
        )
        leading, targets = probe_targets(request, args.sip_domain)
    if targets is None:
        checklist = Checklist(f"the DHCP answer on {args.interface}", tuple(leading))
    else:
        checklist = examine(targets, settings, leading)
    print(json.dumps(checklist.as_dict(), indent=2) if args.json else render(checklist))
    return EXIT_OK if checklist.ok else EXIT_RUNTIME


def _settings(args: argparse.Namespace) -> DoctorOptions:
    if args.interface and (args.sip_server or args.config or args.ntp_server):
        raise ToolError(
            "-i IF takes the values from the DHCP answer: no --sip-server, -c, --ntp-server"
        )
    if args.timeout <= 0:
        raise ToolError("--timeout must be positive")
    if args.ca is not None and not args.ca.is_file():
        raise ToolError(f"--ca {args.ca}: no such file")
    if args.dns is not None:
        try:
            ipaddress.ip_address(args.dns)
        except ValueError:
            raise ToolError(f"--dns {args.dns!r}: expected an IP address") from None
    return DoctorOptions(args.timeout, args.dns, args.ca, args.sip_port)


def _targets(args: argparse.Namespace) -> Targets:
    if args.server is not None:
        raise ToolError("--server needs -i IF")
    deployment = load_deployment(args)
    site = _one_site(deployment.sites, args)
    origin = f"site {site.name}" + (f" of {args.config}" if args.config else "")
    ntp = tuple(args.ntp_server or ()) or site.ntp_servers
    for address in ntp:
        try:
            ipaddress.IPv4Address(address)
        except ValueError:
            raise ToolError(f"--ntp-server {address!r}: expected an IPv4 address") from None
    return Targets(origin, site.sip_servers, site.cert_provisioning, ntp, args.sip_domain)


def _one_site(sites: tuple[SiteValues, ...], args: argparse.Namespace) -> SiteValues:
    if len(sites) == 1:
        return sites[0]
    default = next((site for site in sites if site.default), None)
    if default is not None:
        return default
    names = ", ".join(site.name for site in sites)
    raise ToolError(f"{args.config} has several sites ({names}): give --site")


def _fail(reason: str, code: int) -> int:
    print(f"ucdhcp doctor: {reason}", file=sys.stderr)
    return code
