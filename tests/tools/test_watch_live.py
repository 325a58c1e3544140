"""`ucdhcp watch` on a real segment: `ucdhcp serve` (the expected server) and dnsmasq answering
the same phone's INFORM (tests/network/phone.py), the watch listening on the phone's link."""

import signal

import pytest

from .peers import serve_config
from .rivals import PHONE, ROGUE, UCDHCP, make_rivals_bridge

pytestmark = pytest.mark.needs_root  # network namespaces

DURATION = ("--duration", "5", "--settle", "1")  # the exchanges below end within 2 s


def transactions(events: list[dict]) -> list[dict]:
    return [event for event in events if event["event"] == "transaction"]


def kinds(transaction: dict) -> list[str]:
    return [problem["kind"] for problem in transaction["problems"]]


def test_rival_answering_first_with_other_values_is_flagged(lab, tmp_path):
    segment = make_rivals_bridge(lab, tmp_path)
    segment.serve()
    segment.rogue_dnsmasq("pool02.contoso.com")
    config = serve_config(tmp_path / "expected.toml", server_id=UCDHCP)
    watcher = segment.watch("--json", "-c", str(config), *DURATION)  # expected: its server_id
    segment.inform(0x1001, ROGUE, UCDHCP)
    code, events = watcher.events()
    assert code == 1
    assert events[0] == {"event": "listening", "interface": "ph0", "expected_server": UCDHCP}
    (transaction,) = transactions(events)
    assert transaction["xid"] == "0x00001001"
    assert [r["vendor_class"] for r in transaction["requests"]] == ["MS-UC-Client"] * 2
    assert transaction["requests"][0]["parameters"] == [1, 3, 6, 15, 42, 43, 120]
    assert transaction["requests"][0]["ciaddr"] == PHONE
    answers = transaction["answers"]
    assert [a["server_id"] for a in answers] == [ROGUE, UCDHCP]
    assert answers[0]["option_120"]["sip_servers"] == ["pool02.contoso.com"]
    assert kinds(transaction) == ["unexpected_server", "different_values", "answered_first"]
    assert transaction["problems"][2]["message"] == (
        f"{ROGUE} answered before the expected server {UCDHCP}: phones take the first answer"
        " with an FQDN"
    )
    assert events[-1] == {
        "event": "summary",
        "phones": 1,
        "requests": 2,
        "answers": 2,
        "servers": [UCDHCP, ROGUE],
        "problems": {"answered_first": 1, "different_values": 1, "unexpected_server": 1},
    }


def test_expected_server_first_still_flags_the_rival_but_not_the_race(lab, tmp_path):
    segment = make_rivals_bridge(lab, tmp_path)
    segment.serve()
    segment.rogue_dnsmasq("pool02.contoso.com")
    watcher = segment.watch("--json", "--expect-server", UCDHCP, *DURATION)
    segment.inform(0x1002, UCDHCP, ROGUE)
    code, events = watcher.events()
    assert code == 1
    (transaction,) = transactions(events)
    assert [a["server_id"] for a in transaction["answers"]] == [UCDHCP, ROGUE]
    assert kinds(transaction) == ["unexpected_server", "different_values"]


def test_healthy_segment_shows_the_exchange_and_no_problem(lab, tmp_path):
    segment = make_rivals_bridge(lab, tmp_path)
    segment.serve()
    watcher = segment.watch("--expect-server", UCDHCP, *DURATION)
    segment.inform(0x1003)  # broadcast, as a phone sends it
    code, text = watcher.finish()
    assert code == 0, text
    lines = text.splitlines()
    assert lines[0] == f"watch: listening on ph0 (expected server {UCDHCP}), 5 s"
    assert lines[1].startswith("xid 0x00001003 chaddr ")
    assert lines[2] == (
        f"  +0.000 s DHCPINFORM from {PHONE}:68, vendor class MS-UC-Client,"
        f" option 55 [1, 3, 6, 15, 42, 43, 120], ciaddr {PHONE}"
    )
    assert lines[3].endswith(
        f"DHCPACK from {UCDHCP}:67 (server id {UCDHCP}): 120 pool01.contoso.com;"
        " 43 https://pool01.contoso.com:443/CertProv/CertProvisioningService.svc"
    )
    assert lines[-1] == "summary: 1 phone, 1 request, 1 answer from 1 server, 0 problems"


def test_unusable_value_and_a_phone_left_without_an_fqdn(lab, tmp_path):
    segment = make_rivals_bridge(lab, tmp_path)
    # Option 120 encoding 0 whose name lacks the root label: phones cannot read it.
    segment.rogue_dnsmasq("pool02.contoso.com", raw_120="00:03:66:6f:6f")
    watcher = segment.watch("--json", *DURATION)
    segment.inform(0x1004)
    code, events = watcher.events()
    assert code == 1
    (transaction,) = transactions(events)
    assert kinds(transaction) == ["unusable_value", "no_usable_answer"]
    assert transaction["problems"][0]["message"].startswith(f"{ROGUE}: option 120: ")


def test_ctrl_c_prints_open_transactions_and_the_summary(lab, tmp_path):
    segment = make_rivals_bridge(lab, tmp_path)
    segment.serve()
    watcher = segment.watch("--json", "--settle", "30")  # nothing closes before Ctrl-C
    segment.inform(0x1005)
    watcher.process.send_signal(signal.SIGINT)
    code, events = watcher.events()
    assert code == 0
    (transaction,) = transactions(events)
    assert transaction["xid"] == "0x00001005" and transaction["problems"] == []
    assert events[-1]["event"] == "summary" and events[-1]["answers"] == 1
