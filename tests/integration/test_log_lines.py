"""The JSON log lines configure_logging writes: whole lines in each write() (lines from
workers sharing stdout stay whole), per-request lines batched until the event loop's turn
ends, the values structlog's json.dumps renderer would give, and an ISO 8601 UTC timestamp
with microseconds; on journald's stream (JOURNAL_STREAM names stdout) a syslog priority prefix
on each line; Python `logging` records rendered as events of the same stream."""

import asyncio
import contextlib
import io
import json
import logging
import os
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import structlog

from ucdhcp.runtime.logs import PIPE_BUF, REQUESTS, configure_logging

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


class RecordingRaw(io.RawIOBase):
    """A raw binary stream that keeps each write() it receives."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.writes.append(bytes(data))
        return len(data)


@pytest.fixture
def stdout() -> Iterator[RecordingRaw]:
    """sys.stdout over a RecordingRaw, configured for JSON logs. Replaced in the test's own
    call (pytest's capture sets sys.stdout again after fixtures are set up)."""
    raw = RecordingRaw()
    yield raw


@contextlib.contextmanager
def logging_to(raw: RecordingRaw) -> Iterator[None]:
    original = sys.stdout
    sys.stdout = io.TextIOWrapper(io.BufferedWriter(raw), encoding="utf-8")
    try:
        configure_logging("json")
        yield
    finally:
        sys.stdout = original


FIELDS: dict[str, Any] = {
    "text": "MS-UC-Client é",
    "number": 20000,
    "ratio": 0.25,
    "flag": True,
    "nothing": None,
    "names": ["headquarters", "oslo"],
    "pair": ("10.1.2.50", 68),
    "counts": {"rate_limited": 3},
    "by_code": {43: 1},  # json.dumps writes int keys as strings
    "raw": b"\x01\x02",  # not JSON: rendered with repr(), as structlog does
}


def test_each_event_is_one_write_of_a_whole_line(stdout: RecordingRaw) -> None:
    log = structlog.get_logger("ucdhcp.test")
    with logging_to(stdout):
        for n in range(50):  # bounded
            log.info("reply_sent", n=n, **FIELDS)
    assert len(stdout.writes) == 50
    for n, write in enumerate(stdout.writes):
        assert write.endswith(b"\n") and write.count(b"\n") == 1
        assert json.loads(write)["n"] == n


def test_fields_render_as_structlogs_json_renderer_renders_them(stdout: RecordingRaw) -> None:
    before = time.time()
    with logging_to(stdout):
        structlog.get_logger("ucdhcp.test").info("counters", **FIELDS)
    [line] = stdout.writes
    event = json.loads(line)
    reference = json.loads(structlog.processors.JSONRenderer()(None, "info", dict(FIELDS)))
    assert {key: event[key] for key in FIELDS} == reference
    assert event["event"] == "counters" and event["level"] == "info"
    assert list(event) == [*FIELDS, "event", "level", "timestamp"]  # the order of before
    assert TIMESTAMP.match(event["timestamp"]), event["timestamp"]
    stamped = time.mktime(time.strptime(event["timestamp"][:19], "%Y-%m-%dT%H:%M:%S"))
    assert abs(stamped - time.timezone - before) < 2  # UTC, not local time


def test_an_exception_is_rendered_into_the_line(stdout: RecordingRaw) -> None:
    with logging_to(stdout):
        try:
            raise ValueError("bad value")
        except ValueError:
            structlog.get_logger("ucdhcp.test").exception("reload_failed")
    [line] = stdout.writes
    event = json.loads(line)
    assert "ValueError: bad value" in event["exception"]


def test_request_events_of_one_loop_turn_share_writes_of_whole_lines_in_order(
    stdout: RecordingRaw,
) -> None:
    # Per-request lines wait for the end of the event loop's turn (one write for several),
    # each write whole lines and at most PIPE_BUF bytes; another event follows them in order.
    async def one_turn() -> None:
        requests = structlog.get_logger(REQUESTS).bind()
        requests.info("reply_sent", n=0, **FIELDS)
        assert stdout.writes == []  # nothing written yet: the turn goes on
        for n in range(1, 40):  # ~400 bytes each: several PIPE_BUFs' worth
            requests.info("reply_sent", n=n, **FIELDS)
        structlog.get_logger("ucdhcp.test").warning("reply_dropped", n=40)  # after them

    with logging_to(stdout):
        asyncio.run(one_turn())
    assert 4 <= len(stdout.writes) <= 10  # 41 lines of ~400 bytes, up to 3072 + 1 line per write
    lines = []
    for write in stdout.writes:
        assert len(write) <= PIPE_BUF and write.endswith(b"\n")
        lines += write.splitlines()
    assert [json.loads(line)["n"] for line in lines] == list(range(41))


def test_request_events_are_written_at_the_end_of_the_loop_turn(stdout: RecordingRaw) -> None:
    async def two_turns() -> None:
        requests = structlog.get_logger(REQUESTS).bind()
        requests.info("reply_sent", n=0)
        requests.info("reply_sent", n=1)
        await asyncio.sleep(0)  # the turn ends: both lines go out, in one write
        assert [json.loads(line)["n"] for line in stdout.writes[0].splitlines()] == [0, 1]
        requests.info("reply_sent", n=2)

    with logging_to(stdout):
        asyncio.run(two_turns())
    assert len(stdout.writes) == 2
    assert json.loads(stdout.writes[1])["n"] == 2


def test_request_events_outside_an_event_loop_are_written_at_once(stdout: RecordingRaw) -> None:
    with logging_to(stdout):
        structlog.get_logger(REQUESTS).bind().info("reply_sent", n=0)
        assert len(stdout.writes) == 1
    assert json.loads(stdout.writes[0])["n"] == 0


def test_a_loop_that_stopped_before_its_flush_does_not_hold_the_next_loops_lines(
    stdout: RecordingRaw,
) -> None:
    def log_and_stop(loop: asyncio.AbstractEventLoop) -> None:
        # The line's flush is scheduled for the loop's next turn, which never comes.
        structlog.get_logger(REQUESTS).info("reply_sent", n=0)
        loop.stop()

    async def next_loop() -> None:
        structlog.get_logger(REQUESTS).info("reply_sent", n=1)
        await asyncio.sleep(0)  # this loop's turn ends: both lines are out

    with logging_to(stdout):
        first = asyncio.new_event_loop()
        try:
            first.call_soon(log_and_stop, first)
            first.run_forever()
        finally:
            first.close()
        assert stdout.writes == []
        asyncio.run(next_loop())
        assert [json.loads(line)["n"] for line in b"".join(stdout.writes).splitlines()] == [0, 1]


@contextlib.contextmanager
def logging_to_file(
    path: Path, journal: str | None, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """sys.stdout a real file; JOURNAL_STREAM naming it (`journal="self"`), another stream, or
    unset, as systemd, a shell or a container leave it."""
    original = sys.stdout
    with path.open("w", encoding="utf-8") as stream:
        status = os.fstat(stream.fileno())
        if journal == "self":
            monkeypatch.setenv("JOURNAL_STREAM", f"{status.st_dev}:{status.st_ino}")
        elif journal is not None:
            monkeypatch.setenv("JOURNAL_STREAM", journal)
        else:
            monkeypatch.delenv("JOURNAL_STREAM", raising=False)
        sys.stdout = stream
        try:
            configure_logging("json", "debug")
            yield
        finally:
            sys.stdout = original
            configure_logging("json")


def log_each_level() -> None:
    log = structlog.get_logger("ucdhcp.test")
    log.debug("cache_warmed")
    log.info("server_started")
    log.warning("reply_dropped", error="send_buffer_full")
    log.error("config_reload_failed")
    log.critical("worker_unresponsive")
    structlog.get_logger(REQUESTS).bind().info("reply_sent", xid="0x1")


def test_on_journald_each_line_starts_with_its_syslog_priority(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "stdout"
    with logging_to_file(path, "self", monkeypatch):
        log_each_level()
    lines = path.read_text(encoding="utf-8").splitlines()
    prefixes = [line[: line.index("{")] for line in lines]
    assert prefixes == ["<7>", "<6>", "<4>", "<3>", "<2>", "<6>"]  # sd-daemon(3)
    events = [json.loads(line[3:]) for line in lines]
    assert [event["event"] for event in events][2] == "reply_dropped"


@pytest.mark.parametrize("journal", [None, "1:2", "garbage"], ids=["unset", "other", "bad"])
def test_lines_stay_plain_json_unless_journal_stream_names_stdout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, journal: str | None
) -> None:
    path = tmp_path / "stdout"
    with logging_to_file(path, journal, monkeypatch):
        log_each_level()
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["level"] for line in lines] == [
        "debug", "info", "warning", "error", "critical", "info"
    ]  # fmt: skip


def test_python_logging_records_are_rendered_as_events_of_the_same_stream(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What asyncio and uvloop log through `logging` (e.g. an exception in a callback) becomes
    # a JSON line with the same priority prefix, between the structlog events, in order.
    path = tmp_path / "stdout"
    with logging_to_file(path, "self", monkeypatch):
        structlog.get_logger("ucdhcp.test").info("server_started")
        try:
            raise OSError("socket gone")
        except OSError:
            logging.getLogger("asyncio").error("Exception in callback %s", "read()", exc_info=True)
        logging.getLogger("uvloop").debug("loop turn")
        structlog.get_logger("ucdhcp.test").info("server_stopped")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [line[:3] for line in lines] == ["<6>", "<3>", "<7>", "<6>"]
    events = [json.loads(line[3:]) for line in lines]
    assert [event["event"] for event in events] == [
        "server_started", "log_record", "log_record", "server_stopped"
    ]  # fmt: skip
    record = events[1]
    assert record["logger"] == "asyncio" and record["level"] == "error"
    assert record["message"] == "Exception in callback read()"
    assert "OSError: socket gone" in record["exception"]


def test_python_logging_below_the_configured_level_is_dropped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "stdout"
    with logging_to_file(path, None, monkeypatch):
        configure_logging("json", "warning")
        logging.getLogger("asyncio").info("not shown")
        logging.getLogger("asyncio").warning("shown")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["message"] for line in lines] == ["shown"]
