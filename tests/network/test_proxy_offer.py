"""Real DHCP clients (busybox udhcpc, dhcpcd) on a segment where a lease server (dnsmasq) and
ucdhcp both answer the DISCOVER: the client must end up with the lease server's lease.

    client ns  IF   --- p1 \\
    lease ns   eth0 --- p2 -- br0 (switch ns)
    ucdhcp ns  eth0 --- p3 /

dnsmasq answers after 1 s (`dhcp-reply-delay`), as ISC dhcpd's ping-check or Windows' conflict
detection does. What was seen before the fix: ucdhcp's proxy OFFER (yiaddr 0)
arrived first, udhcpc took it, REQUESTed 0.0.0.0 from ucdhcp, which ignores REQUESTs, and
gave up with "no lease, failing"; with Kea (no delay) ucdhcp won the race in 16 of 18 runs.
dhcpcd logs "no address given" for that OFFER and waits for a real one.
"""

import contextlib
import re
from ipaddress import IPv4Address
from pathlib import Path

import pytest

from tests.commands import ucdhcp_command
from tests.netns import Lab
from tests.programs import tool

from .actors import EVENT_TIMEOUT, Ucdhcp, start_dnsmasq

pytestmark = pytest.mark.needs_root

LEASE, UCDHCP = "10.6.0.2", "10.6.0.10"
POOL_FIRST, POOL_LAST = "10.6.0.100", "10.6.0.150"
CLIENT_TIMEOUT = 40  # bounds every client run: udhcpc -t 2 -T 2 with three REQUESTs a round


def ucdhcp_config(answer_discover: str) -> str:
    return f"""
[server]
address = "0.0.0.0"
port = 67

[replies]
answer_discover = {answer_discover}

[logging]
format = "json"
requests = true

[[sites]]
name = "native"
subnets = ["10.6.0.0/24"]
sip_servers = ["pool01.contoso.com"]
vlan_id = 120
"""


def dnsmasq_config(interface: str) -> str:
    return f"""
interface={interface}
bind-interfaces
dhcp-range={POOL_FIRST},{POOL_LAST},255.255.255.0,10m
no-ping
dhcp-reply-delay=1
log-dhcp
"""


class ProxyOfferBridge:
    """The three hosts on one bridge, dnsmasq and ucdhcp started; `interface` is the client's
    (named after the lab, so dhcpcd's pid, socket and lease files cannot collide)."""

    def __init__(self, lab: Lab, directory: Path) -> None:
        self.lab = lab
        self.directory = directory
        self.client, self.lease, self.ucdhcp = lab.host("cl"), lab.host("ls"), lab.host("uc")
        self.interface = f"{lab.tag}c"
        lab.switch(
            (self.client, self.interface, None),
            (self.lease, "eth0", f"{LEASE}/24"),
            (self.ucdhcp, "eth0", f"{UCDHCP}/24"),
        )

    def start_dnsmasq(self) -> None:
        config = self.directory / "dnsmasq.conf"
        config.write_text(dnsmasq_config("eth0"), encoding="utf-8")
        start_dnsmasq(self.lab, self.lease, config, self.directory)

    def start_ucdhcp(self, answer_discover: str) -> Ucdhcp:
        config = ucdhcp_config(answer_discover)
        return Ucdhcp(self.lab, self.ucdhcp, self.directory, config).started("eth0")

    def udhcpc(self, vendor_class: str) -> tuple[int, str, list[str]]:
        """Run udhcpc to the end (-n: exit without a lease); its exit code, its output and the
        events its script saw ("bound ip=... serverid=...")."""
        events = self.directory / "udhcpc-events.txt"
        script = self.directory / "udhcpc-script.sh"
        script.write_text(f'#!/bin/sh\necho "$1 ip=$ip serverid=$serverid" >> {events}\n')
        script.chmod(0o755)
        result = self.lab.exec(
            self.client, tool("udhcpc"), "-f", "-n", "-q", "-i", self.interface,
            "-V", vendor_class, "-O", "43", "-s", str(script), "-t", "2", "-T", "2",
            check=False, timeout=CLIENT_TIMEOUT,
        )  # fmt: skip
        seen = events.read_text().splitlines() if events.exists() else []
        return result.returncode, result.stdout + result.stderr, seen

    def dhcpcd(self, vendor_class: str) -> tuple[int, str]:
        lease_file = Path("/var/lib/dhcpcd") / f"{self.interface}.lease"
        try:
            result = self.lab.exec(
                self.client, tool("dhcpcd"), "-4", "--oneshot", "--nobackground",
                "--timeout=20", "--config=/dev/null", "--noarp", "--script=/bin/true",
                f"--vendorclassid={vendor_class}", "--option=vendor_encapsulated_options",
                self.interface, check=False, timeout=CLIENT_TIMEOUT,
            )  # fmt: skip
        finally:
            with contextlib.suppress(FileNotFoundError):
                lease_file.unlink()  # dhcpcd keeps it on the host's file system
        return result.returncode, result.stdout + result.stderr

    def client_address(self) -> str | None:
        shown = self.lab.exec(self.client, "ip", "-4", "-o", "addr", "show", self.interface)
        found = re.search(r"inet (\S+)/", shown.stdout)
        return found.group(1) if found else None


def in_pool(address: str) -> bool:
    return IPv4Address(POOL_FIRST) <= IPv4Address(address) <= IPv4Address(POOL_LAST)


@pytest.fixture
def segment(lab: Lab, tmp_path: Path) -> ProxyOfferBridge:
    built = ProxyOfferBridge(lab, tmp_path)
    built.start_dnsmasq()
    return built


def assert_lease_from_dnsmasq(code: int, output: str, events: list[str]) -> None:
    selects = re.findall(r"select for (\S+), server (\S+)", output)
    assert code == 0, f"udhcpc got no lease:\n{output}"
    assert selects, output
    assert all(server == LEASE and in_pool(address) for address, server in selects), output
    bound = [line for line in events if line.startswith("bound ")]
    assert len(bound) == 1, events
    address = re.fullmatch(r"bound ip=(\S+) serverid=(\S+)", bound[0])
    assert address is not None and address.group(2) == LEASE and in_pool(address.group(1))


def test_udhcpc_cpe_ocphone_takes_the_lease_servers_offer_not_the_proxy_offer(
    segment: ProxyOfferBridge,
) -> None:
    ucdhcp = segment.start_ucdhcp('["cpe-ocphone"]')
    code, output, events = segment.udhcpc("CPE-OCPHONE")
    # ucdhcp did answer the DISCOVER (its OFFER carries the VLAN ID), but after dnsmasq.
    assert ucdhcp.find("reply_sent", message_type="DISCOVER", profile="cpe-ocphone"), output
    assert_lease_from_dnsmasq(code, output, events)


def test_dhcpcd_cpe_ocphone_gets_the_lease_servers_lease_next_to_a_proxy_offer(
    segment: ProxyOfferBridge,
) -> None:
    ucdhcp = segment.start_ucdhcp('["cpe-ocphone"]')
    code, output = segment.dhcpcd("CPE-OCPHONE")
    assert code == 0, output
    assert ucdhcp.find("reply_sent", message_type="DISCOVER", profile="cpe-ocphone"), output
    leased = re.search(r"leased (\S+) for \d+ seconds", output)
    assert leased is not None and in_pool(leased.group(1)), output
    assert f"offered {leased.group(1)} from {LEASE}" in output, output
    assert segment.client_address() == leased.group(1)


def test_answer_discover_ms_uc_client_is_refused_and_udhcpc_gets_its_lease(
    segment: ProxyOfferBridge,
) -> None:
    # A configuration answering MS-UC-Client DISCOVERs (docs/deploying.md, Next to the lease
    # server) no longer starts...
    refused = segment.lab.exec(
        segment.ucdhcp,
        *ucdhcp_command(),
        "serve",
        "-c",
        str(_written(segment.directory / "refused.toml", '["ms-uc-client"]')),
        check=False,
        timeout=EVENT_TIMEOUT,
    )
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "replies.answer_discover: 'ms-uc-client' cannot be answered" in refused.stderr
    # ...and with what it allows, an MS-UC-Client DORA is left to the lease server.
    ucdhcp = segment.start_ucdhcp('["cpe-ocphone"]')
    code, output, events = segment.udhcpc("MS-UC-Client")
    assert_lease_from_dnsmasq(code, output, events)
    ignored = ucdhcp.find("request_ignored", message_type="DISCOVER")
    assert ignored and {event["reason"] for event in ignored} == {"vendor_class_not_served"}
    assert ucdhcp.find("reply_sent") == []


def _written(path: Path, answer_discover: str) -> Path:
    path.write_text(ucdhcp_config(answer_discover), encoding="utf-8")
    return path
