"""Wire facts defined once: the reply's fixed size, option framing read back (decode_option),
the one strict TLV walker, and the BROADCAST flag read through Message."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.dhcp.golden import SERVER_ID
from tests.dhcp.request import phone_request, tlv
from ucdhcp.wire.errors import DecodeError
from ucdhcp.wire.message import parse_message
from ucdhcp.wire.options import SubOptions, decode_option, encode_option, split_tlvs
from ucdhcp.wire.reply import DEFAULT_MAX_MESSAGE, encode_reply, room_for_options

# --- the reply's fixed size ------------------------------------------------------------------


def options_of(size: int) -> list[bytes]:
    """Two options (224, 225) taking exactly `size` bytes on the wire."""
    first = tlv(224, bytes(100))
    return [first, tlv(225, bytes(size - len(first) - 2))]


def test_options_of_exactly_the_room_left_fill_a_548_byte_reply():
    request = parse_message(phone_request(client_id=None))
    room = room_for_options()
    assert room == 548 - 240 - 3 - 6 - 1
    reply = encode_reply(request, 5, SERVER_ID, options_of(room))
    assert reply is not None
    assert len(reply) == DEFAULT_MAX_MESSAGE == 548
    assert reply[-1] == 255  # End, with no room to spare


def test_one_byte_more_than_the_room_left_does_not_fit():
    request = parse_message(phone_request(client_id=None))
    reply = encode_reply(request, 5, SERVER_ID, options_of(room_for_options() + 1))
    assert reply is not None
    assert 225 not in parse_message(reply).offsets  # left out, never truncated


def test_the_room_left_shrinks_by_what_is_echoed():
    client_id = b"\x01" + bytes(6)  # option 61 for an Ethernet MAC: 9 bytes on the wire
    request = parse_message(phone_request(client_id=client_id))
    room = room_for_options(echoed=len(tlv(61, client_id)))
    assert room == 548 - 240 - 3 - 6 - 9 - 1
    fits = encode_reply(request, 5, SERVER_ID, options_of(room))
    assert fits is not None and len(fits) == 548
    too_big = encode_reply(request, 5, SERVER_ID, options_of(room + 1))
    assert too_big is not None and 225 not in parse_message(too_big).offsets


# --- decode_option, the inverse of encode_option ---------------------------------------------

GOLDEN_120 = bytes.fromhex(
    "78"  # code 120, SIP servers
    "15"  # length 21
    "00"  # encoding 0: names
    "06706f6f6c3031 07636f6e746f736f 03636f6d 00"  # pool01.contoso.com
)


def test_option_120_golden_tlv_decodes_to_its_data_and_re_encodes():
    data = decode_option(GOLDEN_120, 120)
    assert data == bytes.fromhex("0006706f6f6c303107636f6e746f736f03636f6d00")
    assert encode_option(120, data) == GOLDEN_120


def test_split_instances_decode_to_the_concatenation():
    tlvs = bytes.fromhex("78 02 0001 78 01 02")
    assert decode_option(tlvs, 120) == bytes.fromhex("000102")


@given(st.integers(0, 255), st.binary(max_size=1200))
def test_decode_option_round_trips(code, data):
    assert decode_option(encode_option(code, data), code) == data


@pytest.mark.parametrize(
    "tlvs",
    [
        pytest.param(b"", id="empty"),
        pytest.param(bytes.fromhex("78"), id="no-length"),
        pytest.param(bytes.fromhex("78 03 0001"), id="length-past-end"),
        pytest.param(bytes.fromhex("78 01 00 2b 01 00"), id="another-code"),
        pytest.param(bytes.fromhex("78 01 00 ff"), id="trailing-end"),
    ],
)
def test_decode_option_rejects_anything_but_instances_of_the_code(tlvs):
    with pytest.raises(DecodeError):
        decode_option(tlvs, 120)


# --- the one strict TLV walker ---------------------------------------------------------------


def test_encapsulated_walk_skips_pad_and_stops_at_end():
    data = bytes.fromhex("00 01 01 61 00 ff 00")
    assert split_tlvs(data) == SubOptions(((1, b"a"),), has_end=True)


def test_raw_walk_reads_0_and_255_as_codes():
    data = bytes.fromhex("00 01 61 ff 00")
    assert split_tlvs(data, "option 82", pad_and_end=False) == SubOptions(((0, b"a"), (255, b"")))


@pytest.mark.parametrize("pad_and_end", [True, False])
def test_walk_names_the_option_it_rejects(pad_and_end):
    with pytest.raises(DecodeError, match="option 82 sub-option 5 runs past the end"):
        split_tlvs(bytes.fromhex("05 04 0a01"), "option 82", pad_and_end=pad_and_end)


# --- the BROADCAST flag ----------------------------------------------------------------------


@pytest.mark.parametrize(("flags", "broadcast"), [(0x8000, True), (0x0000, False), (0x7FFF, False)])
def test_broadcast_is_the_top_bit_of_flags(flags, broadcast):
    assert parse_message(phone_request(flags=flags)).broadcast is broadcast
