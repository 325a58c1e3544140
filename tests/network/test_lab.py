"""The test lab itself: its links are made inside the namespaces, never in the host's, so a run
interrupted at any moment leaves nothing on the host that deleting its namespaces would miss."""

import json
import socket
import struct
import sys

import pytest

from tests.netns import Lab
from tests.waiting import wait_until

pytestmark = pytest.mark.needs_root

RTMGRP_LINK = 0x1  # rtnetlink(7): link created, changed, moved or deleted
RTM_NEWLINK = 16
IFLA_IFNAME = 3
NLMSG_HEADER = struct.Struct("=IHHII")  # length, type, flags, sequence, port id
IFINFOMSG_SIZE = 16


def link_names(data: bytes) -> list[str]:
    """The interface names in a batch of RTM_NEWLINK messages."""
    names, offset = [], 0
    while offset + NLMSG_HEADER.size <= len(data):
        length, kind, _, _, _ = NLMSG_HEADER.unpack_from(data, offset)
        if length < NLMSG_HEADER.size:
            break
        if kind == RTM_NEWLINK:
            names += _attribute_names(
                data[offset + NLMSG_HEADER.size + IFINFOMSG_SIZE : offset + length]
            )
        offset += (length + 3) & ~3
    return names


def _attribute_names(attributes: bytes) -> list[str]:
    names, offset = [], 0
    while offset + 4 <= len(attributes):
        length, kind = struct.unpack_from("=HH", attributes, offset)
        if length < 4:
            break
        if kind == IFLA_IFNAME:
            names.append(attributes[offset + 4 : offset + length].rstrip(b"\0").decode())
        offset += (length + 3) & ~3
    return names


def drain(watch: socket.socket) -> bytes:
    """Every notification queued so far (the kernel queues them before `ip` returns)."""
    data = b""
    for _ in range(10_000):
        try:
            data += watch.recv(65536)
        except BlockingIOError:
            break
    return data


def test_links_are_created_inside_the_namespaces_never_in_the_hosts(lab: Lab) -> None:
    a, b = lab.host("a"), lab.host("b")
    # Names carrying the lab's tag: any link this lab made in the host would show up with it.
    a_if, b_if = f"{lab.tag}p", f"{lab.tag}q"
    # This process lives in the host's namespace: the watch hears every link created there.
    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE) as watch:
        watch.bind((0, RTMGRP_LINK))
        watch.setblocking(False)
        lab.link(a, a_if, "10.9.0.1/24", b, b_if, "10.9.0.2/24")
        in_host = [name for name in link_names(drain(watch)) if name.startswith(lab.tag)]
    assert in_host == []

    for namespace, name, address in ((a, a_if, "10.9.0.1"), (b, b_if, "10.9.0.2")):
        [shown] = json.loads(lab.exec(namespace, "ip", "-j", "addr", "show", name).stdout)
        assert "UP" in shown["flags"]
        assert [entry["local"] for entry in shown["addr_info"]] == [address]


def test_a_switch_bridges_one_port_per_end(lab: Lab) -> None:
    a, b = lab.host("a"), lab.host("b")
    switch = lab.switch((a, "eth0", "10.9.1.1/24"), (b, "eth0", "10.9.1.2/24"))
    ports = json.loads(lab.exec(switch, "ip", "-j", "link", "show", "master", "br0").stdout)
    assert sorted(port["ifname"] for port in ports) == ["p1", "p2"]
    [bridge] = json.loads(lab.exec(switch, "ip", "-j", "link", "show", "br0").stdout)
    assert "UP" in bridge["flags"]
    # The ends reach each other through it: a datagram from a makes a resolve b's MAC (ARP).
    send = "import socket; socket.socket(2, 2).sendto(b'x', ('10.9.1.2', 9))"
    lab.exec(a, sys.executable, "-c", send)
    b_mac = json.loads(lab.exec(b, "ip", "-j", "link", "show", "eth0").stdout)[0]["address"]

    def resolved() -> bool:
        shown = json.loads(lab.exec(a, "ip", "-j", "neigh", "show", "10.9.1.2").stdout)
        return any(entry.get("lladdr") == b_mac for entry in shown)

    wait_until(resolved, 5, "a to resolve b's address through the switch")
