"""`ucdhcp import` of a Windows DHCP server as netsh shows it: the inputs are built from the
documented formats (`netsh dhcp server dump`, `show optionvalue`, DHCPConfigScript.bat's
commands), and each case gives the config and report a person would expect."""

import json
import tomllib

from ucdhcp.tools.importers import import_text

from .importing import (
    POOL_120,
    SUBOPTIONS,
    TWO_120,
    assert_nul_trimmed_and_reported,
    codes,
    config_of,
)
from .tools import run


def dump_values(prefix: str, vendor: str, values: dict[int, bytes]) -> list[str]:
    return [
        f'{prefix} set optionvalue {code} BINARY vendor="{vendor}" "{value.hex().upper()}"'
        for code, value in values.items()
    ]


# A `netsh dhcp server dump`: a vendor class whose name is not its data (hex in a dump), a
# scope with two FQDNs, a scope with no phone options, another vendor class's option.
DUMP = "\n".join(
    [
        "# ============================================================",
        "#  Dhcp Server configuration",
        "# ============================================================",
        r'Dhcp Server \\dhcp01 add class "UC Phones" "Lync phones" 4D532D55432D436C69656E74 1 b',
        r'Dhcp Server \\dhcp01 add class "Polycom" "SoundPoint" 506F6C79636F6D 1 b',
        r'Dhcp Server \\dhcp01 add optiondef 120 "UCSipServer" BINARY 0 comment="Sip Server Fqdn"',
        r'Dhcp Server \\dhcp01 add scope 10.1.2.0 255.255.255.0 "Phones" ""',
        r'Dhcp Server \\dhcp01 add scope 10.9.0.0 255.255.0.0 "Laptops" ""',
        rf'Dhcp Server \\dhcp01 Scope 10.1.2.0 set optionvalue 120 BINARY "{TWO_120}"',
        *dump_values(r"Dhcp Server \\dhcp01 Scope 10.1.2.0", "UC Phones", SUBOPTIONS),
        r'Dhcp Server \\dhcp01 Scope 10.9.0.0 set optionvalue 3 IPADDRESS "10.9.0.1"',
        r'Dhcp Server \\dhcp01 Scope 10.1.2.0 set optionvalue 160 STRING vendor="Polycom" "x"',
    ]
)


def test_dump_vendor_class_is_matched_by_its_data_not_its_name():
    config = config_of(DUMP)
    assert config["sites"] == [
        {
            "name": "net-10-1-2-0-24",
            "subnets": ["10.1.2.0/24"],
            "sip_servers": ["pool01.contoso.com", "pool02.contoso.com"],
        }
    ]
    assert "default_site" not in config


def test_dump_reports_the_scope_without_phone_options_and_the_other_vendor_class():
    found = codes(DUMP)
    assert found["no_phone_options"] == "note"
    assert found["other_vendor_class"] == "warning"
    assert "bytes_differ" not in found


def test_dump_with_another_vendor_class_is_partial_exit_1(tmp_path):
    source = tmp_path / "dump.txt"
    source.write_text(DUMP, encoding="utf-8")
    result = run("import", str(source))
    assert result.returncode == 1
    assert "other_vendor_class" in result.stderr
    assert tomllib.loads(result.stdout)["sites"][0]["subnets"] == ["10.1.2.0/24"]


# `netsh dhcp server show optionvalue` as pasted: server-level values only, and the
# "DHCP Standard Options" header missing before option 120.
SHOW = "\n".join(
    [
        "",
        "Options for Server :",
        "",
        "\tFor vendor class [MSUCClient]:",
        "\t For user class [Default User Class]:",
        *[
            line
            for code, value in SUBOPTIONS.items()
            for line in (
                f"\tOptionId : {code} ",
                "\tOption Value: ",
                "\t\tNumber of Option Elements = 1",
                "\t\tOption Element Type = BINARY",
                f"\t\tOption Element Value = {value.hex().upper()}",
            )
        ],
        "\tOptionId : 120 ",
        "\tOption Value: ",
        "\t\tNumber of Option Elements = 1",
        "\t\tOption Element Type = BINARY",
        f"\t\tOption Element Value = {POOL_120}",
        "Command completed successfully.",
    ]
)


def test_server_level_values_only_make_the_default_site():
    config = config_of(SHOW)
    assert config == {
        "default_site": "server",
        "sites": [{"name": "server", "sip_servers": ["pool01.contoso.com"]}],
    }


def test_missing_section_header_is_noted_and_does_not_break_the_parse(tmp_path):
    found = codes(SHOW)
    assert found == {"class_not_shown": "note", "section_header_missing": "note"}
    source = tmp_path / "show.txt"
    source.write_text(SHOW, encoding="utf-8")
    assert run("import", str(source)).returncode == 0


def test_scope_values_override_the_server_level_ones():
    text = "\n".join(
        [
            'netsh dhcp server add class MSUCClient "UC Vendor Class Id" "MS-UC-Client" 1',
            f"netsh dhcp server set optionvalue 120 Binary {POOL_120}",
            *[
                f"netsh dhcp server set optionvalue {code} Binary vendor=MSUCClient {v.hex()}"
                for code, v in SUBOPTIONS.items()
            ],
            "netsh dhcp server add scope 10.1.2.0 255.255.255.0 Phones",
            f"netsh dhcp server scope 10.1.2.0 set optionvalue 120 Binary {TWO_120}",
            "netsh dhcp server add scope 10.1.3.0 255.255.255.0 Inherits",
        ]
    )
    sites = config_of(text)["sites"]
    assert [(s["name"], s.get("subnets"), s["sip_servers"]) for s in sites] == [
        ("server", ["10.1.3.0/24"], ["pool01.contoso.com"]),
        ("net-10-1-2-0-24", ["10.1.2.0/24"], ["pool01.contoso.com", "pool02.contoso.com"]),
    ]
    # the scope's own 120 with the server's sub-options: web server stays pool01
    assert "web_server" not in sites[1]


def test_plain_text_option_120_is_carried_as_the_name_and_reported():
    text = 'netsh dhcp server set optionvalue 120 STRING "pool01.contoso.com"'
    config = config_of(text)
    assert config["sites"][0]["sip_servers"] == ["pool01.contoso.com"]
    found = import_text(text).imported
    assert {f.code for f in found.findings} >= {"plain_text_120", "no_option_43"}
    assert found.partial


def test_trailing_nul_is_trimmed_and_the_changed_bytes_reported():
    with_nul = {**SUBOPTIONS, 3: b"pool01.contoso.com\x00"}
    text = "\n".join(
        [
            f"netsh dhcp server set optionvalue 120 Binary {POOL_120}",
            *[
                f"netsh dhcp server set optionvalue {code} Binary vendor=MSUCClient {v.hex()}"
                for code, v in with_nul.items()
            ],
        ]
    )
    assert_nul_trimmed_and_reported(text)


def test_unreadable_input_exits_2(tmp_path):
    source = tmp_path / "notes.txt"
    source.write_text("just some notes\n", encoding="utf-8")
    result = run("import", str(source))
    assert result.returncode == 2
    assert "format not recognised" in result.stderr
    assert run("import", str(tmp_path / "missing.txt")).returncode == 2


def test_json_report_lists_sites_findings_and_the_config(tmp_path):
    source = tmp_path / "dump.txt"
    source.write_text(DUMP, encoding="utf-8")
    output = tmp_path / "ucdhcp.toml"
    result = run("import", str(source), "--json", "-o", str(output))
    report = json.loads(result.stdout)
    assert report["format"] == "netsh" and report["partial"] is True
    assert report["sites"][0]["option_120"] == TWO_120
    assert {f["code"] for f in report["findings"]} >= {"other_vendor_class"}
    assert tomllib.loads(output.read_text(encoding="utf-8")) == tomllib.loads(report["config"])
    assert run("check", "-c", str(output)).returncode == 0


def test_cpe_ocphone_vlan_id_and_ntp_servers_are_carried():
    text = "\n".join(
        [
            f"netsh dhcp server set optionvalue 120 Binary {POOL_120}",
            *[
                f"netsh dhcp server set optionvalue {code} Binary vendor=MSUCClient {v.hex()}"
                for code, v in SUBOPTIONS.items()
            ],
            "netsh dhcp server set optionvalue 10 WORD vendor=CPE-OCPHONE 200",
            "netsh dhcp server set optionvalue 42 IPADDRESS 10.0.0.5 10.0.0.6",
        ]
    )
    site = config_of(text)["sites"][0]
    assert (site["vlan_id"], site["ntp_servers"]) == (200, ["10.0.0.5", "10.0.0.6"])
    assert "vlan_id_format" not in site
    assert codes(text) == {"class_not_shown": "note"}
