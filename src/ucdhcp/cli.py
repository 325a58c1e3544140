"""Command line: `ucdhcp serve`, `ucdhcp check`, `ucdhcp --version`.

Exit codes: 0 success, 1 runtime failure (cannot bind), 2 bad configuration or usage.
"""

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import uvloop

from . import __version__
from .config import DEFAULT_PATH, Config, ConfigError, load_policy
from .policy import Policy
from .server import BindError
from .service import serve

EXIT_OK = 0
EXIT_RUNTIME = 1
EXIT_CONFIG = 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_CONFIG
    try:
        config, policy = load_policy(args.config)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return EXIT_CONFIG
    if args.command == "check":
        print(json.dumps(describe_policy(policy), indent=2) if args.json else render_policy(policy))
        return EXIT_OK
    return _serve(args.config, config, policy)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ucdhcp", description=__doc__.splitlines()[0] if __doc__ else None
    )
    parser.add_argument("--version", action="version", version=f"ucdhcp {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    serve = commands.add_parser("serve", help="answer UC phones' DHCPINFORM on UDP 67")
    check = commands.add_parser(
        "check", help="validate a config and print the encoded options (no network)"
    )
    for sub in (serve, check):
        sub.add_argument(
            "-c",
            "--config",
            type=Path,
            default=DEFAULT_PATH,
            help=f"TOML file (default {DEFAULT_PATH})",
        )
    check.add_argument("--json", action="store_true", help="machine-readable output")
    return parser


def _serve(path: Path, config: Config, policy: Policy) -> int:
    try:
        uvloop.run(serve(path, config, policy))
    except BindError as error:
        print(f"ucdhcp: {error}", file=sys.stderr)
        return EXIT_RUNTIME
    return EXIT_OK


def describe_policy(policy: Policy) -> list[dict[str, object]]:
    """Per site: subnets and the exact option bytes each vendor-class profile is answered with."""
    return [
        {
            "site": site.name,
            "subnets": [str(subnet) for subnet in site.subnets],
            "default": site is policy.default_site,
            "profiles": {
                str(profile): {str(int(code)): tlv.hex() for code, tlv in options.items()}
                for profile, options in site.options.items()
            },
        }
        for site in policy.sites
    ]


def render_policy(policy: Policy) -> str:
    lines = []
    for site in policy.sites:
        default = " (default site)" if site is policy.default_site else ""
        subnets = ", ".join(str(subnet) for subnet in site.subnets) or "none"
        lines.append(f"site {site.name}{default}: subnets {subnets}")
        for profile, options in site.options.items():
            lines.append(f"  {profile}:")
            lines += [f"    option {int(code)}: {tlv.hex()}" for code, tlv in options.items()]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
