"""Longest-prefix matching (core/prefixes.py), as the policy picks a site and a frame on the
link picks its source address (runtime/sender.py, OnLink)."""

import ipaddress

from ucdhcp.core.prefixes import longest_first, lookup
from ucdhcp.runtime.addresses import InterfaceAddress
from ucdhcp.runtime.sender import OnLink


def packed(text: str) -> bytes:
    return ipaddress.IPv4Address(text).packed


def test_the_longest_prefix_wins_whatever_the_order_given() -> None:
    wide, narrow = ipaddress.IPv4Network("10.1.0.0/16"), ipaddress.IPv4Network("10.1.2.0/24")
    prefixes = longest_first([(wide, "wide"), (narrow, "narrow")])
    assert lookup(prefixes, packed("10.1.2.50")) == "narrow"
    assert lookup(prefixes, packed("10.1.3.50")) == "wide"
    assert lookup(prefixes, packed("10.2.0.1")) is None
    assert lookup(longest_first([]), packed("10.1.2.50")) is None


def test_a_frame_comes_from_the_address_of_the_most_specific_subnet_on_the_link() -> None:
    entries = [
        InterfaceAddress("eth0", 2, ipaddress.IPv4Address(address), ipaddress.IPv4Network(net))
        for address, net in (
            ("10.1.0.1", "10.1.0.0/16"),
            ("10.1.2.1", "10.1.2.0/24"),
            ("192.0.2.1", "192.0.2.1/32"),  # a /32 has no link of its own
        )
    ]
    on_link = OnLink(entries)
    assert on_link.source_for(packed("10.1.2.50")) == packed("10.1.2.1")
    assert on_link.source_for(packed("10.1.9.50")) == packed("10.1.0.1")
    assert on_link.source_for(packed("192.0.2.1")) is None
    assert on_link.primary == packed("10.1.0.1")  # broadcasts: the interface's first address
