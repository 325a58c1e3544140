"""`ucdhcp watch`: a passive view of DHCP on one interface, grouped by transaction, with what
breaks phone bring-up flagged; arguments, signals and exit codes only (logic in tools/watch/)."""

import argparse
import ipaddress
import json
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType

from ..tools.deployment import ToolError, load_checked
from ..tools.watch.capture import Capture
from ..tools.watch.report import describe_transaction, render_transaction
from ..tools.watch.session import watch
from ..tools.watch.transactions import Tracker, Transaction
from . import EXIT_CONFIG, EXIT_OK, EXIT_RUNTIME


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = commands.add_parser(
        "watch",
        help="show every DHCP request and answer on an interface, and what breaks bring-up",
        description="Listen (never send) on one interface: every DHCP request (vendor class,"
        " option 55, ciaddr, relay fields) and every server's answer, grouped by transaction"
        " and decoded with decode's lints. Flags another server answering with 120/43, servers"
        " giving different values, another server answering before the expected one, a phone"
        " left without a usable answer, and values phones cannot use. A summary ends the run"
        " (--duration or Ctrl-C). Needs root or CAP_NET_RAW. Exit 0 when no problem was seen,"
        " 1 otherwise, 2 on bad arguments or config.",
    )
    parser.add_argument(
        "-i", "--interface", required=True, metavar="IF", help="the interface to listen on"
    )
    parser.add_argument(
        "--duration", type=float, metavar="S", help="stop after S seconds (default: Ctrl-C)"
    )
    parser.add_argument(
        "--expect-server",
        type=ipaddress.IPv4Address,
        metavar="ADDR",
        help="the server that should answer phones (default: the config's server_id/address)",
    )
    parser.add_argument("-c", "--config", type=Path, metavar="FILE", help="ucdhcp TOML file")
    parser.add_argument(
        "--settle",
        type=float,
        default=2.0,
        metavar="S",
        help="a transaction is shown S seconds after its last packet (2)",
    )
    parser.add_argument("--json", action="store_true", help="JSON lines")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        expected = _expected_server(args)
    except ToolError as error:
        return _fail(str(error), EXIT_CONFIG)
    if (args.duration is not None and args.duration <= 0) or args.settle <= 0:
        return _fail("--duration and --settle must be positive", EXIT_CONFIG)
    signal.signal(signal.SIGTERM, _interrupt)  # a service manager's stop ends like Ctrl-C
    try:
        capture = Capture(args.interface)
    except ToolError as error:
        return _fail(str(error), EXIT_RUNTIME)
    shown = f"expected server {expected}" if expected else "no expected server"
    duration = f"{args.duration:g} s" if args.duration else "until Ctrl-C"
    if args.json:
        started = {"event": "listening", "interface": args.interface, "expected_server": expected}
        print(json.dumps(started), flush=True)
    else:
        print(f"watch: listening on {args.interface} ({shown}), {duration}", flush=True)
    with capture:
        summary = watch(capture, Tracker(expected, args.settle), args.duration, _emitter(args))
    if args.json:
        print(json.dumps(summary.as_dict()), flush=True)
    else:
        print(summary.render(), flush=True)
    return EXIT_OK if not summary.problems else EXIT_RUNTIME


def _emitter(args: argparse.Namespace) -> Callable[[Transaction], None]:
    def emit(transaction: Transaction) -> None:
        if args.json:
            print(json.dumps(describe_transaction(transaction)), flush=True)
        else:
            print(render_transaction(transaction), flush=True)

    return emit


def _expected_server(args: argparse.Namespace) -> str | None:
    if args.expect_server is not None:
        return str(args.expect_server)
    if args.config is None:
        return None
    config, _ = load_checked(args.config)
    server = config.settings().server
    identifier = server.identifier(server.address)
    return None if identifier.is_unspecified else str(identifier)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _fail(reason: str, code: int) -> int:
    print(f"ucdhcp watch: {reason}", file=sys.stderr)
    return code
