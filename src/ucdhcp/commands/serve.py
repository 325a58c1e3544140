"""`ucdhcp serve`: run the responder (one process, or N workers sharing the port)."""

import argparse
import os
import sys
from pathlib import Path

import uvloop

from ..config import DEFAULT_PATH, ConfigError, load_policy
from ..logs import configure_logging
from ..server import BindError
from ..service import serve
from ..workers import Supervisor
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
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="processes sharing the port with SO_REUSEPORT (default 1; up to the core count)",
    )
    parser.add_argument("--worker-index", type=int, default=None, help=argparse.SUPPRESS)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        config, policy = load_policy(args.config)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return EXIT_CONFIG
    if not 1 <= args.workers <= max(64, os.cpu_count() or 1):
        print(f"ucdhcp: --workers must be 1-{max(64, os.cpu_count() or 1)}", file=sys.stderr)
        return EXIT_CONFIG
    try:
        if args.workers > 1:
            configure_logging(config.logging.format, config.logging.level)
            return Supervisor(args.config, config, args.workers).run()
        uvloop.run(serve(args.config, config, policy, worker=args.worker_index))
    except BindError as error:
        print(f"ucdhcp: {error}", file=sys.stderr)
        return EXIT_RUNTIME
    return EXIT_OK
