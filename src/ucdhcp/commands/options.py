"""`ucdhcp options`: print a pool's option 120 and 43 values the way DHCPUtil does, plus the
whole option 43, lengths and lint warnings (no network)."""

import argparse
import json

from ..tools.options_report import describe_report, render_report
from . import EXIT_CONFIG, EXIT_OK
from .site_arguments import add_site_arguments, deployment_or_report


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = commands.add_parser(
        "options",
        help="print a pool's option 120/43 values like DHCPUtil, with lint warnings",
        description="Print the option 120 and option 43 values for a Lync pool (what DHCPUtil"
        " prints), the whole option 43, lengths and lint warnings. Values come from flags or"
        " from a config file.",
    )
    add_site_arguments(parser)
    parser.add_argument(
        "--sip-domain",
        metavar="DOMAIN",
        help="warn about FQDNs outside this SIP domain (e.g. contoso.com)",
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    deployment = deployment_or_report(args, "options")
    if deployment is None:
        return EXIT_CONFIG
    if args.json:
        print(json.dumps(describe_report(deployment, args.sip_domain), indent=2))
    else:
        print(render_report(deployment, args.sip_domain))
    return EXIT_OK
