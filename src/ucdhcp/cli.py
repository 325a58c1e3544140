"""Command line entry point: `ucdhcp COMMAND ...`; each command lives in `commands/`.

Only the module of the command being run is imported: `serve` does not load the exporters,
the probe or the decoders, which keeps the serving process small.

Exit codes: 0 success, 1 runtime failure, 2 bad configuration or usage.
"""

import argparse
import importlib
import sys
from collections.abc import Sequence

from . import __version__, build
from .commands import EXIT_CONFIG

# name -> one-line help; each name is a module of ucdhcp.commands with register(subparsers).
COMMANDS = {
    "serve": "answer UC phones' DHCPINFORM on UDP 67",
    "check": "validate a config and print the encoded options (no network)",
    "options": "print a pool's option 120/43 values like DHCPUtil, with lint warnings",
    "export": "write the options for another DHCP server (netsh, PowerShell, dhcpd, Kea, ...)",
    "probe": "emulate a phone: send a DHCPINFORM and check the 120/43 answers",
    "decode": "decode and lint an option 43 or 120 value (hex)",
    "doctor": "check what a phone needs after DHCP: DNS, web service and registrar TLS, NTP",
    "watch": "show every DHCP request and answer on an interface, and what breaks bring-up",
    "import": "write a ucdhcp config from Windows DHCP, DHCPUtil or another server's config",
}
_MODULES = {"import": "import_"}  # a command whose name is a Python keyword


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(_chosen(arguments))
    args = parser.parse_args(arguments)
    if getattr(args, "handler", None) is None:
        parser.print_help(sys.stderr)
        return EXIT_CONFIG
    code: int = args.handler(args)
    return code


def build_parser(chosen: str | None = None) -> argparse.ArgumentParser:
    """The parser; with `chosen`, only that command's module is imported and registered."""
    parser = argparse.ArgumentParser(
        prog="ucdhcp", description="Options-only DHCP responder for Microsoft UC (Lync) phones."
    )
    parser.add_argument("--version", action=_Version, nargs=0, help="print the version and build")
    commands = parser.add_subparsers(metavar="COMMAND")
    for name, text in COMMANDS.items():
        if chosen is None or name == chosen:
            importlib.import_module(f"ucdhcp.commands.{_MODULES.get(name, name)}").register(
                commands
            )
        else:
            commands.add_parser(name, help=text)
    return parser


class _Version(argparse.Action):
    """`--version`: the version and whether the core runs compiled or as Python source (the
    core is imported only when asked, so other commands do not pay for it)."""

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        sys.stdout.write(f"ucdhcp {__version__} ({build()})\n")
        parser.exit()


def _chosen(arguments: Sequence[str]) -> str | None:
    first = next((argument for argument in arguments if not argument.startswith("-")), None)
    return first if first in COMMANDS else None


if __name__ == "__main__":
    sys.exit(main())
