"""Inspection reads a value with the strict wire decoders first: a value framed as option
instances is un-framed by decode_option, sub-options are split by the strict walker."""

from ucdhcp.tools.inspection import inspect_option, parse_hex

NAMES = ["pool01.contoso.com", "example.com"]
DATA_120 = parse_hex(
    "00"  # encoding 0: names
    "06706F6F6C3031 07636F6E746F736F 03636F6D 00"  # pool01.contoso.com
    "076578616D706C65 03636F6D 00"  # example.com
)


def test_option_120_copied_as_two_instances_is_unframed_and_decoded():
    # As a capture shows an option split per RFC 3396: 78 len part, 78 len rest.
    copied = bytes((120, 10)) + DATA_120[:10] + bytes((120, len(DATA_120) - 10)) + DATA_120[10:]
    inspection = inspect_option(120, copied)
    assert list(inspection.sip_servers) == NAMES
    assert inspection.data == DATA_120
    [note] = inspection.lints
    assert note.code == "option_header_included"
    assert "2 instances of option 120" in note.message
    assert inspection.ok


def test_option_120_copied_as_one_instance_keeps_its_note():
    inspection = inspect_option(120, bytes((120, len(DATA_120))) + DATA_120)
    assert list(inspection.sip_servers) == NAMES
    [note] = inspection.lints
    assert note.message.startswith("the value starts with the option code 120 and its length")


def test_option_43_that_the_strict_walker_accepts_with_pad_still_says_where_the_pad_is():
    value = parse_hex("010C4D532D55432D436C69656E74 00 02056874747073")
    lints = {lint.code: lint for lint in inspect_option(43, value).lints}
    assert lints["pad"].message == "pad byte (00) at offset 14"
