"""The arguments that name a site's values, shared by `options`, `export` and `doctor`: DHCPUtil's
flags, or a config file (and a site in it). Not a command itself."""

import argparse
import sys
from pathlib import Path

from ..tools.deployment import Deployment, ToolError, from_command_line, from_config
from ..wire.vendor import STANDARD_PATH, STANDARD_PORT, STANDARD_SCHEME


def add_site_arguments(parser: argparse.ArgumentParser, *, subnets: bool = False) -> None:
    """The two ways to name a site's values: flags (DHCPUtil's) or a config file."""
    flags = parser.add_argument_group("values from flags (like DHCPUtil)")
    flags.add_argument(
        "--sip-server",
        action="append",
        metavar="FQDN",
        help="registrar pool FQDN for option 120 (repeat for a preference list)",
    )
    flags.add_argument("--web-server", metavar="FQDN", help="default: the first --sip-server")
    flags.add_argument("--port", type=int, help=f"web services port (default {STANDARD_PORT})")
    flags.add_argument("--scheme", help=f"URL scheme (default {STANDARD_SCHEME})")
    flags.add_argument("--path", help=f"certificate provisioning path (default {STANDARD_PATH})")
    flags.add_argument(
        "--vendor-class",
        dest="site_vendor_classes",
        action="append",
        metavar="TEXT",
        help="option 60 value answered (default MS-UC-Client; repeat for more)",
    )
    if subnets:
        flags.add_argument(
            "--subnet", action="append", metavar="NET", help="a subnet of the site (repeatable)"
        )
    config = parser.add_argument_group("values from a config file")
    config.add_argument("-c", "--config", type=Path, metavar="FILE", help="ucdhcp TOML file")
    config.add_argument("--site", metavar="NAME", help="only this site (default: every site)")


def load_deployment(args: argparse.Namespace) -> Deployment:
    """The site values named on the command line.

    Raises:
        ToolError: both or neither source given, or a bad value.
    """
    if args.config is not None and args.sip_server:
        raise ToolError("give either --sip-server or -c FILE, not both")
    if args.config is not None:
        return from_config(args.config).only(args.site)
    if not args.sip_server:
        raise ToolError("give --sip-server FQDN or -c FILE")
    if args.site is not None:
        raise ToolError("--site needs -c FILE")
    return from_command_line(
        args.sip_server,
        web_server=args.web_server,
        scheme=args.scheme,
        port=args.port,
        path=args.path,
        subnets=getattr(args, "subnet", None) or (),
        vendor_classes=args.site_vendor_classes or (),
    )


def deployment_or_report(args: argparse.Namespace, command: str) -> Deployment | None:
    """load_deployment, or None once the reason is printed to stderr (the caller exits 2)."""
    try:
        return load_deployment(args)
    except ToolError as error:
        print(f"ucdhcp {command}: {error}", file=sys.stderr)
        return None
