"""structlog set-up: JSON lines when not on a TTY (journald, `docker logs`), console otherwise."""

import logging
import os
import sys
from typing import Literal

import structlog


class _SafeWriteLogger(structlog.WriteLogger):
    """A WriteLogger for which a vanished reader (EPIPE, closed file) is not an error:
    logging must never stop the responder. Once writing fails, events go to /dev/null."""

    def msg(self, message: str) -> None:
        try:
            super().msg(message)
        except (OSError, ValueError):
            quiet = open(os.devnull, "w")  # noqa: SIM115 - kept for the process's lifetime
            self._write, self._flush = quiet.write, quiet.flush
            sys.stdout = quiet  # nor may the interpreter's final flush fail on the dead pipe

    log = debug = info = warn = warning = msg
    fatal = failure = err = error = critical = exception = msg


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
        logger_factory=lambda *_: _SafeWriteLogger(sys.stdout),
        cache_logger_on_first_use=False,
    )
