"""One module per `ucdhcp` sub-command. Each exposes `register(subparsers)`, which adds its
parser and sets `handler` to a function `(argparse.Namespace) -> int` (the exit code)."""

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..config.errors import ConfigError
from ..config.settings import DEFAULT_CONFIG_FILE
from ..core.policy import Policy

if TYPE_CHECKING:  # pydantic: imported by the commands that read a whole config, not `serve`
    from ..config.model import Config

EXIT_OK = 0
EXIT_RUNTIME = 1  # the command could not do its job (port taken, no answer, ...)
EXIT_CONFIG = 2  # bad configuration or usage


def add_config_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-c",
        "--config",
        type=Path,
        default=DEFAULT_CONFIG_FILE,
        metavar="FILE",
        help=f"the TOML config file (default {DEFAULT_CONFIG_FILE})",
    )


def load_or_report(path: Path) -> "tuple[Config, Policy] | None":
    """The config and its policy, or None after printing every problem to stderr."""
    from ..config.loading import load_policy  # noqa: PLC0415 - see TYPE_CHECKING above

    try:
        return load_policy(path)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return None
