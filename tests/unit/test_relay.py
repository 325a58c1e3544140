"""Option 82, relay agent information (RFC 3046), and RFC 3527 link selection."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ucdhcp.wire.errors import DecodeError
from ucdhcp.wire.relay import (
    decode_relay_agent_information,
    encode_relay_agent_information,
    link_selection,
)

OPTION_82 = bytes.fromhex(
    "01 04 00010203"  # sub-option 1 circuit ID, 4 bytes
    "02 06 001122334455"  # sub-option 2 remote ID, 6 bytes
    "05 04 0a140001"  # sub-option 5 link selection (RFC 3527): 10.20.0.1
)


def test_relay_agent_information_decodes_and_re_encodes():
    subs = {
        1: bytes.fromhex("00010203"),
        2: bytes.fromhex("001122334455"),
        5: bytes.fromhex("0a140001"),
    }
    assert decode_relay_agent_information(OPTION_82) == subs
    assert encode_relay_agent_information(subs.items()) == OPTION_82


def test_link_selection_is_read_from_sub_option_5():
    assert link_selection(OPTION_82) == bytes.fromhex("0a140001")


def test_option_82_without_link_selection_has_none():
    assert link_selection(bytes.fromhex("01 02 abcd")) is None


def test_repeated_sub_option_keeps_the_first_value():
    data = bytes.fromhex("05 04 0a140001 05 04 0a1e0001")
    assert link_selection(data) == bytes.fromhex("0a140001")


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(bytes.fromhex("01"), id="no-length"),
        pytest.param(bytes.fromhex("01 05 00010203"), id="length-past-end"),
        pytest.param(bytes.fromhex("01 02 0001 05"), id="second-without-length"),
    ],
)
def test_malformed_option_82_is_rejected(data):
    with pytest.raises(DecodeError):
        decode_relay_agent_information(data)


@pytest.mark.parametrize("value", [pytest.param("", id="empty"), "0a1400", "0a14000100"])
def test_link_selection_that_is_not_4_bytes_is_rejected(value):
    data = bytes.fromhex("05") + bytes((len(value) // 2,)) + bytes.fromhex(value)
    with pytest.raises(DecodeError):
        link_selection(data)


@given(
    st.dictionaries(st.integers(0, 255), st.binary(max_size=255), max_size=6),
)
def test_relay_agent_information_round_trips(subs):
    data = encode_relay_agent_information(subs.items())
    assert decode_relay_agent_information(data) == subs
    assert decode_relay_agent_information(memoryview(data)) == subs
