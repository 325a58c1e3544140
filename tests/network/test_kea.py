"""Kea as the site's lease server on the same segment as the phone and ucdhcp: the phone gets
its lease from Kea (DORA), ucdhcp stays out of it, then the phone's INFORM is answered by
ucdhcp with 120/43 (Kea may answer the INFORM too, with a bare ACK: ucdhcp's answer is the
one whose option 54 is ucdhcp's address).

    phone ns eth0 --- p1 \\
    kea ns   eth0 --- p2 -- br0 (switch ns)
    ucdhcp ns eth0 -- p3 /
"""

import json
from ipaddress import IPv4Address
from pathlib import Path

import pytest

from tests.dhcp.golden import OPTION_43_POOL01, OPTION_120_POOL01
from tests.dhcp.reply import ACK, OFFER
from tests.dhcp.request import UNSET, ip, mac, phone_request, tlv
from tests.netns import Lab

from .actors import Phone, SiteConfig, Ucdhcp, config_toml, replies_to, start_kea
from .link_frames import Frame, broadcast_frame

pytestmark = pytest.mark.needs_root

KEA, UCDHCP = "10.5.0.2", "10.5.0.10"
POOL_FIRST, POOL_LAST = "10.5.0.100", "10.5.0.150"
XID_DISCOVER, XID_REQUEST, XID_INFORM = 0x7A000001, 0x7A000002, 0x7A000003
LEASE_PARAMETERS = (1, 3, 6, 15, 43, 120)


def kea_config() -> dict[str, object]:
    return {
        "Dhcp4": {
            # raw sockets (the default) see broadcasts from clients without an address.
            "interfaces-config": {"interfaces": ["eth0"], "dhcp-socket-type": "raw"},
            "lease-database": {"type": "memfile", "persist": False},
            "valid-lifetime": 600,
            "subnet4": [
                {
                    "id": 1,
                    "subnet": "10.5.0.0/24",
                    "pools": [{"pool": f"{POOL_FIRST} - {POOL_LAST}"}],
                }
            ],
            "loggers": [
                {
                    "name": "kea-dhcp4",
                    "output_options": [{"output": "stdout", "flush": True}],
                    "severity": "INFO",
                }
            ],
        }
    }


def from_ucdhcp(frames: list[Frame]) -> list[Frame]:
    return [f for f in frames if f.op == 2 and UCDHCP in (f.ip_src, f.server_id)]


def test_lease_from_kea_then_options_from_ucdhcp(lab: Lab, tmp_path: Path) -> None:
    phone_ns, kea_ns, ucdhcp_ns = lab.host("ph"), lab.host("kea"), lab.host("uc")
    lab.switch(
        (phone_ns, "eth0", None), (kea_ns, "eth0", f"{KEA}/24"), (ucdhcp_ns, "eth0", f"{UCDHCP}/24")
    )
    config = config_toml([SiteConfig("voice", ["10.5.0.0/24"], "pool01.contoso.com")])
    ucdhcp = Ucdhcp(lab, ucdhcp_ns, tmp_path, config).started("eth0")
    kea_config_path = tmp_path / "kea-dhcp4.json"
    kea_config_path.write_text(json.dumps(kea_config(), indent=2), encoding="utf-8")
    start_kea(lab, kea_ns, kea_config_path, tmp_path)
    phone = Phone(lab, phone_ns)

    # DISCOVER -> OFFER, from Kea only.
    discover = phone_request(
        chaddr=mac(phone.mac),
        xid=XID_DISCOVER,
        message_type="discover",
        ciaddr=UNSET,
        parameters=LEASE_PARAMETERS,
    )
    seen = phone.exchange(frames=[broadcast_frame(phone.mac, discover)], xid=XID_DISCOVER)
    offers = replies_to(seen, XID_DISCOVER)
    assert [(f.message_type, f.server_id) for f in offers] == [(OFFER, KEA)]
    address = offers[0].yiaddr
    assert IPv4Address(POOL_FIRST) <= IPv4Address(address) <= IPv4Address(POOL_LAST)
    assert ucdhcp.wait_for("request_ignored", xid=f"0x{XID_DISCOVER:08x}")["reason"] == (
        "discover_not_answered"
    )

    # REQUEST -> ACK, from Kea only.
    request = phone_request(
        chaddr=mac(phone.mac),
        xid=XID_REQUEST,
        message_type="request",
        ciaddr=UNSET,
        parameters=LEASE_PARAMETERS,
        extra=tlv(50, ip(address)) + tlv(54, ip(KEA)),  # requested address, server identifier
    )
    seen = phone.exchange(frames=[broadcast_frame(phone.mac, request)], xid=XID_REQUEST)
    acks = replies_to(seen, XID_REQUEST)
    assert [(f.message_type, f.server_id, f.yiaddr) for f in acks] == [(ACK, KEA, address)]
    assert 51 in acks[0].options  # a real lease: Kea sends its lease time
    assert ucdhcp.wait_for("request_ignored", xid=f"0x{XID_REQUEST:08x}")["reason"] == (
        "unsupported_type"
    )

    # The phone configures its address, then broadcasts its INFORM.
    lab.exec(phone_ns, "ip", "addr", "add", f"{address}/24", "dev", "eth0")
    inform = phone_request(chaddr=mac(phone.mac), xid=XID_INFORM, ciaddr=address)
    frame = broadcast_frame(phone.mac, inform, source=address)
    seen = phone.exchange(frames=[frame], xid=XID_INFORM, until=2, listen=3)
    by_ucdhcp = from_ucdhcp(seen)
    assert len(by_ucdhcp) == 1, [f.describe() for f in seen]
    ours = by_ucdhcp[0]
    assert (ours.ip_dst, ours.dport, ours.ciaddr) == (address, 68, address)
    assert ours.options[120] == OPTION_120_POOL01
    assert ours.options[43] == OPTION_43_POOL01
    assert [d.payload for d in seen.accepted(XID_INFORM) if d.server_id == UCDHCP] == [ours.payload]
    for other in replies_to(seen, XID_INFORM):
        if other is not ours:  # Kea's own ACK to the INFORM: no UC options, its own id
            assert other.server_id == KEA and 120 not in other.options

    # ucdhcp answered nothing but the INFORM.
    assert [event["xid"] for event in ucdhcp.find("reply_sent")] == [f"0x{XID_INFORM:08x}"]
