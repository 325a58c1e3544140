"""The proxy OFFER's hold time: the decision says how long the send path must keep it back so
that the lease server's OFFER reaches a first-OFFER client first; an ACK is never held."""

from tests.dhcp.request import phone_request
from ucdhcp.core.policy import DEFAULT_OFFER_DELAY, Profile
from ucdhcp.core.responder import Reply
from ucdhcp.wire.message import MessageType

from .responders import respond, responder, site_spec

UNCONFIGURED = ("0.0.0.0", 68)


def _discover() -> bytes:
    return phone_request(
        message_type=MessageType.DISCOVER,
        vendor_class=b"CPE-OCPHONE",
        parameters=bytes((1, 3, 43)),
        ciaddr="0.0.0.0",
    )


def test_proxy_offer_is_held_for_the_default_offer_delay() -> None:
    service = responder(site_spec(vlan_id=120), answer_discover=frozenset({Profile.CPE_OCPHONE}))
    outcome = respond(_discover(), service, source=UNCONFIGURED)
    assert isinstance(outcome, Reply)
    assert outcome.payload[242] == MessageType.OFFER  # 240: cookie end | 53 01 type
    assert outcome.delay == DEFAULT_OFFER_DELAY == 2.0


def test_proxy_offer_is_held_for_the_configured_offer_delay() -> None:
    service = responder(
        site_spec(vlan_id=120),
        answer_discover=frozenset({Profile.CPE_OCPHONE}),
        offer_delay=0.75,
    )
    outcome = respond(_discover(), service, source=UNCONFIGURED)
    assert isinstance(outcome, Reply)
    assert outcome.delay == 0.75


def test_ack_to_an_inform_is_sent_at_once_whatever_the_offer_delay() -> None:
    service = responder(offer_delay=3.0, answer_discover=frozenset({Profile.CPE_OCPHONE}))
    outcome = respond(phone_request(), service)
    assert isinstance(outcome, Reply)
    assert outcome.payload[242] == MessageType.ACK
    assert outcome.delay == 0.0
