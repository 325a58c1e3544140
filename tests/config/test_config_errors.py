"""Bad configuration files are refused with the file name, the field path and a reason."""

from dataclasses import dataclass
from pathlib import Path

import pytest

from ucdhcp.config.errors import ConfigError
from ucdhcp.config.loading import load_policy

LONG_LABEL = "a" * 64
LONG_NAME = ".".join(["a" * 50] * 5) + ".com"  # 258 characters, every label legal


def site(
    name: str = "headquarters",
    *,
    subnets: str = '["10.1.2.0/24"]',
    sip_servers: str = '["pool01.contoso.com"]',
    extra: str = "",
) -> str:
    """One [[sites]] table; `extra` adds raw TOML lines to it."""
    return (
        f'[[sites]]\nname = "{name}"\nsubnets = {subnets}\nsip_servers = {sip_servers}\n{extra}\n'
    )


@dataclass(frozen=True)
class Bad:
    toml: str
    field: str | None  # the field path in the message; None for cross-field checks
    reason: str


BAD_CONFIGS = {
    "single_label_fqdn": Bad(
        site(sip_servers='["pool01"]'), "sites[0].sip_servers[0]", "not fully qualified"
    ),
    "label_longer_than_63": Bad(
        site(sip_servers=f'["{LONG_LABEL}.contoso.com"]'), "sites[0].sip_servers[0]", "1-63"
    ),
    "name_longer_than_253": Bad(
        site(sip_servers=f'["{LONG_NAME}"]'), "sites[0].sip_servers[0]", "longer than 253"
    ),
    "underscore_in_sip_server": Bad(
        site(sip_servers='["pool_01.contoso.com"]'), "sites[0].sip_servers[0]", "'pool_01'"
    ),
    "space_in_sip_server": Bad(
        site(sip_servers='["pool 01.contoso.com"]'), "sites[0].sip_servers[0]", "'pool 01'"
    ),
    "non_ascii_in_sip_server": Bad(
        site(sip_servers='["pööl.contoso.com"]'), "sites[0].sip_servers[0]", "'pööl'"
    ),
    "leading_hyphen_in_label": Bad(
        site(sip_servers='["-pool.contoso.com"]'), "sites[0].sip_servers[0]", "hyphen"
    ),
    "second_sip_server_invalid": Bad(
        site(sip_servers='["pool01.contoso.com", "bad_name.contoso.com"]'),
        "sites[0].sip_servers[1]",
        "'bad_name'",
    ),
    "empty_sip_servers": Bad(site(sip_servers="[]"), "sites[0].sip_servers", "at least 1"),
    "missing_sip_servers": Bad(
        '[[sites]]\nname = "headquarters"\n', "sites[0].sip_servers", "Field required"
    ),
    "invalid_web_server": Bad(
        site(extra='web_server = "web_01.contoso.com"'), "sites[0].web_server", "'web_01'"
    ),
    "site_port_0": Bad(site(extra="port = 0"), "sites[0].port", "greater than or equal to 1"),
    "site_port_65536": Bad(
        site(extra="port = 65536"), "sites[0].port", "less than or equal to 65535"
    ),
    "second_site_port_0": Bad(
        site() + site("branch", subnets='["10.20.0.0/22"]', extra="port = 0"),
        "sites[1].port",
        "greater than or equal to 1",
    ),
    "server_port_65536": Bad(
        "[server]\nport = 65536\n" + site(), "server.port", "less than or equal to 65535"
    ),
    "server_port_negative": Bad(
        "[server]\nport = -1\n" + site(), "server.port", "greater than or equal to 0"
    ),
    "server_address_not_ipv4": Bad(
        '[server]\naddress = "eth0"\n' + site(), "server.address", "IPv4 address"
    ),
    "path_without_leading_slash": Bad(
        site(extra='cert_provisioning_path = "CertProv/CertProvisioningService.svc"'),
        "sites[0].cert_provisioning_path",
        "must start with '/'",
    ),
    "path_with_space": Bad(
        site(extra='cert_provisioning_path = "/Cert Prov/x.svc"'),
        "sites[0].cert_provisioning_path",
        "printable ASCII",
    ),
    "scheme_over_255_bytes": Bad(
        site(extra=f'scheme = "{"h" * 256}"'), "sites[0].scheme", "256 bytes long"
    ),
    "path_over_255_bytes": Bad(
        site(extra=f'cert_provisioning_path = "/{"p" * 255}"'),
        "sites[0].cert_provisioning_path",
        "256 bytes long",
    ),
    "url_scheme_over_255_bytes": Bad(
        site(extra=f'cert_provisioning_url = "{"h" * 256}://web.contoso.com/x"'),
        "sites[0].cert_provisioning_url",
        "sub-option 2 holds at most 255",
    ),
    "vlan_id_0": Bad(site(extra="vlan_id = 0"), "sites[0].vlan_id", "greater than or equal to 1"),
    "vlan_id_4095": Bad(
        site(extra="vlan_id = 4095"), "sites[0].vlan_id", "less than or equal to 4094"
    ),
    "subnet_with_host_bits": Bad(
        site(subnets='["10.1.2.5/24"]'), "sites[0].subnets[0]", "IPv4 network"
    ),
    "overlapping_subnets_between_sites": Bad(
        site(subnets='["10.0.0.0/8"]') + site("branch", subnets='["10.20.0.0/22"]'),
        "sites",
        "subnet 10.0.0.0/8 of site 'headquarters' overlaps 10.20.0.0/22 of site 'branch'",
    ),
    "duplicate_site_names": Bad(
        site() + site(subnets='["10.20.0.0/22"]'),
        "sites",
        "site names must be unique: headquarters",
    ),
    "unknown_default_site": Bad(
        'default_site = "elsewhere"\n' + site(),
        "default_site",
        "'elsewhere' is not the name of a site",
    ),
    "no_sites": Bad("sites = []\n", "sites", "at least 1 item"),
    "bad_site_name": Bad(site("head quarters"), "sites[0].name", "pattern"),
    "unknown_top_level_key": Bad("colour = 1\n" + site(), "colour", "Extra inputs"),
    "unknown_server_key": Bad("[server]\nprot = 67\n" + site(), "server.prot", "Extra inputs"),
    "unknown_replies_key": Bad(
        "[replies]\nalways = true\n" + site(), "replies.always", "Extra inputs"
    ),
    "unknown_logging_key": Bad(
        "[logging]\nverbose = true\n" + site(), "logging.verbose", "Extra inputs"
    ),
    "unknown_site_key": Bad(site(extra="sip_port = 5061"), "sites[0].sip_port", "Extra inputs"),
    "unknown_key_in_second_site": Bad(
        site() + site("branch", subnets='["10.20.0.0/22"]', extra='pool = "x"'),
        "sites[1].pool",
        "Extra inputs",
    ),
    "unknown_key_in_extra_option": Bad(
        site(extra='[[sites.options]]\ncode = 66\ntext = "tftp"\nbase64 = "x"'),
        "sites[0].options[0].base64",
        "Extra inputs",
    ),
    "extra_option_owned_by_ucdhcp": Bad(
        site(extra='[[sites.options]]\ncode = 43\nhex = "0102"'),
        "sites[0].options[0]",
        "managed by ucdhcp",
    ),
    "unknown_vendor_class_profile": Bad(
        '[vendor_classes]\n"Polycom" = "polycom"\n' + site(),
        "vendor_classes.Polycom",
        "'ms-uc-client' or 'cpe-ocphone'",
    ),
    "ip_address_as_sip_server_without_opt_in": Bad(
        site(sip_servers='["10.1.2.5"]'), "sites[0].sip_servers[0]", "is an address, not an FQDN"
    ),
    "fqdn_with_ipv4_encoding": Bad(
        site(
            sip_servers='["pool01.contoso.com"]',
            extra='sip_server_encoding = "ipv4"\nweb_server = "pool01.contoso.com"',
        ),
        "sites[0].sip_servers[0]",
        "4 octets",
    ),
    "ipv4_encoding_without_web_server": Bad(
        site(sip_servers='["10.1.2.5"]', extra='sip_server_encoding = "ipv4"'),
        "sites[0].web_server",
        "required",
    ),
    "url_shortcut_and_explicit_web_server": Bad(
        site(
            extra='cert_provisioning_url = "https://webint.contoso.com/CertProv/x.svc"\n'
            'web_server = "webint.contoso.com"'
        ),
        "sites[0]",
        "cert_provisioning_url replaces web_server",
    ),
    "url_shortcut_and_explicit_port": Bad(
        site(extra='cert_provisioning_url = "https://webint.contoso.com/x"\nport = 443'),
        "sites[0]",
        "cert_provisioning_url replaces port",
    ),
    "url_shortcut_without_scheme": Bad(
        site(extra='cert_provisioning_url = "webint.contoso.com/CertProv/x.svc"'),
        "sites[0].cert_provisioning_url",
        "must look like https://fqdn:443/path",
    ),
    "url_shortcut_with_single_label_host": Bad(
        site(extra='cert_provisioning_url = "https://webint/CertProv/x.svc"'),
        "sites[0].cert_provisioning_url",
        "not fully qualified",
    ),
    "url_shortcut_with_port_0": Bad(
        site(extra='cert_provisioning_url = "https://webint.contoso.com:0/x.svc"'),
        "sites[0].cert_provisioning_url",
        "port",
    ),
    "options_too_large_for_576_byte_reply": Bad(
        site(
            sip_servers="["
            + ", ".join(f'"{label}.{LONG_LABEL[:60]}.{LONG_LABEL[:60]}.com"' for label in "abc")
            + "]"
        ),
        "sites[0]",
        "a reply in a 576-byte datagram has room for",
    ),
    "too_many_ntp_servers_for_576_byte_reply": Bad(
        site(extra="ntp_servers = [" + ", ".join(f'"10.1.2.{n}"' for n in range(1, 70)) + "]"),
        "sites[0]",
        "a reply in a 576-byte datagram has room for",
    ),
}


@pytest.mark.parametrize("bad", BAD_CONFIGS.values(), ids=BAD_CONFIGS.keys())
def test_bad_config_is_rejected_naming_file_field_and_reason(bad: Bad, tmp_path: Path) -> None:
    path = tmp_path / "ucdhcp.toml"
    path.write_text(bad.toml, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_policy(path)
    lines = str(caught.value).splitlines()
    prefix = f"{path}: " if bad.field is None else f"{path}: {bad.field}: "
    assert any(line.startswith(prefix) and bad.reason in line for line in lines), lines
    assert all(line.startswith(f"{path}: ") for line in lines), lines


def test_every_problem_in_a_file_is_reported_on_its_own_line(tmp_path: Path) -> None:
    path = tmp_path / "two-problems.toml"
    path.write_text("[server]\nport = 70000\n" + site(extra="vlan_id = 5000"), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_policy(path)
    assert [where for where, _ in caught.value.problems] == ["server.port", "sites[0].vlan_id"]
    lines = str(caught.value).splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{path}: server.port: ")
    assert lines[1].startswith(f"{path}: sites[0].vlan_id: ")


def test_invalid_toml_syntax_is_rejected_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "syntax.toml"
    path.write_text('[[sites]]\nname = "headquarters\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_policy(path)
    assert str(caught.value).startswith(f"{path}: not valid TOML: ")


def test_file_that_is_not_utf8_is_rejected_as_invalid_toml(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes(site(sip_servers='["p\xf6\xf6l.contoso.com"]').encode("latin-1"))
    with pytest.raises(ConfigError) as caught:
        load_policy(path)
    assert str(caught.value).startswith(f"{path}: not valid TOML: ")


def test_missing_file_is_rejected_saying_it_cannot_be_read(tmp_path: Path) -> None:
    path = tmp_path / "absent.toml"
    with pytest.raises(ConfigError) as caught:
        load_policy(path)
    assert str(caught.value) == f"{path}: cannot read: No such file or directory"
    assert caught.value.file == str(path)


def test_directory_instead_of_file_is_rejected_saying_it_cannot_be_read(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_policy(tmp_path)
    assert str(caught.value).startswith(f"{tmp_path}: cannot read: ")


@pytest.mark.parametrize(
    ("toml", "field", "reason"),
    [
        (
            '[vendor_classes]\n"MS-UC-Client€" = "ms-uc-client"\n',
            "vendor_classes.MS-UC-Client€.[key]",
            "should match pattern",
        ),
        (
            '[vendor_classes]\n"" = "ms-uc-client"\n',
            "vendor_classes..[key]",
            "should match pattern",
        ),
        (
            '[vendor_classes]\n"MS\\" & calc & \\"" = "ms-uc-client"\n',
            "vendor_classes",
            "should match pattern",
        ),
        ('[server]\nserver_id = "0.0.0.0"\n', "server.server_id", "cannot identify a server"),
        ('[server]\nserver_id = "224.0.0.1"\n', "server.server_id", "cannot identify a server"),
    ],
    ids=[
        "non-ascii-vendor-class",
        "empty-vendor-class",
        "quote-in-vendor-class",
        "server-id-zero",
        "server-id-multicast",
    ],
)
def test_values_that_would_break_packets_or_exports_are_rejected(
    toml: str, field: str, reason: str, tmp_path: Path
) -> None:
    path = tmp_path / "ucdhcp.toml"
    path.write_text(toml + site(), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_policy(path)
    assert any(field in line and reason in line for line in str(caught.value).splitlines()), str(
        caught.value
    )


def test_an_extra_option_given_twice_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "ucdhcp.toml"
    path.write_text(
        site(extra='options = [{ code = 224, hex = "01" }, { code = 224, hex = "02" }]'),
        encoding="utf-8",
    )
    with pytest.raises(
        ConfigError, match=r"sites\[0\]\.options: option 224 is given more than once"
    ):
        load_policy(path)
