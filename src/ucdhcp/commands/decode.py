"""`ucdhcp decode`: decode and lint an option 43 or 120 value copied from another DHCP server
or a capture (no network)."""

import argparse
import json
import sys

from ..tools.inspection import inspect_option, parse_hex, render_inspection
from . import EXIT_CONFIG, EXIT_OK, EXIT_RUNTIME


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = commands.add_parser(
        "decode",
        help="decode and lint an option 43 or 120 value (hex)",
        description="Decode an option 120 or option 43 value and point out the mistakes phones"
        " trip over: encoding 1, mixed encodings, a missing root label, compression, a binary"
        " port, a stray END byte, reordered or truncated sub-options. Exit 0 when phones can"
        " use the value, 1 when they cannot, 2 when the input is not hex.",
    )
    parser.add_argument(
        "--option",
        type=int,
        choices=(43, 120),
        required=True,
        help="which option the value is: 43 (vendor-specific) or 120 (SIP servers)",
    )
    parser.add_argument(
        "hex",
        nargs="+",
        metavar="HEX",
        help="the option data; spaces, colons, dots and 0x are ignored; '-' reads stdin",
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    text = sys.stdin.read() if args.hex == ["-"] else " ".join(args.hex)
    try:
        data = parse_hex(text)
    except ValueError as error:
        print(f"ucdhcp decode: {error}", file=sys.stderr)
        return EXIT_CONFIG
    inspection = inspect_option(args.option, data)
    if args.json:
        print(json.dumps(inspection.as_dict(), indent=2))
    else:
        print(render_inspection(inspection))
    return EXIT_OK if inspection.ok else EXIT_RUNTIME
