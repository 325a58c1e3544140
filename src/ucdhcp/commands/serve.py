"""`ucdhcp serve`: run the responder."""

import argparse
import sys
from pathlib import Path

import uvloop

from ..config import DEFAULT_PATH, ConfigError, load_policy
from ..server import BindError
from ..service import serve
from . import EXIT_CONFIG, EXIT_OK, EXIT_RUNTIME


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = commands.add_parser("serve", help="answer UC phones' DHCPINFORM on UDP 67")
    parser.add_argument(
        "-c",
        "--config",
        type=Path,
        default=DEFAULT_PATH,
        help=f"TOML file (default {DEFAULT_PATH})",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        config, policy = load_policy(args.config)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return EXIT_CONFIG
    try:
        uvloop.run(serve(args.config, config, policy))
    except BindError as error:
        print(f"ucdhcp: {error}", file=sys.stderr)
        return EXIT_RUNTIME
    return EXIT_OK
