"""The shipped example configuration loads and encodes to DHCPUtil's bytes."""

from pathlib import Path

from tests.dhcp.golden import CERT_PATH, OPTION_43_POOL01, OPTION_120_POOL01, option_43
from tests.dhcp.request import tlv
from ucdhcp.config.loading import load_policy
from ucdhcp.core.policy import Profile

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "ucdhcp.example.toml"


def _sites() -> dict[str, dict[Profile, dict[int, bytes]]]:
    _, policy = load_policy(EXAMPLE)
    return {site.name: {p: dict(o) for p, o in site.options.items()} for site in policy.sites}


def test_example_config_loads_with_both_sites_and_no_default_site() -> None:
    # Without a default site, a copy of the example served on a real network answers only
    # phones in its own subnets, never every phone with contoso.com values.
    config, policy = load_policy(EXAMPLE)
    assert [site.name for site in policy.sites] == ["headquarters", "branch-oslo"]
    assert policy.default_site is None
    assert config.server.port == 67


def test_example_headquarters_options_equal_dhcputil_vectors_for_pool01() -> None:
    headquarters = _sites()["headquarters"]
    assert headquarters == {
        Profile.MS_UC_CLIENT: {
            120: tlv(120, OPTION_120_POOL01),  # 78 15 + 21 bytes
            43: tlv(43, OPTION_43_POOL01),  # 2B 55 + 85 bytes
        }
    }


def test_example_branch_lists_both_sip_servers_and_takes_web_server_from_the_url() -> None:
    branch = _sites()["branch-oslo"]
    uc = branch[Profile.MS_UC_CLIENT]
    assert uc[120] == tlv(
        120,
        b"\x00"  # encoding 0: names
        + b"\x08sba-oslo\x07contoso\x03com\x00"
        + b"\x06pool01\x07contoso\x03com\x00",
    )
    assert uc[43] == tlv(43, option_43("webint.contoso.com", path=CERT_PATH))
    assert uc[42] == tlv(42, bytes([10, 20, 0, 1]))


def test_example_branch_answers_cpe_ocphone_with_vlan_120_as_a_word() -> None:
    cpe = _sites()["branch-oslo"][Profile.CPE_OCPHONE]
    assert cpe[43] == bytes.fromhex("2b 04 0a 02 0078")  # 43 len 4 | sub 10 len 2 | 120


def test_example_serves_both_spellings_of_the_ocs_2007_vendor_class() -> None:
    _, policy = load_policy(EXAMPLE)
    assert policy.profile_for(b"CPE-OCPHONE") is Profile.CPE_OCPHONE  # Lync documentation
    assert policy.profile_for(b"CPE-OCPhone") is Profile.CPE_OCPHONE  # OCS 2007-era phones
    assert policy.profile_for(b"MS-UC-Client") is Profile.MS_UC_CLIENT


def test_example_server_id_comment_gives_the_default_the_reference_gives() -> None:
    reference = (EXAMPLE.parents[1] / "docs" / "configuration.md").read_text(encoding="utf-8")
    [row] = [line for line in reference.splitlines() if line.startswith("| `server.server_id` |")]
    default = row.split("|")[2].strip()  # "the receiving interface's address"
    example = EXAMPLE.read_text(encoding="utf-8")
    [comment] = [line for line in example.splitlines() if line.startswith("# server_id =")]
    assert f"default: {default}" in comment
