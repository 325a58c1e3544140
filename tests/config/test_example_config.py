"""The shipped example configuration loads and encodes to DHCPUtil's bytes."""

import tomllib
from pathlib import Path

from tests.dhcp.golden import CERT_PATH, OPTION_43_POOL01, OPTION_120_POOL01, option_43
from tests.dhcp.request import tlv
from ucdhcp.config.loading import load_policy
from ucdhcp.config.model import LimitsSection
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


# --- the protective defaults --------------------------------------------------------------------

WEAKER = "weaker than the default"


def _limit_lines(text: str) -> dict[str, tuple[object, str, str]]:
    """The keys set in [limits]: (value, the comment on their line, the comment block above)."""
    values = tomllib.loads(text).get("limits", {})
    found: dict[str, tuple[object, str, str]] = {}
    section, above = "", []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("["):
            section, above = stripped, []
        elif stripped.startswith("#"):
            above.append(stripped)
        elif section == "[limits]" and "=" in stripped:
            name = stripped.split("=", 1)[0].strip()
            trailing = stripped.split("#", 1)[1] if "#" in stripped else ""
            found[name] = (values[name], trailing, " ".join(above))
            above = []
        else:
            above = []
    return found


def weakened_silently(text: str) -> list[str]:
    """The limits a config sets weaker than their default (0 = off, or a larger allowance)
    without a comment, on the line or just above it, saying it is weaker than the default."""
    defaults = LimitsSection()
    weakened = []
    for name, (value, trailing, above) in _limit_lines(text).items():
        default = getattr(defaults, name)
        assert isinstance(value, int | float)
        weaker = value > default or (value == 0 and default != 0)
        if weaker and WEAKER not in f"{above} {trailing}":
            weakened.append(name)
    return weakened


def test_the_example_weakens_no_protective_default_without_saying_so() -> None:
    assert weakened_silently(EXAMPLE.read_text(encoding="utf-8")) == []


def test_a_limit_turned_off_or_raised_without_saying_so_is_caught() -> None:
    # The example before 2026-12-03 turned the anti-reflection limit off this way.
    assert weakened_silently("[limits]\nreplies_per_destination = 0  # 0 = off\n") == [
        "replies_per_destination"
    ]
    assert weakened_silently("[limits]\nmax_wait = 5.0\nrequests_per_source = 500\n") == [
        "max_wait",
        "requests_per_source",
    ]
    said = "[limits]\n# weaker than the default: a lab with one test client\nreplies_per_port = 0\n"
    assert weakened_silently(said) == []
    assert weakened_silently("[limits]\nreplies_per_client = 5  # stricter\n") == []


def test_the_example_shows_every_limit_with_its_default_and_what_it_protects_against() -> None:
    shown = _limit_lines(EXAMPLE.read_text(encoding="utf-8"))
    defaults = LimitsSection()
    assert set(shown) == set(LimitsSection.model_fields)
    for name, (value, trailing, above) in shown.items():
        default = getattr(defaults, name)
        assert value == default, name
        assert f"default {default}" in trailing, name
        assert len(above) > 40, f"{name}: no comment saying what it protects against"
