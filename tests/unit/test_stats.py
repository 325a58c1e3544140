"""Statistics (runtime/stats.py): what is counted when, under which names; fed with real
outcomes of Responder.respond."""

from tests.dhcp.request import phone_request
from ucdhcp.core.responder import Ignored, Reason, Reply
from ucdhcp.runtime.stats import Statistics, count

from .responders import answered, respond, responder, site_spec

OSLO = site_spec("oslo", ("10.20.0.0/22",), ("sba-oslo.contoso.com",))
TWO_SITES = responder(site_spec(), OSLO)


def ack(**fields) -> Reply:
    return answered(respond(phone_request(**fields), TWO_SITES))


def test_a_reply_is_counted_as_received_at_once_and_as_a_reply_only_once_sent():
    stats, reply = Statistics(), ack()
    stats.record(reply)
    assert stats.received == {"inform": 1}
    assert (stats.replies, stats.sites, stats.ignored) == ({}, {}, {})
    stats.sent(reply)
    assert stats.replies == {"ciaddr": 1}
    assert stats.sites == {"pool01": 1}


def test_replies_are_counted_by_destination_kind_and_site():
    stats = Statistics()
    for reply in (ack(), ack(ciaddr="10.20.0.5"), ack(ciaddr="0.0.0.0", giaddr="10.20.0.1")):
        stats.record(reply)
        stats.sent(reply)
    assert stats.replies == {"ciaddr": 2, "relay": 1}
    assert stats.sites == {"pool01": 1, "oslo": 2}
    assert stats.received == {"inform": 3}


def test_a_dropped_reply_counts_by_cause_and_never_as_a_reply():
    stats, reply = Statistics(), ack()
    stats.record(reply)
    assert stats.drop("EPERM") == 1
    assert stats.drop("EPERM") == 2
    assert stats.drop("held_offers_full") == 1
    assert stats.dropped == {"EPERM": 2, "held_offers_full": 1}
    assert (stats.replies, stats.sites) == ({}, {})
    assert stats.received == {"inform": 1}


def test_ignored_requests_are_counted_by_reason_and_received_by_message_type():
    stats = Statistics()
    for datagram in (
        phone_request(vendor_class=None),
        phone_request(message_type="release"),
        phone_request(op=2, message_type="ack"),
        phone_request(message_type=None),
        phone_request(message_type=200),
    ):
        stats.record(respond(datagram))
    assert stats.ignored == {
        "no_vendor_class": 1,
        "unsupported_type": 2,
        "not_request": 1,
        "no_message_type": 1,
    }
    assert stats.received == {"inform": 1, "release": 1, "ack": 1, "bootp": 1, "unknown": 1}


def test_malformed_and_unread_requests_have_names_of_their_own():
    stats = Statistics()
    stats.record(respond(b"junk"))
    stats.record(respond(b""))
    stats.record(Ignored(Reason.SENDER_OVER_LIMIT))  # dropped before parsing
    assert stats.received == {"malformed": 2, "unread": 1}
    assert stats.ignored == {"malformed": 2, "sender_over_limit": 1}


def test_snapshot_holds_every_counter_as_plain_dicts():
    stats, reply = Statistics(), ack()
    stats.record(reply)
    stats.sent(reply)
    stats.record(respond(b"junk"))
    stats.drop("EAGAIN")
    count(stats.send_errors, "ECONNREFUSED")
    snapshot = stats.snapshot()
    assert snapshot == {
        "received": {"inform": 1, "malformed": 1},
        "replies": {"ciaddr": 1},
        "dropped": {"EAGAIN": 1},
        "ignored": {"malformed": 1},
        "sites": {"pool01": 1},
        "send_errors": {"ECONNREFUSED": 1},
        "receive_drops": {},
        "queue": {},
    }
    assert all(type(value) is dict for value in snapshot.values())
    stats.drop("EAGAIN")
    assert snapshot["dropped"] == {"EAGAIN": 1}  # a copy, not a view of the live counters
