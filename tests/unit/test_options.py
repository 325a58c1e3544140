"""TLV framing with RFC 3396 splitting, and IPv4 lists (options 4, 42, 120 encoding 1)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ucdhcp.wire.errors import DecodeError
from ucdhcp.wire.options import OptionCode, decode_ipv4_list, encode_ipv4_list, encode_option

from .strategies import ipv4_addresses


def test_option_is_framed_as_code_length_data():
    assert encode_option(OptionCode.NTP_SERVERS, bytes.fromhex("0a010201")) == bytes.fromhex(
        "2a"  # code 42, NTP servers
        "04"  # length
        "0a010201"  # 10.1.2.1
    )


def test_empty_option_is_code_and_zero_length():
    assert encode_option(80, b"") == bytes.fromhex("50 00")


def test_option_of_exactly_255_bytes_stays_one_instance():
    data = bytes(range(255))
    assert encode_option(120, data) == b"\x78\xff" + data


def test_option_longer_than_255_bytes_is_split_into_consecutive_instances():
    data = bytes(i % 251 for i in range(600))
    assert encode_option(120, data) == (
        b"\x78\xff" + data[:255]  # first instance: 255 bytes
        + b"\x78\xff" + data[255:510]  # second instance: 255 bytes
        + b"\x78\x5a" + data[510:]  # third instance: the remaining 90 bytes
    )  # fmt: skip


@given(st.integers(0, 254), st.binary(max_size=1200))
def test_split_instances_concatenate_back_to_the_data(code, data):
    framed = encode_option(code, data)
    joined, offset, instances = b"", 0, 0
    while offset < len(framed):
        assert framed[offset] == code
        length = framed[offset + 1]
        joined += framed[offset + 2 : offset + 2 + length]
        offset += 2 + length
        instances += 1
    assert joined == data
    assert instances == max(1, -(-len(data) // 255))


IPV4_TABLE = [
    pytest.param(("10.1.2.1",), bytes.fromhex("0a010201"), id="one"),
    pytest.param(
        ("10.1.2.1", "192.168.255.254"),
        bytes.fromhex(
            "0a010201"  # 10.1.2.1
            "c0a8fffe"  # 192.168.255.254
        ),
        id="two",
    ),
    pytest.param(("0.0.0.0",), bytes(4), id="zero"),
]


@pytest.mark.parametrize(("addresses", "data"), IPV4_TABLE)
def test_ipv4_list_decodes_and_re_encodes(addresses, data):
    assert decode_ipv4_list(data) == addresses
    assert encode_ipv4_list(addresses) == data


@pytest.mark.parametrize("length", [0, 1, 3, 5, 7])
def test_ipv4_list_not_a_non_zero_multiple_of_4_is_rejected(length):
    with pytest.raises(DecodeError):
        decode_ipv4_list(bytes(length))


@pytest.mark.parametrize("address", ["10.1.2", "256.1.1.1", "pool01.contoso.com", "::1"])
def test_bad_ipv4_address_cannot_be_encoded(address):
    with pytest.raises(ValueError):
        encode_ipv4_list([address])


@given(st.lists(ipv4_addresses, min_size=1, max_size=60))
def test_ipv4_list_round_trips(addresses):
    data = encode_ipv4_list(addresses)
    assert len(data) == 4 * len(addresses)
    assert decode_ipv4_list(data) == tuple(addresses)
