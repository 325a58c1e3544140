"""The probe without sockets: the INFORM it sends, its back-off, and how answers are judged."""

import ipaddress
import itertools
import random

import pytest

from tests.dhcp import golden
from ucdhcp.tools.probe.inform import (
    Answer,
    Expectation,
    Inform,
    decode_answer,
    encode_inform,
    judge,
    retransmit_schedule,
)

from .tools import POOL01_43, POOL01_120

INFORM = Inform(xid=golden.XID, chaddr=golden.PHONE_MAC, ciaddr=ipaddress.IPv4Address("10.1.2.50"))


def test_inform_is_what_a_phone_sends():
    datagram = encode_inform(INFORM)
    # protocol.md §7's INFORM (no BROADCAST flag: the reply may be unicast to ciaddr), padded.
    assert datagram == golden.INFORM.ljust(300, b"\x00")
    assert len(datagram) == 300  # BOOTP minimum: short requests are dropped by some servers


def test_secs_counts_the_time_since_the_first_transmission():
    assert encode_inform(INFORM, secs=9)[8:10] == b"\x00\x09"


@pytest.mark.parametrize("seed", range(20))
def test_retransmissions_follow_rfc_2131_backoff_within_the_timeout(seed):
    times = retransmit_schedule(60.0, random.Random(seed))
    assert times[0] == 0
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    for gap, base in zip(gaps, (4, 8, 16, 32), strict=False):  # doubling, randomised by ±1 s
        assert base - 1 <= gap <= base + 1
    assert all(time < 60 for time in times)


def test_short_timeout_sends_once():
    assert retransmit_schedule(2.5, random.Random(1)) == [0.0]


def ack(option_120: bytes | None, option_43: bytes | None, server: str = "10.1.2.10") -> Answer:
    return Answer(f"{server}:67", 0.01, 5, server, option_120, option_43)


POOL01 = (bytes.fromhex(POOL01_120), bytes.fromhex(POOL01_43))


def test_a_valid_answer_passes_and_names_the_registrar_and_url():
    verdict = judge([ack(*POOL01)], Expectation(("pool01.contoso.com",)), "1 s")
    assert verdict.ok
    assert "SIP server pool01.contoso.com" in verdict.reason
    assert "https://pool01.contoso.com:443/CertProv/CertProvisioningService.svc" in verdict.reason


def test_no_answer_fails_with_the_window():
    verdict = judge([], Expectation(), "3 s on ph0")
    assert not verdict.ok
    assert verdict.reason == "no answer from any DHCP server within 3 s on ph0"


def test_answer_without_43_and_120_fails_saying_so():
    verdict = judge([ack(None, None)], Expectation(), "1 s")
    assert not verdict.ok
    assert "without option 120 or 43" in verdict.reason
    assert "DHCPACK from 10.1.2.10:67" in verdict.reason


def test_the_phone_takes_the_first_answer_with_an_fqdn_and_others_are_noted():
    other = (bytes.fromhex("0006706F6F6C303207636F6E746F736F03636F6D00"), POOL01[1])  # pool02
    answers = [ack(None, None, "10.1.2.1"), ack(*POOL01), ack(*other, "10.1.2.11")]
    verdict = judge(answers, Expectation(), "1 s")
    assert verdict.ok and verdict.chosen is answers[1]
    assert any("10.1.2.11" in note and "other values" in note for note in verdict.notes)
    assert any("10.1.2.1:67" in note and "without an FQDN" in note for note in verdict.notes)


@pytest.mark.parametrize(
    ("expectation", "message"),
    [
        (Expectation(("pool02.contoso.com",)), "lists pool01.contoso.com, expected pool02"),
        (Expectation(web_server="web.contoso.com"), "web server pool01.contoso.com, expected web"),
        (
            Expectation(option_43=b"\x01\x00", origin="site x of f.toml"),
            "option 43 differs from site x",
        ),
    ],
)
def test_other_values_than_expected_fail(expectation, message):
    verdict = judge([ack(*POOL01)], expectation, "1 s")
    assert not verdict.ok
    assert message in verdict.reason


@pytest.mark.parametrize(
    ("option_120", "option_43", "message"),
    [
        (POOL01[0], None, "no option 43"),
        (bytes.fromhex("010A010203"), POOL01[1], "encoding 1"),
        (POOL01[0], bytes.fromhex(POOL01_43.replace("0403343433", "040201BB")), "binary"),
    ],
)
def test_answers_phones_cannot_use_fail_with_the_reason(option_120, option_43, message):
    verdict = judge([ack(option_120, option_43)], Expectation(), "1 s")
    assert not verdict.ok
    assert message in verdict.reason


def test_decode_answer_keeps_only_replies_to_our_xid():
    reply = bytearray(encode_inform(INFORM))
    reply[0] = 2  # BOOTREPLY
    reply[240:243] = bytes((53, 1, 5))
    assert decode_answer(bytes(reply), "10.1.2.10:67", 0.1, INFORM.xid) is not None
    assert decode_answer(bytes(reply), "10.1.2.10:67", 0.1, INFORM.xid + 1) is None
    assert decode_answer(encode_inform(INFORM), "x", 0.1, INFORM.xid) is None  # a request
    assert decode_answer(b"garbage", "x", 0.1, INFORM.xid) is None
