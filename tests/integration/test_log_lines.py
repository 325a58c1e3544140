"""The JSON log lines configure_logging writes: one write() per event (lines from workers
sharing stdout stay whole), the values structlog's json.dumps renderer would give, and an ISO
8601 UTC timestamp with microseconds."""

import contextlib
import io
import json
import re
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest
import structlog

from ucdhcp.runtime.logs import configure_logging

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
