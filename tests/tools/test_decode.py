"""`ucdhcp decode`: values copied from other servers, decoded, with their mistakes named."""

import json

import pytest

from tests.dhcp.golden import PATH_SUBOPTION
from ucdhcp.tools.inspection import inspect_option, parse_hex

from .tools import POOL01_43, POOL01_120, run, run_process

PATH_5 = PATH_SUBOPTION.hex().upper()  # sub-option 5 "/CertProv/CertProvisioningService.svc"

LONG_43 = (  # web server "lync-web-001.contoso.com" (24 characters): 91 bytes
    "010C4D532D55432D436C69656E74"  # 1 "MS-UC-Client"
    "02056874747073"  # 2 "https"
    "03186C796E632D7765622D3030312E636F6E746F736F2E636F6D"  # 3 "lync-web-001.contoso.com"
    "0403343433" + PATH_5  # 4 "443"
)

# (option, hex, lint codes expected in order, phones can use it)
CASES = [
    pytest.param(120, POOL01_120, [], True, id="120-dhcputil"),
    pytest.param(
        120,
        "00 07 6578616D706C65 03 636F6D",  # enc 0 | example | com | (no root label)
        ["missing_root_label"],
        False,
        id="120-missing-root-label",
    ),
    pytest.param(
        120,
        "01 0A010203",  # enc 1 | 10.1.2.3
        ["encoding_1"],
        False,
        id="120-encoding-1",
    ),
    pytest.param(
        120,
        POOL01_120 + "01 0A010203",  # names, then a second instance with encoding 1
        ["mixed_encodings"],
        False,
        id="120-mixed-names-then-addresses",
    ),
    pytest.param(
        120,
        "01 0A010203 00 03616263 00",  # addresses, then encoding 0 with "abc"
        ["encoding_1", "mixed_encodings"],
        False,
        id="120-mixed-addresses-then-names",
    ),
    pytest.param(
        120,
        "00 03777777 0462696E67 03636F6D 00"  # enc 0 | www.bing.com
        "03666F6F C004",  # foo + pointer to offset 4 ("bing.com")
        ["compression"],
        True,
        id="120-compression",
    ),
    pytest.param(
        120,
        "00 076578616D706C6503636F6D00 00 0470726F6403636F6D00",  # two instances, each enc 0
        ["repeated_encoding_byte"],
        True,
        id="120-repeated-encoding-byte",
    ),
    pytest.param(
        120,
        "00 0A706F6F6C30312E636F6D 00",  # enc 0 | one label "pool01.com" | root
        ["dotted_label"],
        False,
        id="120-dotted-label",
    ),
    pytest.param(120, "00 06706F6F6C3031 00", ["not_fqdn"], False, id="120-one-label"),
    pytest.param(
        120,
        "706F6F6C30312E636F6E746F736F2E636F6D",  # "pool01.contoso.com" as plain text
        ["undecodable"],
        False,
        id="120-plain-text",
    ),
    pytest.param(120, "7815" + POOL01_120, ["option_header_included"], True, id="120-with-tlv"),
    pytest.param(43, POOL01_43, [], True, id="43-dhcputil"),
    pytest.param(
        43,
        PATH_5
        + "040201BB"  # port 443 as a 2-byte integer
        + "0312706F6F6C30312E636F6E746F736F2E636F6D"
        + "02056874747073"
        + "010C4D532D55432D436C69656E74"
        + "FF",  # dnsmasq's vendor: encoding: reversed, END, binary port
        ["stray_end", "suboption_order", "binary_port"],
        False,
        id="43-dnsmasq-vendor-encoding",
    ),
    pytest.param(
        43,
        POOL01_43[:-20],  # cut inside sub-option 5
        ["truncated", "missing_suboption"],
        False,
        id="43-truncated",
    ),
    pytest.param(
        43,
        LONG_43[:180],  # what Cisco IOS keeps of `option 43 hex LONG_43`: 90 bytes
        ["truncated", "missing_suboption"],
        False,
        id="43-cut-at-90-bytes",
    ),
    pytest.param(
        43,
        "010D4D532D55432D436C69656E7400"  # "MS-UC-Client\0"
        "02056874747073 0312706F6F6C30312E636F6E746F736F2E636F6D 0403343433" + PATH_5,
        ["nul_terminated"],
        False,
        id="43-nul-terminated",
    ),
    pytest.param(
        43,
        "010C4D532D55432D436C69656E74 020468747470"  # scheme "http"
        "0312706F6F6C30312E636F6E746F736F2E636F6D 040238300502 2F78",  # port 80, path "/x"
        ["nonstandard_scheme", "nonstandard_port", "nonstandard_path"],
        True,
        id="43-nonstandard",
    ),
    pytest.param(43, "0A020078", [], True, id="43-cpe-ocphone-vlan"),
]


@pytest.mark.parametrize(("option", "value", "codes", "usable"), CASES)
def test_decode_names_each_mistake(option, value, codes, usable):
    inspection = inspect_option(option, parse_hex(value))
    assert [lint.code for lint in inspection.lints] == codes
    assert inspection.ok is usable


def test_a_value_cut_at_90_bytes_is_recognised_as_cisco_truncation():
    assert len(parse_hex(LONG_43)) == 91
    inspection = inspect_option(43, parse_hex(LONG_43[:180]))
    assert "Cisco IOS" in inspection.lints[0].message


def test_decoded_names_and_url_are_shown():
    result = run("decode", "--option", "120", POOL01_120)
    assert result.returncode == 0
    assert "SIP server: pool01.contoso.com" in result.stdout
    result = run("decode", "--option", "43", POOL01_43)
    assert result.returncode == 0
    url = "https://pool01.contoso.com:443/CertProv/CertProvisioningService.svc"
    assert f"Certificate Provisioning Service URL: {url}" in result.stdout


def test_repaired_values_still_show_what_a_phone_would_read():
    result = run("decode", "--option", "120", "0007", "6578616D706C65", "03636F6D")
    assert result.returncode == 1
    assert "SIP server: example.com" in result.stdout
    assert "[missing_root_label]" in result.stdout


def test_decode_json_reports_lints_and_fields():
    result = run("decode", "--option", "43", "--json", PATH_5 + "040201BB")
    document = json.loads(result.stdout)
    assert document["ok"] is False
    assert [sub["code"] for sub in document["suboptions"]] == [5, 4]
    assert {lint["code"] for lint in document["lints"]} >= {"binary_port", "missing_suboption"}


@pytest.mark.parametrize(
    "pasted", ["00:06:70:6f", "0x00,0x06,0x70,0x6f", "0006.706f", "00 06 70 6F"]
)
def test_hex_is_read_as_people_paste_it(pasted):
    assert parse_hex(pasted) == bytes.fromhex("0006706f")


@pytest.mark.parametrize("bad", ["zz", "000", ""])
def test_bad_hex_is_one_line_error_and_exit_2(bad):
    result = run_process("decode", "--option", "120", bad)
    assert result.returncode == 2
    assert result.stderr.startswith("ucdhcp decode: ")
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("zz", "not hex: 'z' is not a hex digit in 'zz'"),
        ("0006706g", "not hex: 'g' is not a hex digit in '0006706g'"),
        ("000", "not an even number of hex digits: '000'"),
        ("", "no hex digits given"),
    ],
)
def test_bad_hex_says_what_is_wrong_with_it(bad, message):
    result = run_process("decode", "--option", "120", bad)
    assert result.stderr == f"ucdhcp decode: {message}\n"


def test_missing_root_label_names_the_public_example_that_makes_the_mistake():
    result = run("decode", "--option", "120", "00076578616D706C6503636F6D")
    [line] = [line for line in result.stdout.splitlines() if "[missing_root_label]" in line]
    assert "the Microsoft documentation's option 120 example makes this mistake" in line
    assert "seed" not in result.stdout


def test_unusable_value_exits_1():
    assert run("decode", "--option", "120", "010A010203").returncode == 1


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("0A020078", "Sub-Option 10 <VLAN ID>: 0078 (as a word: 120; not ASCII digits)"),
        ("0A03313230", "Sub-Option 10 <VLAN ID>: 313230 (as ASCII digits: 120)"),
        ("0A023132", "Sub-Option 10 <VLAN ID>: 3132 (as a word: 12594; as ASCII digits: 12)"),
    ],
)
def test_a_vlan_id_is_shown_in_each_reading_that_applies(value: str, shown: str) -> None:
    # CPE-OCPHONE's sub-option 10 may be a word or ASCII digits (protocol.md §4).
    result = run("decode", "--option", "43", value)
    assert shown in result.stdout.splitlines(), result.stdout
