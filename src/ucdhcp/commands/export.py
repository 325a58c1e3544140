"""`ucdhcp export`: write ucdhcp's option bytes into another DHCP server's configuration
(Windows netsh or PowerShell, ISC dhcpd, Kea, dnsmasq, Cisco IOS); no network."""

import argparse
import sys

from ..tools.exporters import FORMATS, NEEDS_SUBNETS, ExportError, ExportPlan
from . import EXIT_CONFIG, EXIT_OK
from .site_arguments import add_site_arguments, deployment_or_report


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = commands.add_parser(
        "export",
        help="write the options for another DHCP server (netsh, PowerShell, dhcpd, Kea, ...)",
        description="Write a configuration for another DHCP server that sends exactly the"
        " option 120 and 43 bytes ucdhcp sends, to MS-UC-Client phones only.",
    )
    parser.add_argument(
        "-f",
        "--format",
        choices=sorted(FORMATS),
        required=True,
        metavar="FORMAT",
        help="the DHCP server to write for: " + ", ".join(sorted(FORMATS)),
    )
    add_site_arguments(parser, subnets=True)
    parser.add_argument(
        "--shared",
        action="store_true",
        help="the server also hands out leases: do not silence other clients"
        " (no Kea DROP class, dnsmasq dhcp-ignore or port=0, dhcpd authoritative)",
    )
    parser.add_argument(
        "--interface",
        action="append",
        default=[],
        metavar="IF",
        help="interface the server listens on (Kea, dnsmasq; repeatable)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    deployment = deployment_or_report(args, "export")
    if deployment is None:
        return EXIT_CONFIG
    plan = ExportPlan(deployment, shared=args.shared, interfaces=tuple(args.interface))
    try:
        text = FORMATS[args.format](plan)
    except ExportError as error:
        print(f"ucdhcp export: {error}", file=sys.stderr)
        return EXIT_CONFIG
    sys.stdout.write(text)
    for warning in plan.warnings(args.format in NEEDS_SUBNETS):
        print(f"ucdhcp export: warning: {warning}", file=sys.stderr)
    return EXIT_OK
