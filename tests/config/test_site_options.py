"""What a valid site's settings encode to: option 120, option 43 and the time servers."""

import ipaddress
from typing import Any

import pytest

from tests.dhcp.golden import (
    CERT_PATH,
    OPTION_43_EXAMPLE_COM,
    OPTION_43_POOL01,
    OPTION_43_SERVER_FQDN,
    OPTION_120_EXAMPLE_COM,
    OPTION_120_POOL01,
    OPTION_120_SERVER_FQDN,
    option_43,
)
from tests.dhcp.request import tlv
from ucdhcp.config.errors import ConfigError
from ucdhcp.config.loading import build_policy, parse_config
from ucdhcp.core.policy import Profile
from ucdhcp.wire.options import SipServerEncoding


def uc_options(**site: Any) -> dict[int, bytes]:
    """The MS-UC-Client options of a one-site config built from keyword settings."""
    document: dict[str, object] = {
        "sites": [{"name": "headquarters", "subnets": ["10.1.2.0/24"], **site}]
    }
    policy = build_policy(parse_config(document, "test.toml"), "test.toml")
    return dict(policy.sites[0].options[Profile.MS_UC_CLIENT])


@pytest.mark.parametrize(
    ("sip_server", "option_120", "option_43_data"),
    [
        ("pool01.contoso.com", OPTION_120_POOL01, OPTION_43_POOL01),
        ("server.fqdn.company.com", OPTION_120_SERVER_FQDN, OPTION_43_SERVER_FQDN),
        ("example.com", OPTION_120_EXAMPLE_COM, OPTION_43_EXAMPLE_COM),
    ],
)
def test_single_sip_server_encodes_to_dhcputil_output(
    sip_server: str, option_120: bytes, option_43_data: bytes
) -> None:
    assert uc_options(sip_servers=[sip_server]) == {
        120: tlv(120, option_120),
        43: tlv(43, option_43_data),
    }


def test_trailing_dot_on_sip_server_gives_the_same_bytes() -> None:
    options = uc_options(sip_servers=["pool01.contoso.com."])
    assert options[120] == tlv(120, OPTION_120_POOL01)
    assert options[43] == tlv(43, OPTION_43_POOL01)


def test_web_server_defaults_to_first_sip_server_like_dhcputil() -> None:
    options = uc_options(sip_servers=["sba-oslo.contoso.com", "pool01.contoso.com"])
    assert options[43] == tlv(43, option_43("sba-oslo.contoso.com", path=CERT_PATH))
    assert options[120] == tlv(
        120, b"\x00\x08sba-oslo\x07contoso\x03com\x00\x06pool01\x07contoso\x03com\x00"
    )


def test_explicit_web_server_scheme_port_and_path_go_into_option_43() -> None:
    options = uc_options(
        sip_servers=["pool01.contoso.com"],
        web_server="webint.contoso.com",
        scheme="http",
        port=8080,
        cert_provisioning_path="/CertProv/x.svc",
    )
    expected = option_43("webint.contoso.com", scheme="http", port="8080", path="/CertProv/x.svc")
    assert options[43] == tlv(43, expected)
    assert options[120] == tlv(120, OPTION_120_POOL01)


@pytest.mark.parametrize(
    ("url", "option_43_data"),
    [
        (
            "https://webint.contoso.com:4443/CertProv/x.svc",
            option_43("webint.contoso.com", port="4443", path="/CertProv/x.svc"),
        ),
        (
            "https://webint.contoso.com/CertProv/CertProvisioningService.svc",
            option_43("webint.contoso.com", port="443", path=CERT_PATH),
        ),
        (
            "http://webint.contoso.com/CertProv/x.svc",
            option_43("webint.contoso.com", scheme="http", port="80", path="/CertProv/x.svc"),
        ),
        (
            "https://pool01.contoso.com:443/CertProv/CertProvisioningService.svc",
            OPTION_43_POOL01,
        ),
    ],
)
def test_cert_provisioning_url_fills_scheme_web_server_port_and_path(
    url: str, option_43_data: bytes
) -> None:
    options = uc_options(sip_servers=["pool01.contoso.com"], cert_provisioning_url=url)
    assert options[43] == tlv(43, option_43_data)


def test_cert_provisioning_url_equals_the_same_fields_given_one_by_one() -> None:
    shortcut = uc_options(
        sip_servers=["pool01.contoso.com"],
        cert_provisioning_url="https://webint.contoso.com:4443/CertProv/x.svc",
    )
    explicit = uc_options(
        sip_servers=["pool01.contoso.com"],
        web_server="webint.contoso.com",
        port=4443,
        cert_provisioning_path="/CertProv/x.svc",
    )
    assert shortcut == explicit


def test_ipv4_sip_servers_are_accepted_with_opt_in_and_web_server() -> None:
    options = uc_options(
        sip_servers=["10.1.2.5", "10.1.3.5"],
        sip_server_encoding="ipv4",
        web_server="pool01.contoso.com",
    )
    # 120 len 9 | encoding 1 (RFC 3361 §3.2) | 10.1.2.5 | 10.1.3.5
    assert options[120] == bytes.fromhex("78 09 01 0a010205 0a010305")
    assert options[120][2] == 0x01
    assert options[43] == tlv(43, OPTION_43_POOL01)


def test_ipv4_sip_servers_with_url_shortcut_need_no_web_server() -> None:
    options = uc_options(
        sip_servers=["10.1.2.5"],
        sip_server_encoding="ipv4",
        cert_provisioning_url="https://pool01.contoso.com/CertProv/CertProvisioningService.svc",
    )
    assert options[120] == bytes.fromhex("78 05 01 0a010205")
    assert options[43] == tlv(43, OPTION_43_POOL01)


def test_ntp_and_time_servers_become_options_42_and_4() -> None:
    options = uc_options(
        sip_servers=["pool01.contoso.com"],
        ntp_servers=["10.1.2.1", "10.1.2.2"],
        time_servers=["10.1.2.3"],
    )
    assert options[42] == bytes.fromhex("2a 08 0a010201 0a010202")
    assert options[4] == bytes.fromhex("04 04 0a010203")


def test_label_of_exactly_63_characters_is_accepted() -> None:
    label = "a" * 63
    options = uc_options(sip_servers=[f"{label}.contoso.com"])
    assert options[120] == tlv(120, b"\x00\x3f" + label.encode() + b"\x07contoso\x03com\x00")


def test_default_site_is_resolved_to_the_named_site() -> None:
    document: dict[str, object] = {
        "default_site": "branch",
        "sites": [
            {"name": "headquarters", "sip_servers": ["pool01.contoso.com"]},
            {"name": "branch", "sip_servers": ["sba.contoso.com"]},
        ],
    }
    policy = build_policy(parse_config(document))
    assert policy.default_site is policy.sites[1]


def test_same_subnet_listed_twice_in_one_site_is_not_an_overlap() -> None:
    options = uc_options(sip_servers=["pool01.contoso.com"], subnets=["10.1.2.0/24", "10.1.2.0/25"])
    assert options[120] == tlv(120, OPTION_120_POOL01)


@pytest.mark.parametrize("code", [4, 42, 43, 50, 51, 52, 53, 54, 55, 57, 58, 59, 61, 82, 120])
def test_site_extra_option_cannot_put_a_lease_or_owned_option_in_a_reply(code: int) -> None:
    # RFC 2131 Table 3: 50, 51, 55, 57, 58, 59 MUST NOT be in a DHCPACK to an INFORM; 52 would
    # misdescribe the reply; 53, 54, 61 and 82 are the responder's own (wire.reply.NEVER_SENT),
    # 4, 42, 43 and 120 come from the site's own keys. Refused once, here: the policy trusts
    # the typed SiteSpec it is given.
    option = {"code": code, "hex": "00000e10"}
    site = {"name": "hq", "sip_servers": ["pool01.contoso.com"], "options": [option]}
    document: dict[str, object] = {"sites": [site]}
    with pytest.raises(ConfigError) as raised:
        parse_config(document, "test.toml")
    [(where, why)] = raised.value.problems
    assert where == "sites[0].options[0]"
    assert "managed by ucdhcp" in why


def test_site_spec_hands_the_policy_typed_values() -> None:
    document: dict[str, object] = {
        "sites": [
            {
                "name": "hq",
                "subnets": ["10.1.2.0/24"],
                "sip_servers": ["10.1.2.5"],
                "sip_server_encoding": "ipv4",
                "cert_provisioning_url": "https://pool01.contoso.com:4443/CertProv/x.svc",
                "ntp_servers": ["10.1.2.1"],
            }
        ]
    }
    spec = parse_config(document, "test.toml").sites[0].spec()
    assert spec.subnets == (ipaddress.IPv4Network("10.1.2.0/24"),)
    assert spec.sip_servers == (ipaddress.IPv4Address("10.1.2.5"),)
    assert spec.sip_server_encoding is SipServerEncoding.IPV4
    assert spec.ntp_servers == (ipaddress.IPv4Address("10.1.2.1"),)
    assert spec.cert_provisioning.url == "https://pool01.contoso.com:4443/CertProv/x.svc"
