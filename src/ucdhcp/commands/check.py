"""`ucdhcp check`: validate a config and print the option bytes each site sends (no network)."""

import argparse
import json
import sys
from pathlib import Path

from ..config import DEFAULT_PATH, ConfigError, load_policy
from ..policy import Policy
from . import EXIT_CONFIG, EXIT_OK


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = commands.add_parser(
        "check", help="validate a config and print the encoded options (no network)"
    )
    parser.add_argument(
        "-c",
        "--config",
        type=Path,
        default=DEFAULT_PATH,
        help=f"TOML file (default {DEFAULT_PATH})",
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        _, policy = load_policy(args.config)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return EXIT_CONFIG
    print(json.dumps(describe_policy(policy), indent=2) if args.json else render_policy(policy))
    return EXIT_OK


def describe_policy(policy: Policy) -> list[dict[str, object]]:
    """Per site: subnets and the exact option TLVs each vendor-class profile is answered with."""
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
