"""The container case: ucdhcp in a namespace whose only link is a macvlan (mode bridge) on the
voice segment's link of its host. A phone on the voice segment is answered; a phone on another
segment gets nothing.

"macvlan": each segment is its own bridge (this is how VLANs are modelled on kernels without
802.1Q); "vlan": one trunk bridge carrying tagged frames, the macvlan sits on the host's
VLAN 100 sub-interface, the other phone is on VLAN 200. The vlan variant needs 802.1Q in the
kernel: where `ip link add ... type vlan` fails it is skipped with the reason, never passed.

    macvlan:  phone --- voice bridge --- host eth0 ~ macvlan -> container eth0 (ucdhcp)
              other --- data bridge  --- host eth1
    vlan:     phone eth0.100 \\
              other eth0.200 -- trunk bridge -- host eth0 -- eth0.100 ~ macvlan -> container
"""

import functools
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.dhcp.golden import OPTION_43_POOL01, OPTION_120_POOL01
from tests.dhcp.request import BROADCAST, UNSET, mac, phone_request
from tests.netns import Lab, open_lab

from .actors import (
    COMPANY,
    POOL01,
    SILENCE,
    Phone,
    SiteConfig,
    Ucdhcp,
    config_toml,
    delivered,
    replies_to,
)
from .link_frames import BROADCAST_MAC, broadcast_frame

pytestmark = pytest.mark.needs_root

CONTAINER = "10.10.0.10"
MISSING_FEATURE = ("Unknown device type", "Operation not supported")  # no 8021q module
SITES = [
    SiteConfig("voice", ["10.10.0.0/24"], POOL01),
    SiteConfig("data", ["10.20.0.0/24"], COMPANY),
]


@functools.cache
def vlan_unsupported() -> str | None:
    """None when this kernel can create an 802.1Q sub-interface, else why not."""
    with open_lab() as lab:
        scratch = lab.host("vq")
        lab.exec(scratch, "ip", "link", "add", "name", "q0", "type", "veth", "peer", "name", "q1")
        result = lab.exec(
            scratch,
            *("ip", "link", "add", "link", "q0", "name", "q0.100", "type", "vlan", "id", "100"),
            check=False,
        )
        if result.returncode == 0:
            return None
        if not any(text in result.stderr for text in MISSING_FEATURE):
            # Anything else is a broken probe, not a missing feature: never turn it into a skip.
            pytest.fail(f"802.1Q probe failed unexpectedly: {result.stderr.strip()}")
        return f"`ip link add ... type vlan` says {result.stderr.strip()!r}"


def add_vlan(lab: Lab, namespace: str, parent: str, vlan_id: int, address: str | None) -> str:
    name = f"{parent}.{vlan_id}"
    lab.exec(namespace, *f"ip link add link {parent} name {name} type vlan id {vlan_id}".split())
    if address:
        lab.exec(namespace, "ip", "addr", "add", address, "dev", name)
    lab.exec(namespace, "ip", "link", "set", name, "up")
    return name


def move_macvlan(lab: Lab, host: str, parent: str, container: str, address: str) -> None:
    """A macvlan (mode bridge) on the host's `parent`, moved into `container` as eth0."""
    lab.exec(host, *f"ip link add link {parent} name mv0 type macvlan mode bridge".split())
    lab.exec(host, "ip", "link", "set", "mv0", "netns", container)
    lab.exec(container, "ip", "link", "set", "mv0", "name", "eth0")
    lab.exec(container, "ip", "addr", "add", address, "dev", "eth0")
    lab.exec(container, "ip", "link", "set", "eth0", "up")


@dataclass
class ContainerWithPhones:
    """The container's namespace and a phone on each segment, in either topology above."""

    container: str
    phone: Phone  # on the voice segment, 10.10.0.50
    other: Phone  # on the other segment, 10.20.0.50


def separate_bridges(lab: Lab) -> ContainerWithPhones:
    switch, host = lab.host("sw"), lab.host("hst")
    container, phone, other = lab.host("ctr"), lab.host("ph"), lab.host("oth")
    lab.link(switch, "v1", None, host, "eth0", None)
    lab.link(switch, "v2", None, phone, "eth0", "10.10.0.50/24")
    lab.bridge(switch, "voice", ["v1", "v2"])
    lab.link(switch, "d1", None, host, "eth1", "10.20.0.1/24")
    lab.link(switch, "d2", None, other, "eth0", "10.20.0.50/24")
    lab.bridge(switch, "data", ["d1", "d2"])
    move_macvlan(lab, host, "eth0", container, f"{CONTAINER}/24")
    return ContainerWithPhones(container, Phone(lab, phone), Phone(lab, other))


def tagged_trunk(lab: Lab) -> ContainerWithPhones:
    switch, host = lab.host("sw"), lab.host("hst")
    container, phone, other = lab.host("ctr"), lab.host("ph"), lab.host("oth")
    for port, namespace in (("t1", host), ("t2", phone), ("t3", other)):
        lab.link(switch, port, None, namespace, "eth0", None)
    lab.bridge(switch, "trunk", ["t1", "t2", "t3"])
    voice = add_vlan(lab, host, "eth0", 100, None)
    add_vlan(lab, host, "eth0", 200, "10.20.0.1/24")
    phone_if = add_vlan(lab, phone, "eth0", 100, "10.10.0.50/24")
    other_if = add_vlan(lab, other, "eth0", 200, "10.20.0.50/24")
    move_macvlan(lab, host, voice, container, f"{CONTAINER}/24")
    return ContainerWithPhones(container, Phone(lab, phone, phone_if), Phone(lab, other, other_if))


@pytest.mark.parametrize("link", ["macvlan", "vlan"])
def test_container_on_a_macvlan_answers_its_segment_only(
    lab: Lab, tmp_path: Path, link: str
) -> None:
    if link == "vlan":
        reason = vlan_unsupported()
        if reason is not None:
            pytest.skip(
                "NOT RUN: this kernel has no 802.1Q support, so the container test over a real"
                f" VLAN sub-interface cannot run here ({reason}). The macvlan variant, with each"
                " VLAN modelled as its own bridge, ran instead. Run on a kernel with 8021q."
            )
    segments = tagged_trunk(lab) if link == "vlan" else separate_bridges(lab)
    ucdhcp = Ucdhcp(lab, segments.container, tmp_path, config_toml(SITES)).started("eth0")
    assert ucdhcp.wait_for("server_started")["interfaces"] == ["eth0"]  # its only link
    # A macvlan is an Ethernet interface: replies leave as frames there (root has CAP_NET_RAW;
    # tests/container/test_image.py runs the image without it too).
    assert ucdhcp.wait_for("interface_added", interface="eth0")["replies_as_frames"] is True

    phone, other = segments.phone, segments.other
    xid = 0x8A000001
    request = broadcast_frame(
        phone.mac, phone_request(chaddr=mac(phone.mac), xid=xid, ciaddr=UNSET, flags=BROADCAST)
    )
    reply = delivered(phone.exchange(frames=[request], xid=xid), xid)
    assert (reply.eth_dst, reply.ip_dst, reply.dport) == (BROADCAST_MAC, "255.255.255.255", 68)
    assert reply.ip_src == CONTAINER and reply.server_id == CONTAINER
    assert reply.eth_src == Phone(lab, segments.container).mac  # the macvlan's own MAC
    assert (reply.options[120], reply.options[43]) == (OPTION_120_POOL01, OPTION_43_POOL01)

    xid_other = 0x8A000002
    request = broadcast_frame(
        other.mac,
        phone_request(chaddr=mac(other.mac), xid=xid_other, ciaddr=UNSET, flags=BROADCAST),
    )
    seen = other.exchange(frames=[request], xid=xid_other, listen=SILENCE)
    assert replies_to(seen, xid_other) == [] and seen.accepted(xid_other) == []
    # It never reached ucdhcp at all (not merely ignored).
    assert ucdhcp.find("request_ignored", xid=f"0x{xid_other:08x}") == []
    assert ucdhcp.find("reply_sent", xid=f"0x{xid_other:08x}") == []
