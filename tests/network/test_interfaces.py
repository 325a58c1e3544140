"""One ucdhcp, several interfaces: each phone gets its own site's options and the address of
the interface it is attached to as server identifier; a broadcast reply leaves only through
the interface the request came in on; interfaces that appear or change address while ucdhcp
runs are served without a restart.
"""

import json
import subprocess
import time
from pathlib import Path

import pytest

from tests.dhcp.golden import (
    OPTION_43_POOL01,
    OPTION_43_SERVER_FQDN,
    OPTION_120_POOL01,
    OPTION_120_SERVER_FQDN,
)
from tests.dhcp.request import BROADCAST, UNSET, mac, phone_request
from tests.netns import Lab

from .actors import (
    COMPANY,
    POOL01,
    SILENCE,
    WATCH,
    Phone,
    SiteConfig,
    Ucdhcp,
    config_toml,
    delivered,
    replies_to,
)
from .link_frames import BROADCAST_MAC, Frame, broadcast_frame

pytestmark = pytest.mark.needs_root

SITES = [
    SiteConfig("branch-a", ["10.1.0.0/24"], POOL01),
    SiteConfig("branch-b", ["10.2.0.0/24"], COMPANY),
]
PICKUP_TIMEOUT = 5.0  # an interface added while running must be served within this


def broadcast_inform(phone: Phone, xid: int) -> bytes:
    return broadcast_frame(
        phone.mac,
        phone_request(chaddr=mac(phone.mac), xid=xid, ciaddr=UNSET, flags=BROADCAST),
    )


def two_segments(lab: Lab) -> tuple[str, Phone, Phone]:
    server = lab.host("srv")
    a, b = lab.host("pha"), lab.host("phb")
    lab.link(server, "eth1", "10.1.0.1/24", a, "eth0", "10.1.0.50/24")
    lab.link(server, "eth2", "10.2.0.1/24", b, "eth0", "10.2.0.50/24")
    return server, Phone(lab, a), Phone(lab, b)


def test_each_segment_gets_its_sites_options_and_its_interfaces_server_id(
    lab: Lab, tmp_path: Path
) -> None:
    server, phone_a, phone_b = two_segments(lab)
    Ucdhcp(lab, server, tmp_path, config_toml(SITES)).started("eth1", "eth2")
    expected = [
        (phone_a, phone_b, "10.1.0.1", OPTION_120_POOL01, OPTION_43_POOL01),
        (phone_b, phone_a, "10.2.0.1", OPTION_120_SERVER_FQDN, OPTION_43_SERVER_FQDN),
    ]
    for xid, (phone, other, server_id, option_120, option_43) in enumerate(
        expected, start=0x2B000001
    ):
        other_side = other.watch(tmp_path, listen=WATCH)
        reply = delivered(phone.exchange(frames=[broadcast_inform(phone, xid)], xid=xid), xid)
        assert (reply.eth_dst, reply.ip_dst) == (BROADCAST_MAC, "255.255.255.255")
        assert reply.ip_src == server_id and reply.server_id == server_id
        assert (reply.options[120], reply.options[43]) == (option_120, option_43)
        # The broadcast left through the receiving interface only.
        assert other_side.frames() == []


def test_start_up_reports_each_served_interface_once(lab: Lab, tmp_path: Path) -> None:
    # interface_added says what interface_served said, with the server identifier and whether
    # replies go as frames: logging both for the same interface was noise.
    server, _, _ = two_segments(lab)
    ucdhcp = Ucdhcp(lab, server, tmp_path, config_toml(SITES)).started("eth1", "eth2")
    added = [event["interface"] for event in ucdhcp.find("interface_added")]
    assert sorted(added) == ["eth1", "eth2"]
    assert ucdhcp.find("interface_served") == []
    assert {e["interface"]: e["server_id"] for e in ucdhcp.find("interface_added")} == {
        "eth1": "10.1.0.1",
        "eth2": "10.2.0.1",
    }


def test_unicast_to_the_other_interfaces_address_names_the_receiving_interface(
    lab: Lab, tmp_path: Path
) -> None:
    # Weak host model: the kernel accepts 10.2.0.1 on eth1. The server identifier must still
    # be eth1's address, the one the phone reaches directly (RFC 2131 §4.1).
    server, phone_a, _ = two_segments(lab)
    lab.exec(phone_a.namespace, "ip", "route", "add", "10.2.0.0/24", "via", "10.1.0.1")
    Ucdhcp(lab, server, tmp_path, config_toml(SITES)).started("eth1", "eth2")
    xid = 0x2B0000A1
    request = phone_request(chaddr=mac(phone_a.mac), xid=xid, ciaddr="10.1.0.50")
    reply = delivered(phone_a.exchange(udp=("10.2.0.1", request), xid=xid), xid)
    assert (reply.ip_dst, reply.dport) == ("10.1.0.50", 68)
    assert reply.server_id == "10.1.0.1"
    assert reply.options[120] == OPTION_120_POOL01


def test_configured_interface_list_leaves_other_interfaces_unserved(
    lab: Lab, tmp_path: Path
) -> None:
    server, phone_a, phone_b = two_segments(lab)
    config = config_toml(SITES, interfaces=["eth1"])
    ucdhcp = Ucdhcp(lab, server, tmp_path, config).started("eth1")
    assert ucdhcp.wait_for("server_started")["interfaces"] == ["eth1"]
    xid_a, xid_b = 0x2B0000B1, 0x2B0000B2
    frames_b = phone_b.exchange(frames=[broadcast_inform(phone_b, xid_b)], listen=SILENCE)
    assert replies_to(frames_b, xid_b) == []
    reply = delivered(phone_a.exchange(frames=[broadcast_inform(phone_a, xid_a)], xid=xid_a), xid_a)
    assert reply.server_id == "10.1.0.1"
    assert ucdhcp.find("interface_added", interface="eth2") == []


def answered_within(phone: Phone, timeout: float, first_xid: int) -> tuple[Frame, float]:
    """Broadcast INFORMs (a new xid each second) until one is answered; the reply and when."""
    started = time.monotonic()
    xid = first_xid
    while time.monotonic() - started < timeout:
        frames = phone.exchange(frames=[broadcast_inform(phone, xid)], xid=xid, listen=1)
        replies = replies_to(frames, xid)
        if replies:
            return replies[0], time.monotonic() - started
        xid += 1
    raise AssertionError(f"no reply on {phone.namespace} within {timeout} s")


def test_interface_added_while_running_is_served_without_restart(lab: Lab, tmp_path: Path) -> None:
    server, phone_a = lab.host("srv"), lab.host("pha")
    lab.link(server, "eth1", "10.1.0.1/24", phone_a, "eth0", "10.1.0.50/24")
    ucdhcp = Ucdhcp(lab, server, tmp_path, config_toml(SITES)).started("eth1")

    phone_b = Phone(lab, lab.host("phb"))
    lab.link(server, "eth2", "10.2.0.1/24", phone_b.namespace, "eth0", "10.2.0.50/24")
    reply, _ = answered_within(phone_b, PICKUP_TIMEOUT, 0x2C000001)
    assert reply.server_id == "10.2.0.1"
    assert (reply.options[120], reply.options[43]) == (
        OPTION_120_SERVER_FQDN,
        OPTION_43_SERVER_FQDN,
    )
    ucdhcp.wait_for("interface_added", interface="eth2", server_id="10.2.0.1")
    assert ucdhcp.process.poll() is None  # the same process: no restart
    assert lab.stop(ucdhcp.process) == 0  # SIGTERM: a clean stop, counters logged
    stopped = ucdhcp.wait_for("server_stopped")
    assert stopped["replies"]["broadcast"] == 1 and stopped["sites"] == {"branch-b": 1}


def test_interface_readdressed_while_running_answers_with_the_new_address(
    lab: Lab, tmp_path: Path
) -> None:
    server, phone_ns = lab.host("srv"), lab.host("pha")
    lab.link(server, "eth1", "10.1.0.1/24", phone_ns, "eth0", None)
    ucdhcp = Ucdhcp(lab, server, tmp_path, config_toml(SITES)).started("eth1")
    phone = Phone(lab, phone_ns)

    lab.exec(server, "ip", "addr", "flush", "dev", "eth1")
    lab.exec(server, "ip", "addr", "add", "10.2.0.1/24", "dev", "eth1")
    ucdhcp.wait_for("interface_changed", interface="eth1", timeout=PICKUP_TIMEOUT)
    reply, _ = answered_within(phone, PICKUP_TIMEOUT, 0x2D000001)
    assert reply.server_id == "10.2.0.1" and reply.ip_src == "10.2.0.1"
    assert reply.options[120] == OPTION_120_SERVER_FQDN  # the site of the new subnet


def test_configured_interface_missing_at_start_is_served_when_it_appears(
    lab: Lab, tmp_path: Path
) -> None:
    # A VLAN interface named in the config but brought up after ucdhcp: warned about, then
    # served as soon as it has an address.
    server, phone_a = lab.host("srv"), lab.host("pha")
    lab.link(server, "eth1", "10.1.0.1/24", phone_a, "eth0", "10.1.0.50/24")
    lab.exec(server, "ip", "link", "add", "eth3", "type", "veth", "peer", "name", "eth3p")
    config = config_toml(SITES, interfaces=["eth1", "eth2", "eth3"])
    ucdhcp = Ucdhcp(lab, server, tmp_path, config).started("eth1")
    assert ucdhcp.wait_for("interface_missing")["interface"] == "eth2"
    assert ucdhcp.wait_for("interface_without_ipv4")["interface"] == "eth3"
    assert ucdhcp.wait_for("server_started")["interfaces"] == ["eth1"]

    phone_b = Phone(lab, lab.host("phb"))
    lab.link(server, "eth2", None, phone_b.namespace, "eth0", "10.2.0.50/24")
    lab.exec(server, "ip", "addr", "add", "10.2.0.1/24", "dev", "eth2")
    reply, _ = answered_within(phone_b, PICKUP_TIMEOUT, 0x2E000001)
    assert reply.server_id == "10.2.0.1"
    assert reply.options[120] == OPTION_120_SERVER_FQDN


def test_interface_removed_and_recreated_is_served_again(lab: Lab, tmp_path: Path) -> None:
    server, phone_a = lab.host("srv"), lab.host("pha")
    lab.link(server, "eth1", "10.1.0.1/24", phone_a, "eth0", "10.1.0.50/24")
    phone_b = Phone(lab, lab.host("phb"))
    lab.link(server, "eth2", "10.2.0.1/24", phone_b.namespace, "eth0", "10.2.0.50/24")
    ucdhcp = Ucdhcp(lab, server, tmp_path, config_toml(SITES)).started("eth1", "eth2")

    lab.exec(server, "ip", "link", "del", "eth2")  # its peer in phone_b goes with it
    ucdhcp.wait_for("interface_removed", interface="eth2", timeout=PICKUP_TIMEOUT)
    lab.link(server, "eth2", "10.2.0.1/24", phone_b.namespace, "eth0", "10.2.0.50/24")
    phone_b = Phone(lab, phone_b.namespace)  # a new veth: a new MAC
    reply, _ = answered_within(phone_b, PICKUP_TIMEOUT, 0x2F000001)
    assert reply.server_id == "10.2.0.1"
    assert len(ucdhcp.find("interface_added", interface="eth2")) == 2
    # The first interface was never disturbed.
    reply, _ = answered_within(Phone(lab, phone_a), PICKUP_TIMEOUT, 0x2F0000A1)
    assert reply.server_id == "10.1.0.1" and reply.xid == 0x2F0000A1  # the first try


def test_interface_recreated_at_once_under_the_same_name_is_served(
    lab: Lab, tmp_path: Path
) -> None:
    # A container or VLAN restarted by a network manager: the link is deleted and created
    # again with the same name and address within one burst of netlink events. The new link
    # has a new ifindex, so a socket still bound to the old device hears nothing.
    server, phone_a = lab.host("srv"), lab.host("pha")
    lab.link(server, "eth1", "10.1.0.1/24", phone_a, "eth0", "10.1.0.50/24")
    phone_b = lab.host("phb")
    lab.link(server, "eth2", "10.2.0.1/24", phone_b, "eth0", "10.2.0.50/24")
    ucdhcp = Ucdhcp(lab, server, tmp_path, config_toml(SITES)).started("eth1", "eth2")
    old_index = interface_index(lab, server, "eth2")

    # One `ip -batch`: the server side changes within milliseconds, whatever the load.
    recreate = [
        "link del eth2",  # takes the phone's end with it
        f"link add eth2 type veth peer name eth0 netns {phone_b}",
        "addr add 10.2.0.1/24 dev eth2",
        "link set eth2 up",
    ]
    batch = subprocess.run(
        ["ip", "-n", server, "-batch", "-"],
        input="\n".join(recreate) + "\n",
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert batch.returncode == 0
    lab.exec(phone_b, "ip", "addr", "add", "10.2.0.50/24", "dev", "eth0")
    lab.exec(phone_b, "ip", "link", "set", "eth0", "up")
    assert interface_index(lab, server, "eth2") != old_index

    reply, _ = answered_within(Phone(lab, phone_b), PICKUP_TIMEOUT, 0x2F100001)
    assert reply.server_id == "10.2.0.1"
    assert ucdhcp.process.poll() is None


def interface_index(lab: Lab, namespace: str, interface: str) -> int:
    shown = lab.exec(namespace, "ip", "-j", "link", "show", interface)
    return int(json.loads(shown.stdout)[0]["ifindex"])
