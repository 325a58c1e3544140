"""`ucdhcp probe` on a real link (network namespaces) against `ucdhcp serve` and dnsmasq."""

import ipaddress
from pathlib import Path

import pytest

from tests.commands import ucdhcp_command
from tests.network.actors import start_dnsmasq
from tests.waiting import wait_until

from .peers import (
    SERVER,
    PeerLink,
    make_peer_link,
    serve_config,
    start_ucdhcp,
)
from .tools import SITES, policy_bytes, run

pytestmark = pytest.mark.needs_root

QUICK = ("--timeout", "1.5", "--settle", "0.3")  # no server answers later than this here


def chosen(document: dict) -> dict:
    return document["answers"][document["chosen"]]


def test_probe_passes_against_ucdhcp_serve_with_its_exact_bytes(lab, tmp_path):
    segment = make_peer_link(lab, tmp_path)
    start_ucdhcp(lab, segment.server, serve_config(tmp_path / "ucdhcp.toml"), tmp_path)
    code, document, stderr = segment.probe_json(*QUICK, "-c", str(SITES))
    assert code == 0, stderr
    assert document["ok"] is True
    answer = chosen(document)
    assert answer["server_id"] == SERVER and answer["message_type"] == "DHCPACK"
    option_120, option_43 = policy_bytes()["headquarters"]
    assert answer["option_120"]["hex"] == option_120.hex().upper()
    assert answer["option_43"]["hex"] == option_43.hex().upper()
    assert document["ciaddr"] == "10.1.2.50" and document["interface"] == "ph0"


def test_probe_unicast_to_the_server_with_expected_names(lab, tmp_path):
    segment = make_peer_link(lab, tmp_path)
    start_ucdhcp(lab, segment.server, serve_config(tmp_path / "ucdhcp.toml"), tmp_path)
    result = segment.probe(
        *QUICK,
        "--server",
        SERVER,
        "--expect-sip-server",
        "pool01.contoso.com",
        "--expect-web-server",
        "pool01.contoso.com",
    )
    assert result.returncode == 0, result.stderr
    assert "to 10.1.2.10:67" in result.stdout
    assert result.stdout.splitlines()[-1].startswith("ok: DHCPACK from 10.1.2.10:67")


def test_probe_fails_clearly_when_no_server_answers(lab, tmp_path):
    segment = make_peer_link(lab, tmp_path)
    result = segment.probe(*QUICK)
    assert result.returncode == 1
    assert result.stderr == (
        "ucdhcp probe: no answer from any DHCP server within 1.5 s on ph0 (1 INFORM sent)\n"
    )


def test_probe_fails_when_the_server_answers_other_values(lab, tmp_path):
    segment = make_peer_link(lab, tmp_path)
    start_ucdhcp(
        lab,
        segment.server,
        serve_config(tmp_path / "ucdhcp.toml", sip_server="pool02.contoso.com"),
        tmp_path,
    )
    result = segment.probe(*QUICK, "--expect-sip-server", "pool01.contoso.com")
    assert result.returncode == 1
    assert "option 120 lists pool02.contoso.com, expected pool01.contoso.com" in result.stderr
    result = segment.probe(*QUICK, "-c", str(SITES))
    assert result.returncode == 1
    assert f"option 120 differs from site headquarters of {SITES}" in result.stderr
    assert result.stderr.count("\n") == 1


def test_probe_fails_when_the_answer_has_no_43_or_120(lab, tmp_path):
    segment = make_peer_link(lab, tmp_path)
    plain = tmp_path / "plain.conf"  # a dnsmasq that knows nothing of Lync phones
    plain.write_text("dhcp-range=10.1.2.0,static,255.255.255.0\n", encoding="utf-8")
    start_dnsmasq(lab, segment.server, plain, tmp_path)
    result = segment.probe(*QUICK)
    assert result.returncode == 1
    assert "1 answer without option 120 or 43 (DHCPACK from 10.1.2.10:67" in result.stderr
    assert "option 120: absent" in result.stdout


def test_probe_retransmits_until_a_server_answers(lab, tmp_path):
    # ucdhcp is up before the probe starts, but a firewall rule drops what reaches port 67
    # until the first INFORM has been dropped: then the rule goes, and the answer can only
    # come to a retransmission. With --timeout 8 the probe sends at most two INFORMs (0 s,
    # then 4 s ±1; the next is 8 s ±1 later); the schedule itself is checked without a clock
    # in test_probe_logic.
    segment = make_peer_link(lab, tmp_path)
    start_ucdhcp(lab, segment.server, serve_config(tmp_path / "ucdhcp.toml"), tmp_path)
    drop = ("INPUT", "-p", "udp", "--dport", "67", "-j", "DROP")
    lab.exec(segment.server, "iptables", "-I", *drop)
    log = tmp_path / "probe.out"
    probe = lab.start(
        segment.phone, *ucdhcp_command(), "probe", "--timeout", "8", "--settle", "0.2", stdout=log
    )
    wait_until(lambda: dropped(segment) >= 1, 10, "the first INFORM, dropped")
    lab.exec(segment.server, "iptables", "-D", *drop)
    assert probe.wait(timeout=15) == 0, log.read_text()
    assert "sent 2 INFORMs, 1 answer" in log.read_text()


def dropped(segment: PeerLink) -> int:
    """Packets the server namespace's first INPUT rule has matched."""
    shown = segment.lab.exec(segment.server, "iptables", "-L", "INPUT", "1", "-v", "-n", "-x")
    return int(shown.stdout.split()[0])


def test_probe_reports_every_server_that_answers(lab, tmp_path):
    # Two servers on one segment: ucdhcp with pool01, dnsmasq (from an export) with pool02.
    phone = lab.host("ph")
    first, second = lab.host("srva"), lab.host("srvb")
    lab.link(phone, "pa", None, first, "a0", "10.1.2.10/24")
    lab.link(phone, "pb", None, second, "b0", "10.1.2.11/24")
    lab.bridge(phone, "br0", ["pa", "pb"], "10.1.2.50/24")
    segment = PeerLink(lab, first, phone, tmp_path)
    start_ucdhcp(lab, segment.server, serve_config(tmp_path / "ucdhcp.toml"), tmp_path)
    dnsmasq_conf = tmp_path / "other.conf"
    exported = run(
        "export", "-f", "dnsmasq", "--sip-server", "pool02.contoso.com", "--subnet", "10.1.2.0/24"
    )
    dnsmasq_conf.write_text(exported.stdout, encoding="utf-8")
    start_dnsmasq(lab, second, dnsmasq_conf, tmp_path)
    code, document, _ = segment.probe_json("--timeout", "3", "--settle", "1", "-i", "br0")
    sources = {answer["source"] for answer in document["answers"]}
    assert sources == {"10.1.2.10:67", "10.1.2.11:67"}
    assert code == 0  # the first answer is valid; the other is reported
    assert any("other values" in note for note in document["notes"])


def test_probe_without_an_interface_address_is_one_line_error(lab, tmp_path):
    lonely = lab.host("ph")
    other = lab.host("srv")
    lab.link(lonely, "ph0", None, other, "srv0", None)
    for args, message in (
        ((), "no interface with an IPv4 address (other than loopback): use --interface"),
        (("-i", "ph0"), "interface ph0 does not exist or has no IPv4 address"),
    ):
        result = lab.exec(lonely, *ucdhcp_command(), "probe", *QUICK, *args, check=False)
        assert result.returncode == 1
        assert result.stderr == f"ucdhcp probe: {message}\n"


def test_probe_bad_arguments_fail_before_sending(tmp_path: Path):
    for args, message in (
        (["--expect-sip-server", "pool01"], "--expect-sip-server: 'pool01' is not fully qualified"),
        (["-c", str(tmp_path / "missing.toml")], "missing.toml: cannot read"),
        (["--site", "x"], "--site needs -c FILE"),
        (["--timeout", "0"], "--timeout must be positive"),
    ):
        result = run("probe", *args)
        assert result.returncode == 2, args
        assert result.stderr.startswith("ucdhcp probe: ") and message in result.stderr
        assert result.stderr.count("\n") == 1


def test_probe_chooses_the_site_by_the_interface_address(lab, tmp_path):
    segment = make_peer_link(lab, tmp_path, server="10.30.0.10", phone="10.30.0.50")
    exported = run("export", "-f", "dnsmasq", "-c", str(SITES), "--site", "emea")
    config = tmp_path / "emea.conf"
    config.write_text(exported.stdout, encoding="utf-8")
    start_dnsmasq(lab, segment.server, config, tmp_path)
    code, document, stderr = segment.probe_json(*QUICK, "-c", str(SITES))
    assert code == 0, stderr
    assert "site emea" in document["reason"]
    assert ipaddress.IPv4Address(document["ciaddr"]) in ipaddress.IPv4Network("10.30.0.0/24")
