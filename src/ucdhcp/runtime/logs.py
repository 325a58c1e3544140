"""structlog set-up: JSON lines when not on a TTY (journald, `docker logs`), console otherwise.

JSON is set up for throughput, as structlog's performance guidance says, because per-request
logging writes one event per packet: orjson renders bytes written straight to stdout's binary
buffer, and the timestamp reuses the formatted second. The per-request log binds its logger
once per configuration (request_log.py)."""

import logging
import os
import sys
import time
from collections.abc import MutableMapping
from typing import Any, BinaryIO, Literal, TextIO

import orjson
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


class _SafeBytesLogger(structlog.BytesLogger):
    """_SafeWriteLogger for rendered bytes, written to the binary buffer under `stdout` (or,
    for a text-only stream such as a test's, decoded). Each event is one write() of the line
    and its newline, flushed at once: lines from several workers sharing stdout never
    interleave."""

    def __init__(self, stdout: TextIO) -> None:
        buffer: BinaryIO | None = getattr(stdout, "buffer", None)
        if buffer is not None:
            super().__init__(buffer)
        else:
            super().__init__(stdout)  # type: ignore[arg-type]  # written as text below
            self._write = lambda line: stdout.write(line.decode())

    def msg(self, message: bytes) -> None:
        try:
            super().msg(message)
        except (OSError, ValueError):
            quiet = open(os.devnull, "wb")  # noqa: SIM115 - kept for the process's lifetime
            self._write, self._flush = quiet.write, quiet.flush
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - as in _SafeWriteLogger

    log = debug = info = warn = warning = msg
    fatal = failure = err = error = critical = exception = msg


class _Timestamp:
    """structlog's TimeStamper(fmt="iso", utc=True), formatting each second only once:
    `2026-11-29T15:02:00.123456Z` (always with microseconds)."""

    __slots__ = ("second", "text")

    def __init__(self) -> None:
        self.second = -1
        self.text = ""

    def __call__(
        self, _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        now = time.time()
        second = int(now)
        if second != self.second:
            self.second = second
            self.text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        event_dict["timestamp"] = f"{self.text}.{int((now - second) * 1e6):06d}Z"
        return event_dict


def _orjson_dumps(value: Any, default: Any = None) -> bytes:
    # Non-string keys as json.dumps writes them (as strings), rather than an error.
    return orjson.dumps(value, default=default, option=orjson.OPT_NON_STR_KEYS)


def configure_logging(
    format: Literal["auto", "json", "console"] = "auto", level: str = "info"
) -> None:
    """Route structlog events to stdout; safe to call again on reload."""
    use_console = format == "console" or (format == "auto" and sys.stdout.isatty())
    renderer: structlog.types.Processor
    factory: Any
    if use_console:
        renderer = structlog.dev.ConsoleRenderer()
        factory = lambda *_: _SafeWriteLogger(sys.stdout)  # noqa: E731
    else:
        # Unknown values are rendered as structlog's json.dumps renders them (repr()).
        renderer = structlog.processors.JSONRenderer(serializer=_orjson_dumps)
        factory = lambda *_: _SafeBytesLogger(sys.stdout)  # noqa: E731
    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            _Timestamp(),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping()[level.upper()]
        ),
        logger_factory=factory,
        cache_logger_on_first_use=False,
    )
