"""structlog set-up: JSON lines when not on a TTY (journald, `docker logs`), console otherwise.
When stdout is journald's stream, each line starts with its syslog priority (`<4>`, sd-daemon(3))
so `journalctl -p warning` finds it; Python `logging` records (asyncio, uvloop) are structlog
events too, rendered the same way.

JSON is set up for throughput, as structlog's performance guidance says, because per-request
logging writes one event per packet: orjson renders bytes written straight to stdout's binary
buffer, several per-request lines per write() (_Output), and the timestamp reuses the
formatted second. The per-request log binds its logger once per configuration
(request_log.py)."""

import asyncio
import atexit
import io
import logging
import os
import sys
import time
from collections.abc import Callable, MutableMapping
from typing import Any, BinaryIO, TextIO

import orjson
import structlog

from ..config.settings import LogFormat

REQUESTS = "ucdhcp.requests"  # the per-request log's logger name (request_log.py)
PIPE_BUF = 4096  # bytes a pipe writes atomically (Linux, POSIX minimum 512)
BATCH = 3072  # deferred bytes that are written without waiting for the loop's turn to end
_output: "_Output | None" = None
# sd-daemon(3) prefixes by structlog's level names (add_log_level): journald reads the priority
# from them and strips them. Anything else (notset) is info.
_PRIORITIES = {"critical": 2, "error": 3, "warning": 4, "info": 6, "debug": 7}


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


_LEVEL_METHODS = (
    "critical", "debug", "err", "error", "exception", "failure", "fatal", "info", "log", "msg",
    "warn", "warning",
)  # fmt: skip


class _Output:
    """Rendered lines to the binary buffer under `stdout` (or, for a text-only stream such as
    a test's, decoded), never an error: once writing fails (EPIPE, closed file), lines go to
    /dev/null, as logging must never stop the responder.

    Lines stay whole when workers share stdout: each write() holds whole lines and at most
    PIPE_BUF bytes (POSIX: atomic on a pipe) unless one line is longer. Per-request lines are
    `deferred`: collected until the event loop's turn ends (a batch of datagrams) or BATCH bytes,
    then written together, so logging every request costs one write() per several lines, not
    one each. Any other event is written at once, after what is pending, in order.
    """

    __slots__ = ("flushing", "pending", "size", "write")

    def __init__(self, stdout: TextIO) -> None:
        buffer: BinaryIO | None = getattr(stdout, "buffer", None)
        self.write: Callable[[bytes], object]
        if buffer is not None:
            self.write = _unbuffered(buffer)
        else:
            self.write = lambda data: (stdout.write(data.decode()), stdout.flush())
        self.pending: list[bytes] = []
        self.size = 0
        # The loop a flush is scheduled on, for the end of its turn: a loop that stopped before
        # running it must not keep the next loop's lines waiting.
        self.flushing: asyncio.AbstractEventLoop | None = None

    def now(self, message: bytes) -> None:
        line = message + b"\n"
        if self.pending:
            self._append(line)
            self.flush()
        else:
            self._write(line)

    def deferred(self, message: bytes) -> None:
        self._append(message + b"\n")
        if self.size >= BATCH:
            self.flush()
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop runs: nothing would flush later
            self.flush()
            return
        if self.flushing is not loop:
            loop.call_soon(self.flush)
            self.flushing = loop

    def _append(self, line: bytes) -> None:
        if self.size + len(line) > PIPE_BUF:
            self.flush()
        self.pending.append(line)
        self.size += len(line)

    def flush(self) -> None:
        self.flushing = None
        if self.pending:
            data = b"".join(self.pending)
            self.pending.clear()
            self.size = 0
            self._write(data)

    def _write(self, data: bytes) -> None:
        try:
            self.write(data)
        except (OSError, ValueError):
            quiet = open(os.devnull, "wb")  # noqa: SIM115 - kept for the process's lifetime
            self.write = quiet.write
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - as in _SafeWriteLogger


def _unbuffered(buffer: BinaryIO) -> Callable[[bytes], object]:
    """write() then flush() on a buffered binary stream: one system call per call."""
    write, flush = buffer.write, buffer.flush

    def write_through(data: bytes) -> None:
        write(data)
        flush()

    return write_through


class _BytesLogger:
    """A structlog logger of rendered bytes; `deferred` for per-request events. Each level's
    method is an attribute (structlog looks the level up on every event: no __getattr__)."""

    __slots__ = _LEVEL_METHODS

    def __init__(self, output: _Output, deferred: bool) -> None:
        write = output.deferred if deferred else output.now
        for name in _LEVEL_METHODS:
            setattr(self, name, write)


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
        micro = time.time_ns() // 1000
        second = micro // 1_000_000
        if second != self.second:
            self.second = second
            self.text = time.strftime("%Y-%m-%dT%H:%M:%S.", time.gmtime(second))
        # Six digits of microseconds without a format specification: 1,000,000 + them, less
        # the leading 1.
        event_dict["timestamp"] = self.text + str(micro - second * 1_000_000 + 1_000_000)[1:] + "Z"
        return event_dict


Write = Callable[[str, str, dict[str, Any]], None]


class _JsonRequests:
    """Renders a per-request event to the bytes the configured JSON chain would (the fields,
    then `event`, `level` and `timestamp`, by orjson with the same fallback), without structlog's
    per-event machinery: a copy of the context, the processor calls and the level look-up were
    about three quarters of a logged request's cost (benchmarks/micro.py). tests/unit/
    test_request_log.py holds the two renderings equal."""

    __slots__ = ("default", "journal", "output", "processors", "timestamp")

    def __init__(
        self,
        output: _Output,
        timestamp: _Timestamp,
        default: Any,
        processors: list[Any],
        journal: bool = False,
    ) -> None:
        self.output = output
        self.timestamp = timestamp
        self.default = default
        self.processors = processors  # the chain it stands for
        self.journal = journal  # lines start with their syslog priority (_Prioritised)

    def writer(self, fallback: Write) -> Write:
        processors, timestamp, default = self.processors, self.timestamp, self.default
        renderer = processors[-1]
        deferred = self.output.deferred
        # sd-daemon(3) prefixes by level, as _Prioritised writes them; none off the journal.
        prefixes = {
            name: (b"<%d>" % priority if self.journal else b"")
            for name, priority in _PRIORITIES.items()
        }

        def write(level: str, event: str, fields: dict[str, Any]) -> None:
            # Only while the chain is in force: another configuration (a later
            # configure_logging, or structlog.testing.capture_logs, which swaps the list's
            # contents in place) gets the event through structlog as usual.
            current = structlog.get_config()["processors"]
            if current is not processors or current[-1] is not renderer:
                fallback(level, event, fields)
                return
            fields["event"] = event  # `fields` is the event's own dict (request_log.describe)
            fields["level"] = level  # add_log_level: the method's name, "info" or "debug"
            timestamp(None, level, fields)
            try:
                line = orjson.dumps(fields, default=default)  # keys are str: no option needed
            except TypeError:  # a key that is not a str: the chain's own options handle it
                line = orjson.dumps(fields, default=default, option=orjson.OPT_NON_STR_KEYS)
            deferred(prefixes.get(level, b"<6>" if self.journal else b"") + line)

        return write


_json_requests: _JsonRequests | None = None


def request_writer(fallback: Write) -> Write:
    """The writer of per-request events: with the JSON configuration of `configure_logging`,
    one that renders them itself (and uses `fallback`, the structlog way, while another
    configuration is in force); else `fallback`."""
    return fallback if _json_requests is None else _json_requests.writer(fallback)


class DictBoundLogger(structlog.BoundLoggerBase):
    """structlog's bound logger for per-request events (request_log.py), called with the
    event's fields as one dict: no keyword-argument copies of ~14 fields per event. The
    processors and the logger (which defers lines) are the configured ones, as for any
    event."""

    def write(self, level: str, event: str, fields: dict[str, Any]) -> None:
        try:
            args, kwargs = self._process_event(level, event, fields)
        except structlog.DropEvent:
            return
        self._logger.msg(*args, **kwargs)  # every logger of logs.py has msg(), for any level


def _bytes_loggers(stdout: TextIO) -> Callable[..., _BytesLogger]:
    """The logger factory of a configuration: every logger shares one _Output (the order of
    lines is kept); REQUESTS' loggers defer their lines. The previous configuration's pending
    lines are written first (a reload), and any left at exit too."""
    global _output  # noqa: PLW0603 - the one stdout, shared by every logger
    if _output is not None:
        _output.flush()
    else:
        atexit.register(_flush_at_exit)
    output = _output = _Output(stdout)
    immediate, deferred = _BytesLogger(output, False), _BytesLogger(output, True)
    return lambda *args: deferred if args[:1] == (REQUESTS,) else immediate


def _flush_at_exit() -> None:
    if _output is not None:
        _output.flush()


def _orjson_dumps(value: Any, default: Any = None) -> bytes:
    # Non-string keys as json.dumps writes them (as strings), rather than an error.
    return orjson.dumps(value, default=default, option=orjson.OPT_NON_STR_KEYS)


def on_journal(stdout: TextIO) -> bool:
    """Whether `stdout` is journald's stream for this process: systemd sets JOURNAL_STREAM to
    its `device:inode` (systemd.exec(5)). A terminal, a pipe or a container's log is not."""
    device, _, inode = os.environ.get("JOURNAL_STREAM", "").partition(":")
    try:
        status = os.fstat(stdout.fileno())
        return (status.st_dev, status.st_ino) == (int(device), int(inode))
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        return False


class _Prioritised:
    """A renderer whose lines start with the event's syslog priority, `<6>{...}`."""

    __slots__ = ("renderer",)

    def __init__(self, renderer: structlog.types.Processor) -> None:
        self.renderer = renderer

    def __call__(self, logger: Any, method: str, event_dict: MutableMapping[str, Any]) -> Any:
        priority = _PRIORITIES.get(event_dict.get("level", ""), 6)
        rendered = self.renderer(logger, method, event_dict)
        if isinstance(rendered, bytes):
            return b"<%d>%s" % (priority, rendered)
        return f"<{priority}>{rendered}"


class _StructlogHandler(logging.Handler):
    """Python `logging` records (asyncio's, uvloop's, a library's) as structlog events
    `log_record` with the record's logger name and message, so they are rendered like every
    other line (JSON, priority prefix) instead of as plain text between them."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            level = max(logging.DEBUG, min(logging.CRITICAL, record.levelno // 10 * 10))
            structlog.get_logger(record.name).log(
                level,
                "log_record",
                logger=record.name,
                message=record.getMessage(),
                exc_info=record.exc_info or False,
            )
        except Exception:
            self.handleError(record)


def _route_python_logging(level: int) -> None:
    root = logging.getLogger()
    if not any(isinstance(handler, _StructlogHandler) for handler in root.handlers):
        root.addHandler(_StructlogHandler())
    root.setLevel(level)


def level_number(name: str) -> int:
    """The number of a level name (debug, info, ...), as the configured chain filters by it."""
    return logging.getLevelNamesMapping()[name.upper()]


def configure_logging(format: LogFormat = "auto", level: str = "info") -> None:
    """Route structlog events to stdout; safe to call again on reload."""
    global _json_requests  # noqa: PLW0603 - follows structlog's own global configuration
    use_console = format == "console" or (format == "auto" and sys.stdout.isatty())
    renderer: structlog.types.Processor
    factory: Any
    timestamp = _Timestamp()
    _json_requests = None
    if use_console:
        renderer = structlog.dev.ConsoleRenderer()
        factory = lambda *_: _SafeWriteLogger(sys.stdout)  # noqa: E731
    else:
        # Unknown values are rendered as structlog's json.dumps renders them (repr()).
        json_renderer = structlog.processors.JSONRenderer(serializer=_orjson_dumps)
        renderer = json_renderer
        factory = _bytes_loggers(sys.stdout)
    journal = on_journal(sys.stdout)
    if journal:
        renderer = _Prioritised(renderer)
    numeric_level = level_number(level)
    processors: list[structlog.types.Processor] = [
        structlog.processors.add_log_level,
        timestamp,
        structlog.processors.format_exc_info,
        renderer,
    ]
    if not use_console and _output is not None:
        default = json_renderer._dumps_kw["default"]  # structlog's repr() fallback
        _json_requests = _JsonRequests(_output, timestamp, default, processors, journal)
    structlog.configure(
        processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(numeric_level),
        logger_factory=factory,
        cache_logger_on_first_use=False,
    )
    _route_python_logging(numeric_level)
