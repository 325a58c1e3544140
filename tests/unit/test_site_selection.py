"""Which site answers: RFC 3527 link selection, then RFC 3011 option 118, then giaddr, then
ciaddr, then the receiving interface's address, then the default site."""

import pytest

from tests.dhcp.request import ip, phone_request, tlv
from ucdhcp.core.policy import Policy, build_site
from ucdhcp.core.responder import Arrival, Ignored, Reason, Reply, Responder, select_site
from ucdhcp.wire.message import parse_message

from .responders import site_spec

SITES = {
    "link": "10.10.0.0/16",
    "subnet-selection": "10.20.0.0/16",
    "relay": "10.30.0.0/16",
    "client": "10.40.0.0/16",
    "interface": "10.50.0.0/16",
    "default": "192.0.2.0/24",
}
BUILT = {
    name: build_site(site_spec(name=name, subnets=(subnet,))) for name, subnet in SITES.items()
}
EVERY_SITE = tuple(BUILT.values())
LINK_SELECTION = tlv(82, bytes.fromhex("01 02 abcd 05 04 0a0a0001"))  # circuit ID, 10.10.0.1
CIRCUIT_ID_ONLY = tlv(82, bytes.fromhex("01 02 abcd"))
SUBNET_SELECTION = tlv(118, ip("10.20.0.1"))


def chosen_site(
    *,
    extra: bytes = b"",
    giaddr: str = "0.0.0.0",
    ciaddr: str = "0.0.0.0",
    server_id: str = "10.50.0.10",
    default: str | None = "default",
) -> str | None:
    request = phone_request(extra=extra, giaddr=giaddr, ciaddr=ciaddr)
    policy = Policy(sites=EVERY_SITE, default_site=BUILT[default] if default else None)
    site = select_site(parse_message(request), policy, Arrival(server_id=ip(server_id)))
    return None if site is None else site.name


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        pytest.param(
            {
                "extra": LINK_SELECTION + SUBNET_SELECTION,
                "giaddr": "10.30.0.1",
                "ciaddr": "10.40.0.50",
            },
            "link",
            id="link-selection-beats-everything",
        ),
        pytest.param(
            {"extra": SUBNET_SELECTION, "giaddr": "10.30.0.1", "ciaddr": "10.40.0.50"},
            "subnet-selection",
            id="option-118-beats-giaddr",
        ),
        pytest.param(
            {
                "extra": CIRCUIT_ID_ONLY + SUBNET_SELECTION,
                "giaddr": "10.30.0.1",
                "ciaddr": "10.40.0.50",
            },
            "subnet-selection",
            id="option-82-without-link-selection-is-skipped",
        ),
        pytest.param(
            {"giaddr": "10.30.0.1", "ciaddr": "10.40.0.50"}, "relay", id="giaddr-beats-ciaddr"
        ),
        pytest.param({"ciaddr": "10.40.0.50"}, "client", id="ciaddr-beats-interface"),
        pytest.param({}, "interface", id="interface-address"),
        pytest.param({"server_id": "10.99.0.10"}, "default", id="default-site-last"),
        pytest.param({"server_id": "10.99.0.10", "default": None}, None, id="no-default-no-site"),
        pytest.param(
            {
                "extra": tlv(82, bytes.fromhex("05 04 0a630001")) + SUBNET_SELECTION,
                "giaddr": "10.30.0.1",
            },
            "default",
            id="unknown-link-selection-decides-default-not-next-rule",
        ),
        pytest.param(
            {"extra": tlv(118, ip("10.99.0.1")), "giaddr": "10.30.0.1"},
            "default",
            id="unknown-option-118-decides-default",
        ),
        pytest.param(
            {"giaddr": "10.99.0.1", "ciaddr": "10.40.0.50"},
            "default",
            id="unknown-giaddr-decides-default",
        ),
        pytest.param({"ciaddr": "10.99.0.50"}, "default", id="unknown-ciaddr-decides-default"),
        pytest.param(
            {"extra": tlv(118, ip("0.0.0.0")), "giaddr": "10.30.0.1"},
            "relay",
            id="option-118-of-zero-is-no-address",
        ),
    ],
)
def test_site_is_chosen_by_the_first_address_given(fields, expected):
    assert chosen_site(**fields) == expected


def test_longest_prefix_wins_whatever_the_site_order():
    wide = build_site(site_spec(name="wide", subnets=("10.0.0.0/8",)))
    narrow = build_site(site_spec(name="narrow", subnets=("10.1.0.0/16", "10.1.2.0/24")))
    wider = build_site(site_spec(name="wider", subnets=("0.0.0.0/0",)))
    for order in [(wide, narrow, wider), (wider, narrow, wide), (narrow, wider, wide)]:
        policy = Policy(sites=order)
        assert policy.site_for(ip("10.1.2.50")).name == "narrow"
        assert policy.site_for(ip("10.9.0.1")).name == "wide"
        assert policy.site_for(ip("192.0.2.1")).name == "wider"


def test_reply_uses_the_options_of_the_chosen_site():
    oslo = site_spec(name="oslo", subnets=("10.20.0.0/22",), sip_servers=("sba-oslo.contoso.com",))
    policy = Policy(sites=(build_site(site_spec()), build_site(oslo)))
    request = phone_request(giaddr="10.20.0.1", ciaddr="10.20.0.50")
    outcome = Responder(policy).respond(request, ("10.20.0.1", 67), Arrival(ip("10.1.2.10")))
    assert isinstance(outcome, Reply)
    assert outcome.site.name == "oslo"
    assert b"\x08sba-oslo\x07contoso\x03com\x00" in outcome.payload
    assert b"\x06pool01" not in outcome.payload


def test_request_from_an_unknown_subnet_without_default_site_is_ignored():
    policy = Policy(sites=(build_site(site_spec()),))
    request = phone_request(ciaddr="10.99.0.50")
    outcome = Responder(policy).respond(request, ("10.99.0.50", 68), Arrival(ip("10.1.2.10")))
    assert isinstance(outcome, Ignored)
    assert outcome.reason is Reason.NO_SITE


def test_a_server_id_override_does_not_change_which_site_answers() -> None:
    # server.server_id overrides option 54 only: a request without any address of its own is
    # still matched to the site of the interface it arrived on.
    policy = Policy(
        sites=(build_site(site_spec()), build_site(site_spec(name="far", subnets=("10.9.9.0/24",))))
    )
    request = parse_message(phone_request(ciaddr="0.0.0.0", flags=0x8000))
    arrival = Arrival(server_id=ip("10.9.9.9"), interface="eth1", address=ip("10.1.2.10"))
    site = select_site(request, policy, arrival)
    assert site is not None and site.name == "pool01"


def test_link_selection_from_a_client_rather_than_a_relay_does_not_pick_the_site() -> None:
    # Option 82 is added by relays (RFC 3046 §2.1); a client cannot steer itself to another
    # site's answer with it.
    policy = Policy(
        sites=(
            build_site(site_spec()),
            build_site(site_spec(name="other", subnets=("10.10.0.0/24",))),
        )
    )
    request = parse_message(phone_request(extra=LINK_SELECTION))  # giaddr 0
    site = select_site(request, policy, Arrival(server_id=ip("10.1.2.10")))
    assert site is not None and site.name == "pool01"
