"""`ucdhcp options`: DHCPUtil's report for protocol.md's example pools, lints, bad input."""

import json
from pathlib import Path

import pytest

from .tools import (
    POOL01_43,
    POOL01_120,
    SERVER_FQDN_43,
    SERVER_FQDN_120,
    SITES,
    assert_golden,
    run,
)


@pytest.mark.parametrize(
    ("fqdn", "golden", "option_120", "option_43"),
    [
        ("pool01.contoso.com", "options-pool01.txt", POOL01_120, POOL01_43),
        ("server.fqdn.company.com", "options-server-fqdn.txt", SERVER_FQDN_120, SERVER_FQDN_43),
    ],
)
def test_options_prints_dhcputil_values(fqdn, golden, option_120, option_43):
    result = run("options", "--sip-server", fqdn)
    assert result.returncode == 0, result.stderr
    assert f"Option 120: {option_120}\n" in result.stdout
    assert f"Option 43: {option_43}\n" in result.stdout
    assert_golden(golden, result.stdout)


def test_options_json_carries_the_same_bytes_and_lengths():
    result = run("options", "--sip-server", "server.fqdn.company.com", "--json")
    assert result.returncode == 0, result.stderr
    site = json.loads(result.stdout)["sites"][0]
    assert site["option_120"] == {"hex": SERVER_FQDN_120, "length": 26}
    assert site["option_43"]["hex"] == SERVER_FQDN_43
    assert site["option_43"]["length"] == 90
    assert [sub["text"] for sub in site["option_43"]["suboptions"]] == [
        "MS-UC-Client",
        "https",
        "server.fqdn.company.com",
        "443",
        "/CertProv/CertProvisioningService.svc",
    ]
    assert site["url"] == "https://server.fqdn.company.com:443/CertProv/CertProvisioningService.svc"
    assert site["lints"] == []  # 90 bytes is exactly what Cisco IOS keeps


def lint_codes(*args: str) -> list[str]:
    result = run("options", *args, "--json")
    assert result.returncode == 0, result.stderr
    return [lint["code"] for site in json.loads(result.stdout)["sites"] for lint in site["lints"]]


def test_option_43_longer_than_90_bytes_warns_about_cisco_truncation():
    # A 24-character web FQDN makes option 43 91 bytes: one more than IOS keeps.
    pool = ("--sip-server", "pool01.contoso.com")
    assert lint_codes(*pool, "--web-server", "lyncweb-001.contoso.com") == []
    assert lint_codes(*pool, "--web-server", "lync-web-001.contoso.com") == ["cisco_truncation"]


@pytest.mark.parametrize(
    ("flags", "code"),
    [
        (["--scheme", "http"], "nonstandard_scheme"),
        (["--port", "4443"], "nonstandard_port"),
        (["--path", "/CertProv/Other.svc"], "nonstandard_path"),
        (["--sip-domain", "fabrikam.com"], "fqdn_outside_sip_domain"),
        (["--web-server", "web.fabrikam.com"], "web_server_domain_differs"),
    ],
)
def test_nonstandard_values_are_linted(flags, code):
    assert code in lint_codes("--sip-server", "pool01.contoso.com", *flags)


def test_values_in_the_sip_domain_are_not_linted():
    assert lint_codes("--sip-server", "pool01.contoso.com", "--sip-domain", "contoso.com") == []


def test_text_output_shows_lint_lines():
    result = run("options", "--sip-server", "pool01.contoso.com", "--port", "4443")
    assert "warning: web server port 4443" in result.stdout
    assert "[nonstandard_port]" in result.stdout


def test_options_from_config_prints_every_site_with_its_name():
    result = run("options", "-c", str(SITES))
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("Site: ") == 3
    assert (
        "Site: headquarters (default site)\nSip Server FQDN: pool01.contoso.com\n" in result.stdout
    )
    assert f"Option 120: {POOL01_120}" in result.stdout


def test_options_site_selects_one_site():
    result = run("options", "-c", str(SITES), "--site", "branch", "--json")
    sites = json.loads(result.stdout)["sites"]
    assert [site["site"] for site in sites] == ["branch"]
    assert sites[0]["option_43"]["hex"] == SERVER_FQDN_43


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--sip-server", "pool01"], "--sip-server: 'pool01' is not fully qualified"),
        (["--sip-server", "pool_01.contoso.com"], "--sip-server: 'pool_01.contoso.com': label"),
        (["--sip-server", "a.b.com", "--web-server=x-.com"], "--web-server: 'x-.com'"),
        (["--sip-server", "a.b.com", "--port", "0"], "--port: "),
        (["-c", "/nonexistent/ucdhcp.toml"], "/nonexistent/ucdhcp.toml: cannot read"),
        (["-c", str(SITES), "--site", "nowhere"], "no site named 'nowhere'"),
        ([], "give --sip-server FQDN or -c FILE"),
    ],
)
def test_bad_input_is_one_line_error_and_exit_2(args, message):
    result = run("options", *args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("ucdhcp options: ")
    assert message in result.stderr
    assert result.stderr.count("\n") == 1


def test_invalid_config_names_the_field(tmp_path: Path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[[sites]]\nname = "x"\nsip_servers = ["pool01"]\n', encoding="utf-8")
    result = run("options", "-c", str(bad))
    assert result.returncode == 2
    assert f"{bad}: sites[0].sip_servers[0]: 'pool01' is not fully qualified" in result.stderr
    assert result.stderr.count("\n") == 1
