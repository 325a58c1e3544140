"""`ucdhcp import` of the XML Windows Server's `Export-DhcpServer` writes: the inputs are built
from the documented element names (DHCPServer/IPv4/Classes, OptionDefinitions, OptionValues,
Scopes, Policies), and each case gives the config and report a person would expect."""

import tomllib

import pytest

from ucdhcp.tools.importers import UnreadableInputError, detect_format, import_text
from ucdhcp.wire.options import encode_sip_servers

from .importing import (
    POOL_43,
    POOL_120,
    SUBOPTIONS,
    TWO_120,
    assert_nul_trimmed_and_reported,
    codes,
    config_of,
)
from .tools import run

UC_CLASS = "".join(  # a vendor class named "Lync Phones" whose data is MS-UC-Client
    [
        "<Class><Name>Lync Phones</Name><Type>Vendor</Type>",
        "<Data>0x4D532D55432D436C69656E74</Data><Description>UC</Description></Class>",
    ]
)
OTHER_CLASS = "<Class><Name>Polycom</Name><Type>Vendor</Type><Data>0x506F6C79636F6D</Data></Class>"
DEFINITIONS = "".join(
    [
        "<OptionDefinition><Name>UCSipServer</Name><OptionId>120</OptionId>",
        "<Type>BinaryData</Type><MultiValued>false</MultiValued></OptionDefinition>",
        "<OptionDefinition><Name>NTP Servers</Name><OptionId>42</OptionId>",
        "<Type>IPv4Address</Type><MultiValued>true</MultiValued></OptionDefinition>",
        *[
            f"<OptionDefinition><Name>Sub{code}</Name><OptionId>{code}</OptionId>"
            "<Type>BinaryData</Type><VendorClass>Lync Phones</VendorClass>"
            "<MultiValued>false</MultiValued></OptionDefinition>"
            for code in SUBOPTIONS
        ],
    ]
)


def value(code: int, *values: str, vendor: str = "", user: str = "") -> str:
    inner = "".join(f"<Value>{item}</Value>" for item in values)
    vendor_element = f"<VendorClass>{vendor}</VendorClass>" if vendor else ""
    user_element = f"<UserClass>{user}</UserClass>" if user else ""
    elements = f"<OptionId>{code}</OptionId>{vendor_element}{user_element}{inner}"
    return f"<OptionValue>{elements}</OptionValue>"


def phone_values(option_120: str = POOL_120, suboptions: dict[int, bytes] = SUBOPTIONS) -> str:
    return value(120, f"0x{option_120}") + "".join(
        value(code, f"0x{data.hex().upper()}", vendor="Lync Phones")
        for code, data in suboptions.items()
    )


def scope(address: str, mask: str, values: str = "", name: str = "Phones") -> str:
    return (
        f"<Scope><ScopeId>{address}</ScopeId><Name>{name}</Name><SubnetMask>{mask}</SubnetMask>"
        f"<StartRange>{address[:-1]}10</StartRange><State>Active</State>"
        f"<OptionValues>{values}</OptionValues></Scope>"
    )


def export(server_values: str = "", scopes: str = "", policies: str = "", classes: str = "") -> str:
    return "\n".join(
        [
            '<?xml version="1.0" encoding="utf-8"?>',
            "<DHCPServer>",
            "  <MajorVersion>6</MajorVersion><MinorVersion>3</MinorVersion>",
            "  <IPv4>",
            f"    <Classes>{UC_CLASS}{classes}</Classes>",
            f"    <OptionDefinitions>{DEFINITIONS}</OptionDefinitions>",
            f"    <OptionValues>{server_values}</OptionValues>",
            f"    <Scopes>{scopes}</Scopes>",
            f"    <Policies>{policies}</Policies>",
            "  </IPv4>",
            "  <IPv6></IPv6>",
            "</DHCPServer>",
        ]
    )


# Two scopes: phones (own values, two FQDNs) and laptops (no phone options); another vendor
# class's option; a policy with option 120.
SCOPED = export(
    scopes=scope("10.1.2.0", "255.255.254.0", phone_values(TWO_120))
    + scope("10.9.0.0", "255.255.0.0", value(3, "10.9.0.1"), name="Laptops"),
    classes=OTHER_CLASS,
    policies="<Policy><Name>Polycom phones</Name>"
    f"<OptionValues>{value(120, '0x' + POOL_120)}</OptionValues></Policy>",
)


def test_xml_is_recognised_and_vendor_class_matched_by_its_data_not_its_name():
    assert detect_format(SCOPED) == "windows-xml"
    assert config_of(SCOPED)["sites"] == [
        {
            "name": "net-10-1-2-0-23",
            "subnets": ["10.1.2.0/23"],
            "sip_servers": ["pool01.contoso.com", "pool02.contoso.com"],
        }
    ]


def test_xml_reports_the_scope_without_phone_options_and_the_policy_values():
    found = codes(SCOPED)
    assert found["no_phone_options"] == "note"
    assert found["policy_value"] == "warning"
    assert "bytes_differ" not in found


def test_xml_server_level_values_only_make_the_default_site():
    text = export(server_values=phone_values() + value(42, "10.0.0.5", "10.0.0.6"))
    assert config_of(text) == {
        "default_site": "server",
        "sites": [
            {
                "name": "server",
                "sip_servers": ["pool01.contoso.com"],
                "ntp_servers": ["10.0.0.5", "10.0.0.6"],
            }
        ],
    }
    assert codes(text) == {}


def test_xml_scope_values_override_the_server_level_ones():
    text = export(
        server_values=phone_values(),
        scopes=scope("10.1.2.0", "255.255.255.0", value(120, f"0x{TWO_120}"))
        + scope("10.1.3.0", "255.255.255.0", name="Inherits"),
    )
    sites = config_of(text)["sites"]
    assert [(s["name"], s.get("subnets"), s["sip_servers"]) for s in sites] == [
        ("server", ["10.1.3.0/24"], ["pool01.contoso.com"]),
        ("net-10-1-2-0-24", ["10.1.2.0/24"], ["pool01.contoso.com", "pool02.contoso.com"]),
    ]
    assert "web_server" not in sites[1]  # the server's sub-options still apply


def test_xml_plain_ascii_option_120_is_carried_as_the_name_and_reported():
    text = export(server_values=value(120, "pool01.contoso.com")).replace(
        "<OptionId>120</OptionId><Type>BinaryData</Type>",  # option 120 defined as a String
        "<OptionId>120</OptionId><Type>String</Type>",
    )
    assert config_of(text)["sites"][0]["sip_servers"] == ["pool01.contoso.com"]
    found = import_text(text).imported
    assert {f.code for f in found.findings} >= {"plain_text_120", "no_option_43"}
    assert found.partial


def test_xml_trailing_nul_is_trimmed_and_the_changed_bytes_reported():
    text = export(server_values=phone_values(suboptions={**SUBOPTIONS, 3: b"pool01.contoso.com\0"}))
    assert_nul_trimmed_and_reported(text)


def test_xml_binary_data_as_one_hex_string_or_one_value_per_byte_is_the_same():
    per_byte = [f"0x{byte:02X}" for byte in bytes.fromhex(POOL_120)]
    one = import_text(export(server_values=phone_values())).imported.sites[0]
    each = import_text(
        export(
            server_values=value(120, *per_byte) + phone_values()[len(value(120, "0x" + POOL_120)) :]
        )
    ).imported.sites[0]
    assert one.option_120 == each.option_120 == bytes.fromhex(POOL_120)
    assert one.option_43 == each.option_43 == POOL_43


def test_xml_user_class_values_and_another_vendor_class_are_reported():
    text = export(
        server_values=phone_values()
        + value(120, "0x" + TWO_120, user="Phones")
        + value(160, "x", vendor="Polycom"),
        classes=OTHER_CLASS,
    )
    found = codes(text)
    assert found["user_class"] == "warning" and found["other_vendor_class"] == "warning"
    assert import_text(text).imported.sites[0].sip_servers == ("pool01.contoso.com",)


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE DHCPServer [<!ENTITY x "pool01.contoso.com">]>',
        '<!DOCTYPE DHCPServer SYSTEM "http://example.com/x.dtd">',
        '<!DOCTYPE DHCPServer [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
    ],
)
def test_xml_with_a_document_type_or_entity_declaration_is_refused(doctype):
    text = export(server_values=phone_values()).replace("<DHCPServer>", doctype + "<DHCPServer>", 1)
    with pytest.raises(UnreadableInputError, match="document type"):
        import_text(text)


def test_xml_undefined_entity_and_broken_xml_are_unreadable():
    with pytest.raises(UnreadableInputError, match="well-formed"):
        import_text(export(server_values=value(120, "&x;")), "windows-xml")
    with pytest.raises(UnreadableInputError, match="well-formed"):
        import_text("<DHCPServer><IPv4>", "windows-xml")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-8-sig", "utf-8"])
def test_xml_file_in_utf16_or_utf8_is_read(tmp_path, encoding):
    text = export(server_values=phone_values())
    if encoding.startswith("utf-16"):
        text = text.replace('encoding="utf-8"', 'encoding="utf-16"')
    source = tmp_path / "dhcp.xml"
    source.write_bytes(text.encode(encoding))
    result = run("import", str(source))
    assert result.returncode == 0, result.stderr
    assert tomllib.loads(result.stdout)["sites"][0]["sip_servers"] == ["pool01.contoso.com"]
    assert "windows-xml" in result.stderr


def test_xml_refused_doctype_exits_2(tmp_path):
    source = tmp_path / "dhcp.xml"
    source.write_text(
        export(server_values=phone_values()).replace(
            "<DHCPServer>", '<!DOCTYPE d [<!ENTITY a "b">]><DHCPServer>', 1
        ),
        encoding="utf-8",
    )
    result = run("import", str(source))
    assert result.returncode == 2 and "refused" in result.stderr


def test_xml_option_120_with_two_fqdns_is_byte_identical():
    text = export(server_values=phone_values(TWO_120))
    site = import_text(text).imported.sites[0]
    assert site.option_120 == encode_sip_servers(["pool01.contoso.com", "pool02.contoso.com"])
    assert codes(text) == {}


CPE_CLASS = (
    "<Class><Name>OCS Phones VLAN</Name><Type>Vendor</Type>"
    "<Data>0x4350452D4F4350484F4E45</Data></Class>"  # CPE-OCPHONE
)
CPE_DEFINITION = (
    "<OptionDefinition><Name>VLANID</Name><OptionId>10</OptionId><Type>{kind}</Type>"
    "<VendorClass>OCS Phones VLAN</VendorClass></OptionDefinition>"
)


@pytest.mark.parametrize(
    ("kind", "item", "expected"),
    [
        ("Word", "100", {"vlan_id": 100}),
        ("BinaryData", "0x0064", {"vlan_id": 100}),
        ("BinaryData", "0x313030", {"vlan_id": 100, "vlan_id_format": "ascii"}),
    ],
)
def test_xml_cpe_ocphone_vlan_id_is_carried_to_the_site(kind, item, expected, tmp_path):
    text = export(
        server_values=phone_values() + value(10, item, vendor="OCS Phones VLAN"),
        classes=CPE_CLASS,
    ).replace("</OptionDefinitions>", CPE_DEFINITION.format(kind=kind) + "</OptionDefinitions>")
    result = import_text(text)
    assert not result.imported.partial, result.imported.findings
    site = config_of(text)["sites"][0]
    assert {key: site[key] for key in expected} == expected
    config = tmp_path / "ucdhcp.toml"
    config.write_text(result.toml("test"), encoding="utf-8")
    assert run("check", "-c", str(config)).returncode == 0


def test_xml_vlan_id_out_of_range_is_reported_not_carried():
    text = export(
        server_values=phone_values() + value(10, "0x1000", vendor="OCS Phones VLAN"),
        classes=CPE_CLASS,
    )
    assert codes(text) == {"vlan_not_carried": "warning"}
    assert "vlan_id" not in config_of(text)["sites"][0]
