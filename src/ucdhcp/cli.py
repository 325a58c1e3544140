"""Command line entry point: `ucdhcp COMMAND ...`; each command lives in `commands/`.

Exit codes: 0 success, 1 runtime failure, 2 bad configuration or usage.
"""

import argparse
import sys
from collections.abc import Sequence

from . import __version__
from .commands import EXIT_CONFIG, check, decode, export, options, probe, serve

COMMANDS = (serve, check, options, export, probe, decode)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "handler", None) is None:
        parser.print_help(sys.stderr)
        return EXIT_CONFIG
    code: int = args.handler(args)
    return code


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ucdhcp", description="Options-only DHCP responder for Microsoft UC (Lync) phones."
    )
    parser.add_argument("--version", action="version", version=f"ucdhcp {__version__}")
    commands = parser.add_subparsers(metavar="COMMAND")
    for command in COMMANDS:
        command.register(commands)
    return parser


if __name__ == "__main__":
    sys.exit(main())
