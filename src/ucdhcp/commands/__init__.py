"""One module per `ucdhcp` sub-command. Each exposes `register(subparsers)`, which adds its
parser and sets `handler` to a function `(argparse.Namespace) -> int` (the exit code)."""

import argparse
import sys
from pathlib import Path

from ..config import DEFAULT_PATH, Config, ConfigError, load_policy
from ..core.policy import Policy

EXIT_OK = 0
EXIT_RUNTIME = 1  # the command could not do its job (port taken, no answer, ...)
EXIT_CONFIG = 2  # bad configuration or usage


def add_config_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-c",
        "--config",
        type=Path,
        default=DEFAULT_PATH,
        help=f"TOML file (default {DEFAULT_PATH})",
    )


def load_or_report(path: Path) -> tuple[Config, Policy] | None:
    """The config and its policy, or None after printing every problem to stderr."""
    try:
        return load_policy(path)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return None
