"""Option 120, SIP servers (RFC 3361): golden vectors of protocol.md §2 and the codec."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.dhcp.golden import (
    OPTION_120_EXAMPLE_COM,
    OPTION_120_POOL01,
    OPTION_120_SERVER_FQDN,
    PUBLISHED,
)
from ucdhcp.wire.errors import DecodeError
from ucdhcp.wire.options import (
    Option120Encoding,
    SipServers,
    decode_sip_server_instances,
    decode_sip_servers,
    encode_sip_servers,
)

from .strategies import fqdns, ipv4_addresses

GOLDEN = [
    pytest.param(
        "pool01.contoso.com",
        OPTION_120_POOL01,
        PUBLISHED["OPTION_120_POOL01"],
        id="pool01.contoso.com",
    ),
    pytest.param(
        "server.fqdn.company.com",
        OPTION_120_SERVER_FQDN,
        PUBLISHED["OPTION_120_SERVER_FQDN"],
        id="server.fqdn.company.com",
    ),
    pytest.param(
        "example.com",
        OPTION_120_EXAMPLE_COM,
        PUBLISHED["OPTION_120_EXAMPLE_COM"],
        id="example.com",
    ),
]


@pytest.mark.parametrize(("fqdn", "data", "published"), GOLDEN)
def test_option_120_golden_vector_decodes_and_re_encodes(fqdn, data, published):
    assert data == bytes.fromhex(published)  # the commented vector is the one in protocol.md
    assert decode_sip_servers(data) == SipServers(
        Option120Encoding.NAMES, (fqdn,), compressed=False
    )
    assert encode_sip_servers([fqdn]) == data


def test_pool01_option_120_is_21_bytes():
    assert len(encode_sip_servers(["pool01.contoso.com"])) == 21


def test_several_servers_are_listed_in_preference_order():
    data = encode_sip_servers(["pool01.contoso.com", "example.com"])
    assert data == OPTION_120_POOL01 + OPTION_120_EXAMPLE_COM[1:]
    assert decode_sip_servers(data).servers == ("pool01.contoso.com", "example.com")


def test_address_encoding_golden_vector_decodes_and_re_encodes():
    data = bytes.fromhex(
        "01"  # encoding 1: IPv4 addresses (RFC 3361 §3.2)
        "0a01020a"  # 10.1.2.10
        "c0a80001"  # 192.168.0.1
    )
    servers = SipServers(Option120Encoding.ADDRESSES, ("10.1.2.10", "192.168.0.1"))
    assert decode_sip_servers(data) == servers
    assert encode_sip_servers(["10.1.2.10", "192.168.0.1"], Option120Encoding.ADDRESSES) == data


def test_compressed_names_are_decoded_and_flagged():
    data = bytes.fromhex(
        "00"  # encoding 0
        "07 636f6e746f736f 03 636f6d 00"  # "contoso.com" at name offset 0
        "06 706f6f6c3031 c0 00"  # "pool01" + pointer to offset 0 of the names
    )
    decoded = decode_sip_servers(data)
    assert decoded.servers == ("contoso.com", "pool01.contoso.com")
    assert decoded.compressed is True


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"\x00", id="names-without-a-name"),
        pytest.param(b"\x01", id="addresses-without-an-address"),
        pytest.param(bytes.fromhex("01 0a0102"), id="address-of-3-bytes"),
        pytest.param(bytes.fromhex("02 0a01020a"), id="unknown-encoding-2"),
        pytest.param(bytes.fromhex("00 03 636f6d"), id="name-without-root-label"),
    ],
)
def test_malformed_option_120_is_rejected(data):
    with pytest.raises(DecodeError):
        decode_sip_servers(data)


@pytest.mark.parametrize(
    ("servers", "encoding"),
    [
        pytest.param([], Option120Encoding.NAMES, id="no-server"),
        pytest.param(["bad..name"], Option120Encoding.NAMES, id="empty-label"),
        pytest.param(["pool01.contoso.com"], Option120Encoding.ADDRESSES, id="name-as-address"),
    ],
)
def test_option_120_that_cannot_be_encoded_raises_value_error(servers, encoding):
    with pytest.raises(ValueError):
        encode_sip_servers(servers, encoding)


def test_instances_split_per_rfc_3396_are_concatenated():
    first, second = OPTION_120_POOL01[:9], OPTION_120_POOL01[9:]
    assert decode_sip_server_instances([first, second]).servers == ("pool01.contoso.com",)


def test_instances_each_carrying_the_same_encoding_byte_are_accepted():
    instances = [OPTION_120_POOL01, OPTION_120_EXAMPLE_COM]
    assert decode_sip_server_instances(instances) == SipServers(
        Option120Encoding.NAMES, ("pool01.contoso.com", "example.com")
    )


def test_instances_mixing_names_and_addresses_are_rejected():
    instances = [
        OPTION_120_EXAMPLE_COM,  # encoding 0, "example.com"
        bytes.fromhex("01 0a01020a"),  # encoding 1, 10.1.2.10
    ]
    with pytest.raises(DecodeError, match="mixes"):
        decode_sip_server_instances(instances)


def test_single_malformed_instance_is_rejected():
    with pytest.raises(DecodeError):
        decode_sip_server_instances([bytes.fromhex("02 0a01020a")])


@given(st.lists(fqdns, min_size=1, max_size=6))
def test_names_encoding_round_trips(servers):
    data = encode_sip_servers(servers, Option120Encoding.NAMES)
    assert data[0] == Option120Encoding.NAMES
    assert decode_sip_servers(data) == SipServers(Option120Encoding.NAMES, tuple(servers))


@given(st.lists(ipv4_addresses, min_size=1, max_size=20))
def test_addresses_encoding_round_trips(servers):
    data = encode_sip_servers(servers, Option120Encoding.ADDRESSES)
    assert len(data) == 1 + 4 * len(servers)
    assert decode_sip_servers(data) == SipServers(Option120Encoding.ADDRESSES, tuple(servers))


@given(st.lists(fqdns, min_size=1, max_size=6), st.data())
def test_names_split_anywhere_into_instances_decode_the_same(servers, data):
    encoded = encode_sip_servers(servers)
    cut = data.draw(st.integers(min_value=1, max_value=len(encoded) - 1))
    decoded = decode_sip_server_instances([encoded[:cut], encoded[cut:]])
    assert decoded.servers == tuple(servers)
