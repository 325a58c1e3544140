"""RFC 1035 names as carried by option 120: encode_name / decode_names."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ucdhcp.wire.errors import DecodeError
from ucdhcp.wire.names import decode_names, encode_name

from .strategies import fqdns

POOL01 = bytes.fromhex(
    "06 706f6f6c3031"  # label "pool01"
    "07 636f6e746f736f"  # label "contoso"
    "03 636f6d"  # label "com"
    "00"  # root label
)
CONTOSO_COM = bytes.fromhex(
    "07 636f6e746f736f"  # label "contoso"
    "03 636f6d"  # label "com"
    "00"  # root label
)


@pytest.mark.parametrize(
    ("name", "wire"),
    [
        pytest.param("pool01.contoso.com", POOL01, id="pool01"),
        pytest.param(
            "example.com",
            bytes.fromhex(
                "07 6578616d706c65"  # label "example"
                "03 636f6d"  # label "com"
                "00"  # root label, which the seed's example in protocol.md §2 forgot
            ),
            id="example",
        ),
        pytest.param("a", bytes.fromhex("01 61 00"), id="single-label"),
    ],
)
def test_name_encodes_uncompressed_with_root_label_and_decodes_back(name, wire):
    assert encode_name(name) == wire
    assert decode_names(wire) == ([name], False)


def test_trailing_dot_of_absolute_name_is_not_an_extra_label():
    assert encode_name("pool01.contoso.com.") == POOL01


def test_packed_list_of_names_decodes_in_order():
    assert decode_names(POOL01 + CONTOSO_COM) == (["pool01.contoso.com", "contoso.com"], False)


def test_backward_compression_pointer_is_accepted():
    data = (
        CONTOSO_COM  # offset 0: "contoso.com"
        + bytes.fromhex(
            "06 706f6f6c3031"  # offset 13: label "pool01"
            "c0 00"  # pointer to offset 0
        )
    )
    assert decode_names(data) == (["contoso.com", "pool01.contoso.com"], True)


def test_chain_of_backward_pointers_is_followed():
    data = bytes.fromhex(
        "03 636f6d 00"  # offset 0: "com"
        "07 636f6e746f736f c0 00"  # offset 5: label "contoso", pointer to 0
        "06 706f6f6c3031 c0 05"  # offset 15: label "pool01", pointer to 5
    )
    names = ["com", "contoso.com", "pool01.contoso.com"]
    assert decode_names(data) == (names, True)


def test_name_made_of_a_pointer_only_repeats_an_earlier_name():
    data = CONTOSO_COM + bytes.fromhex("c0 00")
    assert decode_names(data) == (["contoso.com", "contoso.com"], True)


def test_name_after_a_compressed_name_starts_after_the_pointer():
    data = CONTOSO_COM + bytes.fromhex("01 61 c0 00") + bytes.fromhex("01 62 00")
    assert decode_names(data) == (["contoso.com", "a.contoso.com", "b"], True)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(bytes.fromhex("c0 02 03 636f6d 00"), id="forward-pointer"),
        pytest.param(bytes.fromhex("c0 00"), id="pointer-to-itself-at-start"),
        pytest.param(bytes.fromhex("01 61 c0 02"), id="pointer-to-itself"),
        # Strictly-backwards pointers that re-enter the name being read would loop forever.
        pytest.param(bytes.fromhex("01 61 c0 00"), id="loop-to-start-of-own-name"),
        pytest.param(bytes.fromhex("01 61 01 62 c0 02"), id="loop-to-middle-of-own-name"),
        pytest.param(
            bytes.fromhex("03 636f6d 00 01 61 c0 05"),
            id="loop-to-start-of-own-second-name",
        ),
    ],
)
def test_pointer_that_is_not_strictly_backwards_is_rejected(data):
    with pytest.raises(DecodeError):
        decode_names(data)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"\x00", id="root-label-only"),
        pytest.param(bytes.fromhex("03 636f"), id="label-past-end"),
        pytest.param(bytes.fromhex("03 636f6d"), id="missing-root-label"),
        pytest.param(bytes.fromhex("03 636f6d 00 c0"), id="truncated-pointer"),
        pytest.param(bytes.fromhex("40 00"), id="reserved-label-type-01"),
        pytest.param(bytes.fromhex("80 00"), id="reserved-label-type-10"),
        pytest.param(bytes.fromhex("02 c3a9 00"), id="non-ascii-label"),
        pytest.param((b"\x3f" + b"a" * 63) * 4 + b"\x00", id="name-over-253-characters"),
    ],
)
def test_malformed_name_is_rejected_with_decode_error(data):
    with pytest.raises(DecodeError):
        decode_names(data)


def test_longest_legal_name_round_trips():
    name = ".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 61])  # 253 characters
    wire = encode_name(name)
    assert len(wire) == 255
    assert decode_names(wire) == ([name], False)


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("", id="empty"),
        pytest.param(".", id="root-only"),
        pytest.param("pool01..contoso.com", id="empty-label"),
        pytest.param("a" * 64 + ".com", id="label-over-63"),
        pytest.param("bücher.example", id="non-ascii"),
        pytest.param(".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 62]), id="name-over-253"),
    ],
)
def test_name_that_cannot_be_encoded_raises_value_error(name):
    with pytest.raises(ValueError):
        encode_name(name)


@given(st.lists(fqdns, min_size=1, max_size=5))
def test_any_list_of_names_round_trips(names):
    wire = b"".join(encode_name(name) for name in names)
    assert decode_names(wire) == (names, False)
