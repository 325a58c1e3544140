"""`ucdhcp check`: validate a config and print the option bytes each site sends; with
`--runtime`, also what `serve` would find on this host (no packet is sent)."""

import argparse
import json

from ..config.errors import ConfigError
from ..config.loading import load_policy
from ..runtime.diagnosis import FindingLevel
from ..tools.config_check import describe_error, describe_policy, host_findings, render_policy
from . import EXIT_CONFIG, EXIT_OK, EXIT_RUNTIME, add_config_argument, load_or_report


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = commands.add_parser(
        "check",
        help="validate a config and print the encoded options (no network)",
        description="Validate a config file as serve would and print, per site, the option"
        " 120 and 43 bytes it sends; a bad file is refused with the field path and the"
        " reason. Exit 0 when the config is fine, 1 when --runtime finds the host cannot"
        " serve it, 2 on a bad config.",
    )
    add_config_argument(parser)
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument(
        "--runtime",
        action="store_true",
        help="also diagnose this host: served interfaces, missing ones, unreachable sites,"
        " whether the port can be bound (exit 1 if it cannot)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.json:  # a bad config is a JSON document too, on stdout like a good one
        try:
            config, policy = load_policy(args.config)
        except ConfigError as error:
            print(json.dumps(describe_error(error), indent=2))
            return EXIT_CONFIG
    else:
        loaded = load_or_report(args.config)
        if loaded is None:
            return EXIT_CONFIG
        config, policy = loaded
    findings = host_findings(config.settings().server, policy) if args.runtime else []
    if args.json:
        print(json.dumps(describe_policy(policy, findings if args.runtime else None), indent=2))
    else:
        print(render_policy(policy, findings))
    failed = any(finding.severity is FindingLevel.ERROR for finding in findings)
    return EXIT_RUNTIME if failed else EXIT_OK
