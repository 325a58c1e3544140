"""`ucdhcp serve`: run the responder (one process, or N workers sharing the port)."""

import argparse
import os
import signal
import sys

import uvloop

from ..config.errors import ConfigError
from ..config.isolated import validate
from ..runtime.logs import configure_logging
from ..runtime.service import serve
from ..runtime.sockets import BindError
from ..runtime.workers import Supervisor
from . import EXIT_CONFIG, EXIT_OK, EXIT_RUNTIME, add_config_argument


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = commands.add_parser(
        "serve",
        help="answer UC phones' DHCPINFORM on UDP 67",
        description="Answer Lync phones' DHCPINFORM with options 120 and 43 on UDP 67, as the"
        " config's sites say, and stay silent for everything else. JSON log lines on stdout"
        " (console lines on a terminal); SIGHUP reloads the config, SIGUSR1 logs the counters,"
        " SIGTERM stops. Exit 0 on a clean stop, 1 when the port cannot be bound, 2 on a bad"
        " config.",
    )
    add_config_argument(parser)
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="N processes sharing the port with SO_REUSEPORT, for several cores (default 1,"
        " at most 64 or the core count if larger); needs server.address set",
    )
    parser.add_argument("--worker-index", type=int, default=None, help=argparse.SUPPRESS)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    # Until the service installs its reload handler, a SIGHUP must not kill the process.
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        # Validated in a child process: this one never imports pydantic (config/isolated.py).
        settings, policy = validate(args.config)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return EXIT_CONFIG
    if not 1 <= args.workers <= max(64, os.cpu_count() or 1):
        print(f"ucdhcp: --workers must be 1-{max(64, os.cpu_count() or 1)}", file=sys.stderr)
        return EXIT_CONFIG
    if args.workers > 1 and settings.server.address.is_unspecified:
        # The kernel load-balances unicast over SO_REUSEPORT sockets but hands every broadcast
        # to each of them: N workers would answer each broadcast INFORM N times.
        print(
            "ucdhcp: --workers needs server.address set to one of this host's addresses"
            " (unicast and relayed requests); broadcasts would be answered once per worker",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    try:
        if args.workers > 1:
            configure_logging(settings.logging.format, settings.logging.level)
            return Supervisor(args.config, settings, args.workers).run()
        uvloop.run(serve(args.config, settings, policy, worker=args.worker_index))
    except BindError as error:
        print(f"ucdhcp: {error}", file=sys.stderr)
        return EXIT_RUNTIME
    return EXIT_OK
