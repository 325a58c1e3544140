"""Floods on the phone segment while a legitimate phone probes throughout: every phone must
keep getting answered (docs/operating.md, Robustness). Short, bounded floods from an attacker
namespace; the default config.

    ucdhcp ns  eth0 10.1.0.10/16 --+
    phone ns   eth0 10.1.2.50/16 --+-- br0 (switch ns)
    attacker   eth0 10.1.3.66/16 --+

A phone counts as answered when its reply comes within 1 s (it retransmits after ~4 s).
"""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

import pytest

from tests.netns import Lab
from tests.waiting import wait_until

from .actors import POOL01, Phone, SiteConfig, Ucdhcp, config_toml
from .floods import ATTACKER, SERVER, FloodBridge, flood_hosts, probe_result

pytestmark = pytest.mark.needs_root

RSS_GROWTH_LIMIT_KIB = 5 * 1024


@pytest.fixture
def segment(lab: Lab, tmp_path: Path, request: pytest.FixtureRequest) -> FloodBridge:
    """The segment, with ucdhcp on every interface (one socket per interface) or, when the
    test is parametrized with `single_address`, bound to its one address; a parameter that
    starts with `trusted_relays` is a line of the [replies] table."""
    param = getattr(request, "param", None)
    single = param == "single_address"
    replies = param if isinstance(param, str) and param.startswith("trusted_relays") else ""
    switch, server, phone_ns, attacker = flood_hosts(lab)
    # A switch floods frames for unknown MACs (the flood's made-up chaddrs) to every port, and a
    # real NIC drops those for free; a veth would hand each one to the phone's and attacker's
    # stacks, on this machine's two cores. Their ports get only known unicast and broadcast.
    for port in ("p2", "p3"):
        lab.exec(switch, "ip", "link", "set", port, "type", "bridge_slave", "flood", "off")
    # The default config: per-request logging off (its volume bound has its own tests).
    config = config_toml([SiteConfig("headquarters", ["10.1.0.0/16"], POOL01)], replies=replies)
    config = config.replace("requests = true", "requests = false")
    if single:
        config = config.replace('address = "0.0.0.0"', f'address = "{SERVER}"')
    ucdhcp = Ucdhcp(lab, server, tmp_path, config).started(*([] if single else ["eth0"]))
    return FloodBridge(lab, ucdhcp, Phone(lab, phone_ns), attacker, tmp_path)


def total(counts: dict[str, int]) -> int:
    return sum(counts.values())


@pytest.mark.parametrize(("rate", "seconds"), [(500, 6), (20_000, 4)])
def test_unused_on_link_ciaddrs_never_stall_the_phone(
    segment: FloodBridge, rate: int, seconds: float
) -> None:
    # Each request names an unused address of the phone subnet as ciaddr and comes from it
    # (spoofed, so no per-source limit applies): a UDP send there waits ~3 s for ARP. The
    # phone must be answered throughout, memory must stay flat.
    rss_before, cpu_before = segment.rss_kib(), segment.cpu_seconds()
    process, output = segment.probe(seconds + 2)
    flood = segment.flood("unused-ciaddr", rate, seconds, spoof_source=True)
    sent, answered = probe_result(process, output)
    cpu = segment.cpu_seconds() - cpu_before
    print(
        f"flood {flood['sent']} in {flood['seconds']:.1f} s; phone {answered}/{sent};"
        f" ucdhcp CPU {cpu:.2f} s"
    )
    assert answered >= 0.99 * sent, f"the phone was answered {answered} of {sent} times"
    assert segment.rss_kib() - rss_before <= RSS_GROWTH_LIMIT_KIB

    counters = segment.counters()
    # Every request is accounted for exactly once: sent, dropped or ignored.
    decided = total(counters["replies"]) + total(counters["dropped"]) + total(counters["ignored"])
    assert decided == total(counters["received"])
    assert counters["replies"]["ciaddr"] >= answered

    # A quiet and quick stop: no backlog to flush, no error lines.
    segment.ucdhcp.process.send_signal(signal.SIGTERM)
    assert segment.ucdhcp.process.wait(timeout=5) == 0
    log = segment.ucdhcp.log_path.read_text()
    assert "Traceback" not in log and "Fatal error" not in log
    assert len(log.splitlines()) < 100  # no event per request, nor per error
    assert segment.ucdhcp.find("server_stopped")


@pytest.mark.parametrize("segment", ["single_address"], indirect=True)
def test_unused_on_link_ciaddrs_never_stall_the_phone_with_one_address(
    segment: FloodBridge,
) -> None:
    # server.address set: one socket bound to it; its interface still sends frames.
    process, output = segment.probe(6)
    segment.flood("unused-ciaddr", 500, 5, spoof_source=True)
    sent, answered = probe_result(process, output)
    assert answered >= 0.99 * sent, f"the phone was answered {answered} of {sent} times"


@pytest.mark.parametrize(("kind", "rate"), [("distinct", 60_000), ("oversized-61", 100_000)])
def test_a_booting_phone_is_answered_while_a_flood_fills_the_limits(
    segment: FloodBridge, kind: str, rate: int
) -> None:
    # Distinct chaddrs (and ciaddrs) every request, or an option 61 too large for any reply:
    # neither may make the limits turn away a phone that is booting (a new chaddr each time).
    seconds = 4.0
    process, output = segment.probe(seconds + 1, new_phone=True)
    flood = segment.flood(kind, rate, seconds)
    sent, answered = probe_result(process, output)
    achieved = flood["sent"] / flood["seconds"]
    print(f"{kind}: {achieved:,.0f}/s for {flood['seconds']:.1f} s; new phone {answered}/{sent}")
    assert answered >= 0.99 * sent, f"a booting phone was answered {answered} of {sent} times"
    counters = segment.counters()
    assert counters["replies"]["ciaddr"] >= answered
    if kind == "oversized-61":
        assert counters["ignored"].get("reply_too_large", 0) > 0


def test_a_victim_ciaddr_draws_at_most_50_replies_a_second(segment: FloodBridge) -> None:
    seconds = 3.0
    flood = segment.flood("victim", 5000, seconds, victim="10.1.2.99", port=68)
    counters = segment.counters()
    replies = total(counters["replies"])
    print(f"victim flood {flood['sent']} in {flood['seconds']:.1f} s -> {replies} replies")
    # One-second windows: at most one more window than the flood lasted.
    assert 0 < replies <= 50 * (int(flood["seconds"]) + 2)
    # The rest were refused: over the victim's limit, or over the sender's request limit.
    assert set(counters["ignored"]) <= {"rate_limited", "sender_over_limit"}
    assert total(counters["ignored"]) == flood["sent"] - replies


@pytest.mark.parametrize(
    "victim", ["255.255.255.255", "224.0.0.1", "10.1.255.255", "10.1.0.0", "127.0.0.1"]
)
def test_no_reply_to_a_broadcast_multicast_loopback_or_network_ciaddr(
    segment: FloodBridge, victim: str
) -> None:
    flood = segment.flood("victim", 80, 1.0, victim=victim, port=68)  # within requests_per_source
    counters = segment.counters()
    assert counters["replies"] == {}
    assert counters["ignored"] == {"refused_destination": flood["sent"]}


# --- relays, fair shares and the receive queue ---------------------------------------------------

RELAY = "10.1.9.1"  # a relay's giaddr on the phones' subnet
UNREAD = ("sender_over_limit", "over_fair_share", "stale")


def parsed(counters: dict[str, Any]) -> int:
    """Requests that got past the per-source budget and were parsed."""
    received = counters["received"]
    return total(received) - received.get("unread", 0)


@pytest.mark.parametrize("segment", [f'trusted_relays = ["{RELAY}"]'], indirect=True)
def test_a_giaddr_from_a_source_outside_trusted_relays_gets_no_more_than_a_host(
    segment: FloodBridge,
) -> None:
    # The attacker claims the trusted relay's giaddr from its own address: it is one host.
    flood = segment.flood("distinct", 5000, 3.0, giaddr=RELAY)
    counters = segment.counters()
    windows = int(flood["seconds"]) + 2  # one-second windows the flood touched, at most
    print(f"flood {flood['sent']} -> parsed {parsed(counters)}, ignored {counters['ignored']}")
    assert 0 < parsed(counters) <= 100 * windows  # limits.requests_per_source
    assert counters["ignored"]["sender_over_limit"] >= flood["sent"] - 100 * windows


@pytest.mark.parametrize(
    "segment", ["", f'trusted_relays = ["{RELAY}", "{ATTACKER}"]'], indirect=True
)
def test_a_relays_boot_storm_is_answered_in_full(segment: FloodBridge) -> None:
    # 5,000 phones behind one relay, each asking once, back to back: with every relay trusted
    # (the default) and with this relay's giaddr and source listed. Its replies leave as
    # frames to the phones' made-up MACs, counted when sent.
    storm = segment.flood("distinct", 100_000, 5.0, giaddr=RELAY, count=5000)
    assert storm["sent"] == 5000
    wait_until(lambda: total(segment.counters()["replies"]) >= 5000, 20, "every reply")
    counters = segment.counters()
    print(f"storm of 5,000 in {storm['seconds']:.2f} s -> {counters['replies']}")
    assert total(counters["replies"]) == 5000
    assert not any(counters["ignored"].get(reason) for reason in UNREAD)


def test_a_made_up_relays_flood_leaves_the_phone_answered_and_is_shed(segment: FloodBridge) -> None:
    # The default config (every source that sets giaddr counts as a relay): a flood claiming a
    # made-up relay, each request naming an unused on-link address, far more than this build
    # answers. The phone keeps being answered; the flood, the heaviest source, is shed before
    # parsing (in Python, or in the kernel by the source filter).
    seconds = 4.0
    rss_before = segment.rss_kib()
    process, output = segment.probe(seconds + 1)
    flood = segment.flood("unused-ciaddr", 60_000, seconds, giaddr="10.1.3.1")
    sent, answered = probe_result(process, output)
    counters = segment.counters()
    shed = counters["ignored"].get("over_fair_share", 0)
    filtered = counters["receive_drops"].get("source_filter", 0)
    print(
        f"flood {flood['sent']} in {flood['seconds']:.1f} s; phone {answered}/{sent};"
        f" parsed {parsed(counters)}, shed {shed}, filtered {filtered},"
        f" kernel {counters['receive_drops']}"
    )
    assert answered >= 0.95 * sent, f"the phone was answered {answered} of {sent} times"
    # Shed, not only answered: how much of it depends on how much of 60,000/s this machine
    # parses before its queue overloads (46-93% over runs here), so no fraction is asserted.
    assert shed + filtered > 0
    assert segment.rss_kib() - rss_before <= RSS_GROWTH_LIMIT_KIB
    assert segment.ucdhcp.find("overload_started")
