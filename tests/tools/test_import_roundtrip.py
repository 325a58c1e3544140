"""`ucdhcp import` reads back every format `ucdhcp export` writes: over generated configs, the
same sites (names, subnets, default) and byte-identical option 120 and 43 data."""

import ipaddress

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from ucdhcp.config.loading import build_policy, parse_config
from ucdhcp.core.policy import Profile
from ucdhcp.tools.deployment import deployment
from ucdhcp.tools.exporters import FORMATS, NEEDS_SUBNETS, ExportPlan
from ucdhcp.tools.importers import detect_format, import_text

LABEL = st.from_regex(r"[a-z][a-z0-9-]{0,10}[a-z0-9]", fullmatch=True)
DOMAIN = st.sampled_from(["contoso.com", "fabrikam.local", "emea.contoso.com"])


@st.composite
def documents(draw: st.DrawFn) -> dict[str, object]:
    """A config of 1-3 sites with distinct SIP servers and disjoint subnets."""
    count = draw(st.integers(1, 3))
    hosts = draw(st.lists(LABEL, min_size=count, max_size=count, unique=True))
    blocks = iter(draw(st.permutations(range(1, 60))))
    sites = []
    for index, host in enumerate(hosts):
        domain = draw(DOMAIN)
        site: dict[str, object] = {"name": f"site{index}-{host}"[:60]}
        backups = draw(st.lists(st.just(f"backup-{host}.{domain}"), max_size=1))
        site["sip_servers"] = [f"{host}.{domain}", *backups]
        subnets = draw(st.integers(0, 2))
        site["subnets"] = [
            str(
                ipaddress.IPv4Network(
                    (f"10.{next(blocks)}.0.0", draw(st.sampled_from([16, 22, 24])))
                )
            )
            for _ in range(subnets)
        ]
        if draw(st.booleans()):
            site["web_server"] = f"web-{host}.{domain}"
        if draw(st.booleans()):
            site["port"] = draw(st.integers(1, 65535))
        sites.append(site)
    document: dict[str, object] = {"sites": sites}
    if draw(st.booleans()):
        document["default_site"] = sites[0]["name"]
    return document


def served(document: dict[str, object]) -> dict[str, tuple[tuple[str, ...], bool, bytes, bytes]]:
    """Per site: subnets, default, and the option 120 and 43 data ucdhcp sends."""
    policy = build_policy(parse_config(document))
    return {
        site.name: (
            tuple(str(subnet) for subnet in site.subnets),
            site is policy.default_site,
            site.payloads[Profile.MS_UC_CLIENT][120],
            site.payloads[Profile.MS_UC_CLIENT][43],
        )
        for site in policy.sites
    }


def exported_sites(document: dict[str, object], fmt: str) -> dict[str, tuple]:
    """What the export carries: sites with subnets, and the default site where the format has
    server-wide values."""
    expected = {}
    for name, (subnets, default, option_120, option_43) in served(document).items():
        carries_default = default and fmt not in NEEDS_SUBNETS
        if subnets or carries_default:
            expected[name] = (subnets, carries_default, option_120, option_43)
    return expected


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@settings(max_examples=15, deadline=None)
@given(document=documents())
def test_export_then_import_gives_back_the_sites_and_bytes(fmt, document):
    plan = ExportPlan(deployment(build_policy(parse_config(document))))
    assume(exported_sites(document, fmt))  # else the export carries no site, or refuses
    text = FORMATS[fmt](plan)
    assert detect_format(text) == fmt
    result = import_text(text)
    assert not result.imported.partial, result.imported.findings
    assert result.document is not None
    assert served(result.document) == exported_sites(document, fmt)
