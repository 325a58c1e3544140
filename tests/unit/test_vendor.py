"""Option 43 payloads for MS-UC-Client (protocol.md §3) and CPE-OCPHONE (§4)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.dhcp.golden import (
    OPTION_43_EXAMPLE_COM,
    OPTION_43_POOL01,
    OPTION_43_SERVER_FQDN,
    PUBLISHED,
)
from ucdhcp.wire.errors import DecodeError
from ucdhcp.wire.options import SubOptions, decode_suboptions, encode_suboptions
from ucdhcp.wire.vendor import (
    CertProvisioning,
    VlanIdFormat,
    decode_ms_uc_client,
    decode_vlan_id,
    encode_ms_uc_client,
    encode_vlan_id,
)

from .strategies import printable_ascii, suboption_items

GOLDEN = [
    pytest.param(
        "pool01.contoso.com",
        OPTION_43_POOL01,
        85,
        PUBLISHED["OPTION_43_POOL01"],
        id="pool01.contoso.com",
    ),
    pytest.param(
        "server.fqdn.company.com",
        OPTION_43_SERVER_FQDN,
        90,
        PUBLISHED["OPTION_43_SERVER_FQDN"],
        id="server.fqdn.company.com",
    ),
    pytest.param(
        "example.com",
        OPTION_43_EXAMPLE_COM,
        78,
        PUBLISHED["OPTION_43_EXAMPLE_COM"],
        id="example.com",
    ),
]


@pytest.mark.parametrize(("web_server", "data", "length", "published"), GOLDEN)
def test_ms_uc_client_golden_vector_decodes_and_re_encodes(web_server, data, length, published):
    assert data == bytes.fromhex(published)  # the commented vector is the one in protocol.md
    assert len(data) == length
    settings = decode_ms_uc_client(data)
    assert settings == CertProvisioning(web_server)
    assert settings.url == f"https://{web_server}:443/CertProv/CertProvisioningService.svc"
    assert encode_ms_uc_client(settings) == data


def test_ms_uc_client_sub_options_are_sent_in_order_1_to_5():
    subs = decode_suboptions(OPTION_43_POOL01)
    assert [code for code, _ in subs.items] == [1, 2, 3, 4, 5]
    assert subs.has_end is False


def test_ms_uc_client_sub_options_in_reverse_order_with_end_still_decode():
    # dnsmasq's rendering (protocol.md §3): sub-options 5..1 and a stray END inside option 43.
    forward = decode_suboptions(OPTION_43_POOL01).items
    dnsmasq = encode_suboptions(reversed(forward)) + b"\xff"
    assert decode_ms_uc_client(dnsmasq) == CertProvisioning("pool01.contoso.com")
    assert decode_suboptions(dnsmasq).has_end is True


def test_binary_two_byte_port_is_rejected():
    # 443 as a network-order word (01 bb), the mistake of one public tool.
    data = OPTION_43_POOL01.replace(bytes.fromhex("04 03 343433"), bytes.fromhex("04 02 01bb"))
    with pytest.raises(DecodeError, match="sub-option 4"):
        decode_ms_uc_client(data)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        pytest.param("04 03 343433", "04 01 30", id="port-0"),
        pytest.param("04 03 343433", "04 05 3635353336", id="port-65536"),
        pytest.param("04 03 343433", "04 03 34342d", id="port-not-digits"),
        pytest.param("04 03 343433", "04 04 34343300", id="port-with-nul"),
        pytest.param("02 05 6874747073", "", id="missing-scheme"),
        pytest.param("02 05 6874747073", "02 05 68747470ff", id="scheme-not-ascii"),
    ],
)
def test_ms_uc_client_with_bad_sub_option_is_rejected(old, new):
    data = OPTION_43_POOL01.replace(bytes.fromhex(old), bytes.fromhex(new))
    with pytest.raises(DecodeError):
        decode_ms_uc_client(data)


@pytest.mark.parametrize("cut", [1, 2, 30, 84])
def test_truncated_ms_uc_client_is_rejected(cut):
    with pytest.raises(DecodeError):
        decode_ms_uc_client(OPTION_43_POOL01[:cut])


@given(
    web_server=printable_ascii,
    scheme=printable_ascii,
    port=st.integers(min_value=1, max_value=65535),
    path=printable_ascii,
    identifier=printable_ascii,
)
def test_ms_uc_client_round_trips(web_server, scheme, port, path, identifier):
    settings = CertProvisioning(web_server, scheme, port, path, identifier)
    assert decode_ms_uc_client(encode_ms_uc_client(settings)) == settings


# --- CPE-OCPHONE: sub-option 10, VLAN ID -------------------------------------------------

VLAN_GOLDEN = [
    pytest.param(
        120,
        VlanIdFormat.WORD,
        bytes.fromhex(
            "0a 02"  # sub-option 10 VLAN ID, 2 bytes
            "0078"  # 120 as a network-order word
        ),
        id="word-120",
    ),
    pytest.param(
        120,
        VlanIdFormat.ASCII,
        bytes.fromhex(
            "0a 03"  # sub-option 10 VLAN ID, 3 bytes
            "313230"  # "120" as ASCII digits
        ),
        id="ascii-120",
    ),
    pytest.param(4094, VlanIdFormat.WORD, bytes.fromhex("0a 02 0ffe"), id="word-4094"),
    pytest.param(1, VlanIdFormat.ASCII, bytes.fromhex("0a 01 31"), id="ascii-1"),
]


@pytest.mark.parametrize(("vlan_id", "form", "data"), VLAN_GOLDEN)
def test_vlan_id_golden_vector_decodes_and_re_encodes(vlan_id, form, data):
    assert decode_vlan_id(data, form) == vlan_id
    assert encode_vlan_id(vlan_id, form) == data


@pytest.mark.parametrize("form", list(VlanIdFormat))
@pytest.mark.parametrize("vlan_id", [0, 4095, -1])
def test_vlan_id_outside_1_to_4094_cannot_be_encoded(vlan_id, form):
    with pytest.raises(ValueError):
        encode_vlan_id(vlan_id, form)


@pytest.mark.parametrize(
    ("data", "form"),
    [
        pytest.param(b"", VlanIdFormat.WORD, id="missing"),
        pytest.param(bytes.fromhex("01 02 0078"), VlanIdFormat.WORD, id="other-sub-option"),
        pytest.param(bytes.fromhex("0a 01 78"), VlanIdFormat.WORD, id="word-of-1-byte"),
        pytest.param(bytes.fromhex("0a 03 000078"), VlanIdFormat.WORD, id="word-of-3-bytes"),
        pytest.param(bytes.fromhex("0a 02 0000"), VlanIdFormat.WORD, id="word-0"),
        pytest.param(bytes.fromhex("0a 02 0fff"), VlanIdFormat.WORD, id="word-4095"),
        pytest.param(bytes.fromhex("0a 02 0078"), VlanIdFormat.ASCII, id="word-read-as-ascii"),
        pytest.param(bytes.fromhex("0a 00"), VlanIdFormat.ASCII, id="ascii-empty"),
        pytest.param(bytes.fromhex("0a 04 34303935"), VlanIdFormat.ASCII, id="ascii-4095"),
        pytest.param(bytes.fromhex("0a 01 30"), VlanIdFormat.ASCII, id="ascii-0"),
    ],
)
def test_bad_vlan_id_is_rejected(data, form):
    with pytest.raises(DecodeError):
        decode_vlan_id(data, form)


@given(st.integers(min_value=1, max_value=4094), st.sampled_from(list(VlanIdFormat)))
def test_vlan_id_round_trips_in_both_forms(vlan_id, form):
    assert decode_vlan_id(encode_vlan_id(vlan_id, form), form) == vlan_id


# --- the sub-option framing itself (RFC 2132 §8.4) -----------------------------------------

SUBOPTION_TABLE = [
    pytest.param(bytes.fromhex("01 02 6869"), ((1, b"hi"),), id="one"),
    pytest.param(bytes.fromhex("05 00 03 01 78"), ((5, b""), (3, b"x")), id="empty-then-one"),
    pytest.param(bytes.fromhex("fe 01 00"), ((254, b"\x00"),), id="code-254"),
    pytest.param(b"", (), id="nothing"),
]


@pytest.mark.parametrize(("data", "items"), SUBOPTION_TABLE)
def test_suboptions_decode_and_re_encode(data, items):
    assert decode_suboptions(data) == SubOptions(items, has_end=False)
    assert encode_suboptions(items) == data


def test_pad_between_suboptions_is_skipped():
    data = bytes.fromhex(
        "00"  # pad
        "01 01 61"  # sub-option 1: "a"
        "00 00"  # pad
        "02 01 62"  # sub-option 2: "b"
    )
    assert decode_suboptions(data) == SubOptions(((1, b"a"), (2, b"b")))


def test_dnsmasq_style_end_inside_option_43_is_detected():
    data = bytes.fromhex(
        "0a 02 0078"  # sub-option 10: VLAN 120
        "ff"  # END, which RFC 2132 §8.4 does not need and dnsmasq adds
        "0000"  # trailing pad after END is tolerated
    )
    subs = decode_suboptions(data)
    assert subs.has_end is True
    assert subs.items == ((10, b"\x00\x78"),)
    assert subs.get(10) == b"\x00\x78"
    assert subs.get(1) is None
    assert encode_suboptions(subs.items) + b"\xff\x00\x00" == data


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(bytes.fromhex("01"), id="no-length"),
        pytest.param(bytes.fromhex("01 03 6162"), id="length-past-end"),
        pytest.param(bytes.fromhex("01 01 61 ff 02"), id="data-after-end"),
    ],
)
def test_malformed_suboptions_are_rejected(data):
    with pytest.raises(DecodeError):
        decode_suboptions(data)


def test_repeated_suboption_get_returns_the_first():
    assert decode_suboptions(bytes.fromhex("01 01 61 01 01 62")).get(1) == b"a"


@pytest.mark.parametrize(
    "items",
    [
        pytest.param(((0, b"x"),), id="code-0-is-pad"),
        pytest.param(((255, b"x"),), id="code-255-is-end"),
        pytest.param(((1, bytes(256)),), id="value-over-255"),
    ],
)
def test_suboption_that_cannot_be_encoded_raises_value_error(items):
    with pytest.raises(ValueError):
        encode_suboptions(items)


@given(suboption_items)
def test_suboptions_round_trip(items):
    data = encode_suboptions(items)
    assert decode_suboptions(data) == SubOptions(tuple(items), has_end=False)
    assert decode_suboptions(data + b"\xff") == SubOptions(tuple(items), has_end=True)
