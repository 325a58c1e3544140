"""`ucdhcp probe`: send a DHCPINFORM exactly like a Lync phone, collect every answer, decode
options 120 and 43 and check them (DHCPUtil's -EmulateClient, for any DHCP server)."""

import argparse
import ipaddress
import json
import random
import sys
from pathlib import Path

from ..core.policy import Policy
from ..core.routing import LIMITED_BROADCAST
from ..tools.deployment import ToolError, deployment, from_command_line, policy_from_config
from ..tools.probe.client import (
    ProbeInterface,
    choose_interface,
    exchange,
    open_client_socket,
)
from ..tools.probe.inform import Expectation, Inform, judge
from ..tools.probe.report import describe_probe, render_probe
from ..wire.message import SERVER_PORT
from . import EXIT_CONFIG, EXIT_OK, EXIT_RUNTIME


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = commands.add_parser(
        "probe",
        help="emulate a phone: send a DHCPINFORM and check the 120/43 answers",
        description="Send a DHCPINFORM like a Lync phone (option 60, option 55 asking for 43"
        " and 120, option 61, the interface's address in ciaddr) from UDP 68, retransmit with"
        " RFC 2131 back-off, collect every answer and check the one a phone would use."
        " Exit 0 when it is valid, 1 otherwise, 2 on bad arguments or config.",
    )
    parser.add_argument("-i", "--interface", metavar="IF", help="default: the first with IPv4")
    parser.add_argument(
        "--server", type=ipaddress.IPv4Address, metavar="ADDR", help="unicast to this server"
    )
    parser.add_argument("--vendor-class", default="MS-UC-Client", help="option 60 to send")
    parser.add_argument(
        "--timeout", type=float, default=10.0, metavar="S", help="give up after S seconds (10)"
    )
    parser.add_argument(
        "--settle",
        type=float,
        default=2.0,
        metavar="S",
        help="after the first answer with an FQDN, listen S more seconds for others (2)",
    )
    expect = parser.add_argument_group("what the answer must say")
    expect.add_argument(
        "--expect-sip-server",
        action="append",
        metavar="FQDN",
        help="a registrar option 120 must list (repeat for each, in order)",
    )
    expect.add_argument(
        "--expect-web-server",
        metavar="FQDN",
        help="the certificate provisioning web server option 43 must name",
    )
    expect.add_argument("-c", "--config", type=Path, metavar="FILE", help="compare with a config")
    expect.add_argument("--site", metavar="NAME", help="the config's site (default: by address)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.timeout <= 0 or args.settle < 0:
        return _fail("--timeout must be positive and --settle not negative", EXIT_CONFIG)
    try:
        expectation = _flag_expectation(args)
        policy = None if args.config is None else policy_from_config(args.config)
    except ToolError as error:
        return _fail(str(error), EXIT_CONFIG)
    try:
        interface = choose_interface(args.interface, args.server)
    except ToolError as error:
        return _fail(str(error), EXIT_RUNTIME)
    if policy is not None:
        try:
            expectation = _config_expectation(policy, args, interface, expectation)
        except ToolError as error:
            return _fail(str(error), EXIT_CONFIG)
    inform = Inform(
        xid=random.getrandbits(32),
        chaddr=interface.mac,
        ciaddr=interface.address,
        vendor_class=args.vendor_class.encode("latin-1"),
    )
    destination = (str(args.server) if args.server else LIMITED_BROADCAST, SERVER_PORT)
    try:
        with open_client_socket(interface) as sock:
            result = exchange(sock, inform, destination, args.timeout, args.settle, random.Random())
    except ToolError as error:
        return _fail(str(error), EXIT_RUNTIME)
    sent = f"{result.transmissions} INFORM{'s' if result.transmissions > 1 else ''} sent"
    window = f"{args.timeout:g} s on {interface.name} ({sent})"
    verdict = judge(result.answers, expectation, window)
    if args.json:
        print(json.dumps(describe_probe(interface, inform, destination, result, verdict), indent=2))
    else:
        print(render_probe(interface, inform, destination, result, verdict))
    if not verdict.ok:
        return _fail(verdict.reason, EXIT_RUNTIME)
    return EXIT_OK


def _fail(reason: str, code: int) -> int:
    print(f"ucdhcp probe: {reason}", file=sys.stderr)
    return code


def _flag_expectation(args: argparse.Namespace) -> Expectation:
    if args.config is None and args.site is not None:
        raise ToolError("--site needs -c FILE")
    wanted = args.expect_sip_server or []
    if not wanted and args.expect_web_server is None:
        return Expectation()
    # Validated like config values, so a typo is an error here rather than a failed probe.
    from_command_line(
        wanted or [args.expect_web_server],
        web_server=args.expect_web_server,
        flag_prefix="--expect-",
    )
    return Expectation(tuple(wanted), args.expect_web_server)


def _config_expectation(
    policy: Policy, args: argparse.Namespace, interface: ProbeInterface, flags: Expectation
) -> Expectation:
    site_name = args.site
    if site_name is None:
        site = policy.site_for(interface.address.packed) or policy.default_site
        if site is None:
            raise ToolError(
                f"no site of {args.config} covers {interface.address} and there is no"
                " default_site: give --site"
            )
        site_name = site.name
    values = deployment(policy).site(site_name)
    return Expectation(
        flags.sip_servers,
        flags.web_server,
        values.option_120,
        values.option_43,
        origin=f"site {values.name} of {args.config}",
    )
