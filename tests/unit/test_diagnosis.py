"""Start-up self-diagnosis (runtime/diagnosis.py): which interfaces are served and what looks
wrong, from plain values; no sockets, no netlink."""

import ipaddress

from ucdhcp.core.policy import Policy, build_site
from ucdhcp.runtime.addresses import InterfaceAddress, served_interfaces
from ucdhcp.runtime.diagnosis import Finding, FindingLevel, diagnose

from .responders import site_spec


def address(interface: str, cidr: str, index: int = 2) -> InterfaceAddress:
    entry = ipaddress.IPv4Interface(cidr)
    return InterfaceAddress(interface, index, entry.ip, entry.network)


LO = address("lo", "127.0.0.1/8", 1)
ETH0 = address("eth0", "10.1.2.10/24")
ETH0_SECOND = address("eth0", "10.1.3.10/24")
ETH1 = address("eth1", "10.20.0.1/22", 3)
HEADQUARTERS = site_spec("headquarters", ("10.1.2.0/24",))
OSLO = site_spec("oslo", ("10.20.0.0/22", "10.21.0.0/22"), ("sba-oslo.contoso.com",))
BERGEN = site_spec("bergen", ("10.30.0.0/16",), ("sba-bergen.contoso.com",))


def policy(*specs, trusted_relays: frozenset[bytes] | None = None) -> Policy:
    return Policy(sites=tuple(build_site(spec) for spec in specs), trusted_relays=trusted_relays)


def test_every_interface_but_loopback_is_served_when_none_is_configured():
    served = served_interfaces([LO, ETH0, ETH1, ETH0_SECOND], None)
    assert served == {"eth0": [ETH0, ETH0_SECOND], "eth1": [ETH1]}


def test_only_the_configured_interfaces_are_served_even_loopback():
    assert served_interfaces([LO, ETH0, ETH1], ["eth1", "lo"]) == {"lo": [LO], "eth1": [ETH1]}
    assert served_interfaces([LO, ETH0], ["eth9"]) == {}


def test_an_empty_interface_list_serves_every_interface_but_loopback():
    assert served_interfaces([LO, ETH0], []) == {"eth0": [ETH0]}


def test_served_interface_finding_names_its_addresses_and_server_id():
    findings = diagnose(policy(HEADQUARTERS), [ETH0, ETH0_SECOND], None)
    assert findings == [
        Finding(
            "interface_served",
            FindingLevel.INFO,
            "serving eth0 (10.1.2.10/24, 10.1.3.10/24)",
            {
                "interface": "eth0",
                "addresses": ["10.1.2.10/24", "10.1.3.10/24"],
                "server_id": "10.1.2.10",
            },
        )
    ]


def test_configured_interface_without_ipv4_and_missing_one_are_told_apart():
    findings = diagnose(
        policy(HEADQUARTERS),
        [ETH0],
        ["eth0", "eth2", "eth3"],
        links=frozenset({"lo", "eth0", "eth2"}),
    )
    assert [(f.event, f.severity, f.fields.get("interface")) for f in findings] == [
        ("interface_served", FindingLevel.INFO, "eth0"),
        ("interface_without_ipv4", FindingLevel.WARNING, "eth2"),
        ("interface_missing", FindingLevel.WARNING, "eth3"),
    ]
    assert findings[1].message == (
        "interface eth2 has no IPv4 address; it will be served once it gets one"
    )
    assert findings[2].message == (
        "configured interface eth3 does not exist; it will be served if it appears"
    )


def test_nothing_to_serve_is_a_warning_and_every_site_is_unreachable():
    findings = diagnose(policy(HEADQUARTERS), [LO], None)
    assert [(f.event, f.severity) for f in findings] == [
        ("no_interfaces", FindingLevel.WARNING),
        ("site_unreachable", FindingLevel.WARNING),
    ]
    assert findings[0].fields == {}


def test_site_with_no_subnet_on_a_served_interface_is_unreachable_without_relays():
    findings = diagnose(policy(HEADQUARTERS, OSLO, BERGEN), [ETH0], None)
    unreachable = [f for f in findings if f.event == "site_unreachable"]
    assert [f.fields for f in unreachable] == [
        {"site": "oslo", "subnets": ["10.20.0.0/22", "10.21.0.0/22"]},
        {"site": "bergen", "subnets": ["10.30.0.0/16"]},
    ]
    assert unreachable[0].message.startswith(
        "site oslo: subnets 10.20.0.0/22, 10.21.0.0/22 are on no served interface"
    )


def test_one_reachable_subnet_makes_a_site_reachable():
    # eth1 holds 10.20.0.0/22: oslo's other subnet may be behind a relay.
    findings = diagnose(policy(OSLO), [ETH1], None)
    assert [f.event for f in findings] == ["interface_served"]


def test_a_subnet_overlapping_the_interface_network_counts_as_reachable():
    wide = address("eth0", "10.30.4.1/24")  # inside bergen's 10.30.0.0/16
    assert [f.event for f in diagnose(policy(BERGEN), [wide], None)] == ["interface_served"]


def test_no_site_is_unreachable_when_relays_are_configured():
    relay = ipaddress.IPv4Address("10.20.0.1").packed
    findings = diagnose(policy(HEADQUARTERS, OSLO, trusted_relays=frozenset({relay})), [ETH0], None)
    assert [f.event for f in findings] == ["interface_served"]
