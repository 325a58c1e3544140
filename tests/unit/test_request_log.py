"""describe (runtime/request_log.py): the event name and fields of one per-request log event,
for real outcomes of Responder.respond."""

import io
import json
import os
import re
import sys
from pathlib import Path

import pytest
import structlog
from structlog.testing import capture_logs

from tests.dhcp.request import BROADCAST, phone_request
from ucdhcp.core.responder import Ignored, Reason
from ucdhcp.runtime.logs import REQUESTS, DictBoundLogger, configure_logging, request_writer
from ucdhcp.runtime.request_log import describe

from .responders import answered, respond

PHONE = ("10.1.2.50", 68)
REQUEST_FIELDS = {
    "source": "10.1.2.50:68",
    "xid": "0x12345678",
    "chaddr": "00:04:13:aa:bb:cc",
    "message_type": "INFORM",
    "vendor_class": "MS-UC-Client",
    "ciaddr": "10.1.2.50",
    "giaddr": "0.0.0.0",
}


def test_reply_sent_names_the_request_the_site_and_where_the_reply_went():
    reply = answered(respond(phone_request()))
    assert describe(reply, PHONE) == (
        "reply_sent",
        {
            **REQUEST_FIELDS,
            "site": "pool01",
            "profile": "ms-uc-client",
            "destination": "10.1.2.50:68",
            "destination_kind": "ciaddr",
            "size": len(reply.payload),
        },
    )


def test_reply_dropped_carries_the_error_that_stopped_it():
    reply = answered(respond(phone_request(ciaddr="0.0.0.0", giaddr="10.1.2.1", flags=BROADCAST)))
    event, fields = describe(reply, ("10.1.2.1", 67), dropped="EPERM")
    assert event == "reply_dropped"
    assert fields["error"] == "EPERM"
    assert (fields["destination"], fields["destination_kind"]) == ("10.1.2.1:67", "relay")
    assert (fields["source"], fields["giaddr"], fields["ciaddr"]) == (
        "10.1.2.1:67",
        "10.1.2.1",
        "0.0.0.0",
    )


def test_request_ignored_names_the_request_and_the_reason():
    outcome = respond(phone_request(vendor_class=b"MSFT 5.0", xid=0xBAD))
    assert describe(outcome, PHONE) == (
        "request_ignored",
        {
            **REQUEST_FIELDS,
            "xid": "0x00000bad",
            "vendor_class": "MSFT 5.0",
            "reason": "vendor_class_not_served",
        },
    )


def test_malformed_datagram_has_reason_and_detail_but_no_request_fields():
    assert describe(respond(b"\x01" * 100), ("192.0.2.7", 68)) == (
        "request_ignored",
        {
            "source": "192.0.2.7:68",
            "reason": "malformed",
            "detail": "100 bytes is shorter than a DHCP header",
        },
    )


def test_a_request_dropped_unread_has_only_its_source_and_reason():
    outcome = Ignored(Reason.SENDER_OVER_LIMIT)
    assert describe(outcome, PHONE) == (
        "request_ignored",
        {"source": "10.1.2.50:68", "reason": "sender_over_limit"},
    )


def test_message_type_is_named_bootp_or_given_as_a_number_when_unknown():
    _, plain_bootp = describe(respond(phone_request(message_type=None)), PHONE)
    _, unknown = describe(respond(phone_request(message_type=200)), PHONE)
    assert (plain_bootp["message_type"], plain_bootp["reason"]) == ("BOOTP", "no_message_type")
    assert (unknown["message_type"], unknown["reason"]) == ("200", "unsupported_type")


def test_vendor_class_bytes_that_are_not_utf8_are_shown_one_character_per_byte():
    _, fields = describe(respond(phone_request(vendor_class=b"MS-UC-\xff\xfe")), PHONE)
    assert fields["vendor_class"] == "MS-UC-\xff\xfe"
    _, fields = describe(respond(phone_request(vendor_class=None)), PHONE)
    assert fields["vendor_class"] is None


class _Unusual:
    def __repr__(self) -> str:
        return "<unusual>"


@pytest.mark.parametrize("journal", [False, True], ids=["plain", "journald"])
def test_the_fast_json_writer_writes_the_bytes_structlog_would(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, journal: bool
) -> None:
    # logs.py renders per-request events itself while its JSON chain is in force: the same
    # line as structlog's processing of the same event, key order, fallbacks and journald's
    # priority prefix included.
    stdout = open(tmp_path / "stdout", "w+", encoding="utf-8")  # noqa: SIM115
    if journal:
        status = os.fstat(stdout.fileno())
        monkeypatch.setenv("JOURNAL_STREAM", f"{status.st_dev}:{status.st_ino}")
    else:
        monkeypatch.delenv("JOURNAL_STREAM", raising=False)
    monkeypatch.setattr(sys, "stdout", stdout)
    try:
        configure_logging("json", "debug")
        logger = structlog.wrap_logger(
            None, wrapper_class=DictBoundLogger, logger_factory_args=(REQUESTS,)
        ).bind()
        fast = request_writer(logger.write)
        assert fast != logger.write
        event, fields = describe(answered(respond(phone_request())), PHONE)
        fields["odd"] = _Unusual()  # not JSON: structlog's fallback writes its repr()
        for level in ("info", "debug"):
            fast(level, event, dict(fields))
            logger.write(level, event, dict(fields))
        with capture_logs() as captured:  # another chain in force: the event goes through it
            fast("info", event, dict(fields))
    finally:
        structlog.reset_defaults()
        stdout.close()
    lines = (tmp_path / "stdout").read_bytes().splitlines()
    assert len(lines) == 4
    stamp = re.compile(rb'"timestamp":"[0-9T:.-]+Z"')
    masked = [stamp.sub(b'"timestamp":"T"', line) for line in lines]
    assert masked[0] == masked[1] and masked[2] == masked[3]
    expected = [b"<6>", b"<6>", b"<7>", b"<7>"] if journal else [b"{"] * 4
    assert [line[: len(start)] for line, start in zip(lines, expected, strict=True)] == expected
    events = [json.loads(line[line.index(b"{") :]) for line in lines]
    assert events[0]["odd"] == "<unusual>"
    assert [event["level"] for event in events] == ["info", "info", "debug", "debug"]
    assert list(events[0])[-3:] == ["event", "level", "timestamp"]
    assert [entry["event"] for entry in captured] == ["reply_sent"]


def test_a_key_that_is_not_a_string_is_written_as_the_chain_writes_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stdout = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    monkeypatch.setattr(sys, "stdout", stdout)
    try:
        configure_logging("json", "info")
        logger = structlog.wrap_logger(
            None, wrapper_class=DictBoundLogger, logger_factory_args=(REQUESTS,)
        ).bind()
        request_writer(logger.write)("info", "reply_sent", {67: "a port as a key"})
    finally:
        structlog.reset_defaults()
    [line] = stdout.buffer.getvalue().splitlines()  # type: ignore[attr-defined]
    assert json.loads(line)["67"] == "a port as a key"
