"""The suite's golden vectors, request builder and reply reader agree with protocol.md and with
scapy's independent encoder, so a test that uses them cannot inherit a mistake of theirs."""

import pytest
from scapy.layers.dhcp import BOOTP, DHCP

from tests.dhcp import golden
from tests.dhcp.golden import INFORM, INFORM_REPLY, OPTION_43_POOL01, OPTION_120_POOL01, PHONE_MAC
from tests.dhcp.reply import Bootp, expected_ack, option_data, reply_codes, reply_options
from tests.dhcp.request import BROADCAST, PC_PARAMETERS, mac, phone_request, tlv

LENGTHS = {  # protocol.md §2-§3
    "OPTION_120_POOL01": 21,
    "OPTION_120_SERVER_FQDN": 26,
    "OPTION_120_EXAMPLE_COM": 14,
    "OPTION_43_POOL01": 85,
    "OPTION_43_SERVER_FQDN": 90,
    "OPTION_43_EXAMPLE_COM": 78,
}


@pytest.mark.parametrize(("name", "published"), golden.PUBLISHED.items())
def test_each_commented_vector_is_the_one_protocol_md_publishes(name: str, published: str):
    assert getattr(golden, name) == bytes.fromhex(published)
    assert len(getattr(golden, name)) == LENGTHS[name]


def test_option_43_built_field_by_field_matches_the_published_vectors():
    assert golden.option_43("pool01.contoso.com", path=golden.CERT_PATH) == OPTION_43_POOL01
    assert (
        golden.option_43("server.fqdn.company.com", path=golden.CERT_PATH)
        == golden.OPTION_43_SERVER_FQDN
    )


def test_default_request_is_the_inform_of_protocol_md_section_7():
    assert phone_request() == INFORM
    assert len(INFORM) == 240 + 3 + 9 + 14 + 9 + 1


def _scapy(**fields) -> bytes:
    options = fields.pop("options")
    return bytes(BOOTP(**fields) / DHCP(options=[*options, "end"]))


SCAPY_CASES = [
    pytest.param(
        phone_request(),
        _scapy(
            op=1,
            xid=0x12345678,
            ciaddr="10.1.2.50",
            chaddr=PHONE_MAC,
            options=[
                ("message-type", "inform"),
                ("client_id", b"\x01" + PHONE_MAC),
                ("vendor_class_id", b"MS-UC-Client"),
                ("param_req_list", [1, 3, 6, 15, 42, 43, 120]),
            ],
        ),
        id="phone-inform",
    ),
    pytest.param(
        phone_request(
            chaddr=mac("02:00:00:00:00:07"),
            xid=7,
            flags=BROADCAST,
            ciaddr="0.0.0.0",
            giaddr="10.1.2.1",
            vendor_class=None,
            parameters=PC_PARAMETERS,
            extra=tlv(50, bytes((10, 1, 2, 9))),
        ),
        _scapy(
            op=1,
            xid=7,
            flags=0x8000,
            giaddr="10.1.2.1",
            chaddr=bytes.fromhex("020000000007"),
            options=[
                ("message-type", "inform"),
                ("client_id", b"\x01" + bytes.fromhex("020000000007")),
                ("param_req_list", list(PC_PARAMETERS)),
                ("requested_addr", "10.1.2.9"),
            ],
        ),
        id="relayed-pc-with-broadcast-flag",
    ),
    pytest.param(
        phone_request(message_type="discover", client_id=None, op=2),
        _scapy(
            op=2,
            xid=0x12345678,
            ciaddr="10.1.2.50",
            chaddr=PHONE_MAC,
            options=[
                ("message-type", "discover"),
                ("vendor_class_id", b"MS-UC-Client"),
                ("param_req_list", [1, 3, 6, 15, 42, 43, 120]),
            ],
        ),
        id="discover-without-client-id-as-bootreply",
    ),
]


@pytest.mark.parametrize(("built", "by_scapy"), SCAPY_CASES)
def test_request_builder_agrees_with_scapy(built: bytes, by_scapy: bytes):
    assert built == by_scapy


def test_expected_ack_is_the_ack_of_protocol_md_section_7():
    options = tlv(43, OPTION_43_POOL01) + tlv(120, OPTION_120_POOL01)
    assert expected_ack(options, server_id="10.1.2.10") == INFORM_REPLY
    assert len(INFORM_REPLY) == 369


def test_reply_reader_reads_the_ack_of_protocol_md_section_7():
    assert reply_codes(INFORM_REPLY) == [53, 54, 61, 43, 120]
    assert option_data(INFORM_REPLY)[43] == OPTION_43_POOL01
    read = Bootp(INFORM_REPLY)
    assert (read.op, read.xid, read.ciaddr, read.chaddr) == (2, 0x12345678, "10.1.2.50", PHONE_MAC)
    assert (read.message_type, read.server_id) == (5, "10.1.2.10")


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(INFORM_REPLY[:243] + b"\x00" + INFORM_REPLY[243:], id="pad-between-options"),
        pytest.param(INFORM_REPLY[:-1], id="no-end"),
        pytest.param(INFORM_REPLY + b"\x01", id="non-zero-after-end"),
    ],
)
def test_reply_reader_rejects_a_reply_that_is_not_canonical(payload: bytes):
    with pytest.raises(AssertionError):
        reply_options(payload)
    assert Bootp(payload).options[43] == OPTION_43_POOL01  # the lenient reader still reads it
