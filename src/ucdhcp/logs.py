"""structlog set-up: JSON lines when not on a TTY (journald, `docker logs`), console otherwise."""

import logging
import sys
from typing import Literal

import structlog


def configure_logging(
    format: Literal["auto", "json", "console"] = "auto", level: str = "info"
) -> None:
    """Route structlog events to stdout; safe to call again on reload."""
    use_console = format == "console" or (format == "auto" and sys.stdout.isatty())
    renderer: structlog.types.Processor = (
        structlog.dev.ConsoleRenderer() if use_console else structlog.processors.JSONRenderer()
    )
    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping()[level.upper()]
        ),
        # One write() per event (message and newline together): lines from several workers
        # sharing stdout never interleave.
        logger_factory=structlog.WriteLoggerFactory(sys.stdout),
        cache_logger_on_first_use=False,
    )
