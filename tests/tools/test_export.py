"""`ucdhcp export`: every format carries ucdhcp's exact bytes, matches its golden file, and is
accepted by the real server's own config check (Kea, dnsmasq, ISC dhcpd)."""

import subprocess

import pytest

from tests.network.actors import check_kea
from tests.programs import tool

from . import exported
from .tools import SITES, assert_golden, policy_bytes, run

FORMATS = ["netsh", "powershell", "isc-dhcpd", "kea", "dnsmasq", "cisco-ios"]
SUFFIX = {
    "netsh": "cmd",
    "powershell": "ps1",
    "isc-dhcpd": "conf",
    "kea": "json",
    "dnsmasq": "conf",
    "cisco-ios": "txt",
}
SUBNETS = {  # data/sites.toml
    "headquarters": ["10.1.2.0/24"],
    "branch": ["10.20.0.0/22", "10.21.0.0/24"],
    "emea": ["10.30.0.0/24"],
}


def export(fmt: str, *args: str) -> str:
    result = run("export", "--format", fmt, "-c", str(SITES), "--interface", "srv0", *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_matches_golden_file(fmt):
    assert_golden(f"export-{fmt}.{SUFFIX[fmt]}", export(fmt))


def expected_by_subnet() -> dict[str, tuple[bytes, bytes]]:
    served = policy_bytes()
    return {subnet: served[site] for site, subnets in SUBNETS.items() for subnet in subnets}


@pytest.mark.parametrize("fmt", ["isc-dhcpd", "kea", "dnsmasq", "cisco-ios"])
def test_export_carries_the_policy_bytes_for_every_subnet(fmt):
    read = getattr(exported, f"read_{fmt.replace('-', '_')}")
    found = read(export(fmt))
    expected = expected_by_subnet()
    if fmt == "isc-dhcpd":  # the default site also answers outside the listed subnets
        expected["server"] = policy_bytes()["headquarters"]
    assert found == expected


@pytest.mark.parametrize("fmt", ["netsh", "powershell"])
def test_windows_exports_carry_the_policy_bytes_per_scope(fmt):
    found = getattr(exported, f"read_{fmt}")(export(fmt))
    served = policy_bytes()
    expected = {None: served["headquarters"]}  # the default site: server-wide values
    for site, subnets in SUBNETS.items():
        for subnet in subnets:
            expected[subnet.split("/")[0]] = served[site]
    assert found == expected


def test_cisco_splits_option_43_longer_than_90_bytes_into_whole_suboptions():
    text = export("cisco-ios")
    emea_43 = policy_bytes()["emea"][1]
    assert len(emea_43) > 90
    line = next(
        line
        for line in text.splitlines()
        if line.startswith(" option 43 hex 010C") and len(line) > 200
    )
    strings = line.removeprefix(" option 43 hex ").split(" ")
    assert [bytes.fromhex(string)[0] for string in strings] == [1, 2, 3, 4, 5]
    # A value within the limit stays one string, as DHCPUtil prints it.
    assert f" option 43 hex {policy_bytes()['headquarters'][1].hex().upper()}" in text


def test_export_warns_about_options_it_leaves_out():
    result = run("export", "--format", "kea", "-c", str(SITES))
    assert "option 42 (ntp_servers) is not exported" in result.stderr
    assert "// warning: site emea: option 42 (ntp_servers)" in result.stdout


def test_shared_server_export_does_not_silence_other_clients():
    assert '"DROP"' not in export("kea", "--shared")
    assert "dhcp-ignore" not in export("dnsmasq", "--shared")
    assert "port=0" not in export("dnsmasq", "--shared")
    assert "authoritative" not in export("isc-dhcpd", "--shared")


def test_export_from_flags_uses_the_same_bytes():
    result = run(
        "export",
        "--format",
        "dnsmasq",
        "--sip-server",
        "pool01.contoso.com",
        "--subnet",
        "10.1.2.0/24",
    )
    assert exported.read_dnsmasq(result.stdout) == {"10.1.2.0/24": policy_bytes()["headquarters"]}


@pytest.mark.parametrize("fmt", ["kea", "dnsmasq", "cisco-ios"])
def test_formats_that_need_subnets_refuse_a_site_without(fmt):
    result = run("export", "--format", fmt, "--sip-server", "pool01.contoso.com")
    assert result.returncode == 2
    assert "--subnet" in result.stderr
    assert result.stderr.count("\n") == 1


def test_option_longer_than_255_bytes_is_refused():
    web_server = ".".join(["w" * 63] * 3)  # 191 characters: option 43 is 258 bytes
    result = run(
        "export",
        "--format",
        "netsh",
        "--sip-server",
        "pool01.contoso.com",
        "--web-server",
        web_server,
    )
    assert result.returncode == 2
    assert "longer than 255 bytes" in result.stderr


def test_export_help_explains_the_format_option():
    result = run("export", "--help")
    assert result.returncode == 0
    usage = " ".join(result.stdout.split())  # argparse wraps to the terminal width
    assert "-f FORMAT, --format FORMAT the DHCP server to write for: cisco-ios, dnsmasq," in usage
    assert "kea, netsh, powershell" in usage


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--sip-server", "pool01"], "--sip-server: 'pool01' is not fully qualified"),
        (["--sip-server", "a.b.com", "--subnet", "10.1.2.0/33"], "--subnet: "),
        (["-c", "/nonexistent.toml"], "/nonexistent.toml: cannot read"),
    ],
)
def test_export_bad_input_is_one_line_error(args, message):
    result = run("export", "--format", "kea", *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stderr.count("\n") == 1


# --- the real servers' own checks ---------------------------------------------------------


@pytest.mark.needs_root
def test_kea_accepts_the_export_where_its_interface_exists(lab, tmp_path):
    server = lab.host("srv")
    lab.link(server, "srv0", "10.1.2.10/24", lab.host("ph"), "ph0", "10.1.2.50/24")
    config = tmp_path / "kea.json"
    config.write_text(export("kea"), encoding="utf-8")
    result = check_kea(lab, server, config, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.needs_root
def test_dnsmasq_accepts_the_export(tmp_path):
    dnsmasq = tool("dnsmasq")
    config = tmp_path / "dnsmasq.conf"
    config.write_text(export("dnsmasq"), encoding="utf-8")
    result = subprocess_run([dnsmasq, "--test", "-C", str(config)])
    assert result.returncode == 0, result.stderr
    assert "syntax check OK" in result.stderr + result.stdout


@pytest.mark.needs_root
def test_isc_dhcpd_accepts_the_export(tmp_path):
    dhcpd = tool("dhcpd")
    config = tmp_path / "dhcpd.conf"
    config.write_text(export("isc-dhcpd"), encoding="utf-8")
    result = subprocess_run([dhcpd, "-t", "-cf", str(config)])
    assert result.returncode == 0, result.stderr


def subprocess_run(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=30, check=False)


@pytest.mark.needs_root
def test_several_vendor_classes_with_prefix_matching_are_accepted_by_the_servers(lab, tmp_path):
    config = tmp_path / "classes.toml"
    config.write_text(
        SITES.read_text(encoding="utf-8").replace(
            'default_site = "headquarters"',
            'default_site = "headquarters"\n'
            '[replies]\nvendor_class_match = "prefix"\n'
            '[vendor_classes]\n"MS-UC-Client" = "ms-uc-client"\n"UC-Lab" = "ms-uc-client"\n',
        ),
        encoding="utf-8",
    )
    outputs = {}
    for fmt in ("kea", "dnsmasq", "isc-dhcpd", "netsh"):
        result = run("export", "--format", fmt, "-c", str(config))
        assert result.returncode == 0, result.stderr
        outputs[fmt] = result.stdout
        (tmp_path / f"{fmt}.conf").write_text(result.stdout, encoding="utf-8")
    assert "substring(option[60].hex,0,6) == 0x55432D4C6162" in outputs["kea"]
    assert "dhcp-match=set:ucdhcp-phone,60,55:43:2d:4c:61:62" in outputs["dnsmasq"]
    assert (
        "substring(option vendor-class-identifier, 0, 6) = 55:43:2d:4c:61:62"
        in outputs["isc-dhcpd"]
    )
    assert 'add class MSUCClient2 "UC Vendor Class Id" "UC-Lab" 1' in outputs["netsh"]
    server = lab.host("srv")
    kea = check_kea(lab, server, tmp_path / "kea.conf", tmp_path)
    assert kea.returncode == 0, kea.stdout + kea.stderr
    assert (
        subprocess_run([tool("dnsmasq"), "--test", "-C", str(tmp_path / "dnsmasq.conf")]).returncode
        == 0
    )
    assert (
        subprocess_run([tool("dhcpd"), "-t", "-cf", str(tmp_path / "isc-dhcpd.conf")]).returncode
        == 0
    )
