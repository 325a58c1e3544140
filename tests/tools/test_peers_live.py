"""Kea and dnsmasq run with `ucdhcp export`'s configuration in network namespaces and answer a
phone's INFORM with exactly ucdhcp's option bytes; other vendor classes get no 43/120."""

import pytest

from tests.network.actors import start_dnsmasq, start_kea

from .peers import make_peer_link
from .tools import SITES, policy_bytes, run

pytestmark = pytest.mark.needs_root

QUICK = ("--timeout", "1.5", "--settle", "0.3")
SITE_ADDRESSES = {  # (server, phone) in each site of data/sites.toml
    "headquarters": ("10.1.2.10", "10.1.2.50"),
    "emea": ("10.30.0.10", "10.30.0.50"),  # option 43 over 90 bytes
}


def export(tmp_path, fmt: str, *args: str):
    result = run("export", "-f", fmt, "-c", str(SITES), "--interface", "srv0", *args)
    assert result.returncode == 0, result.stderr
    path = tmp_path / f"{fmt}.conf"
    path.write_text(result.stdout, encoding="utf-8")
    return path


def assert_answers_with_policy_bytes(segment, site: str) -> None:
    code, document, stderr = segment.probe_json(*QUICK, "-c", str(SITES))
    assert code == 0, stderr
    answer = document["answers"][document["chosen"]]
    option_120, option_43 = policy_bytes()[site]
    assert answer["option_120"]["hex"] == option_120.hex().upper()
    assert answer["option_43"]["hex"] == option_43.hex().upper()
    assert answer["option_43"]["lints"] == []  # no END byte, order 1..5, ASCII port
    assert f"site {site}" in document["reason"]


def assert_no_lync_options_for(segment, vendor_class: str) -> str:
    result = segment.probe(*QUICK, "--vendor-class", vendor_class)
    assert result.returncode == 1
    assert "option 120 (" not in result.stdout and "option 43 (" not in result.stdout
    return result.stderr


@pytest.mark.parametrize("site", sorted(SITE_ADDRESSES))
def test_kea_runs_the_export_and_answers_with_ucdhcps_bytes(lab, tmp_path, site):
    segment = make_peer_link(lab, tmp_path, *SITE_ADDRESSES[site])
    config = export(tmp_path, "kea")
    start_kea(lab, segment.server, config, tmp_path)
    assert_answers_with_policy_bytes(segment, site)
    # The DROP class: another vendor class (or a near miss) gets no answer at all.
    for other in ("Foo", "MS-UC-Client-X", "MS-UC-Clien"):
        assert "no answer from any DHCP server" in assert_no_lync_options_for(segment, other)


def test_dnsmasq_runs_the_export_and_answers_with_ucdhcps_bytes(lab, tmp_path):
    segment = make_peer_link(lab, tmp_path)
    start_dnsmasq(lab, segment.server, export(tmp_path, "dnsmasq"), tmp_path)
    assert_answers_with_policy_bytes(segment, "headquarters")
    for other in ("Foo", "MS-UC-Client-X"):  # dhcp-ignore: silent, like ucdhcp
        assert "no answer from any DHCP server" in assert_no_lync_options_for(segment, other)


def test_shared_dnsmasq_answers_other_classes_without_lync_options(lab, tmp_path):
    segment = make_peer_link(lab, tmp_path, *SITE_ADDRESSES["emea"])
    start_dnsmasq(lab, segment.server, export(tmp_path, "dnsmasq", "--shared"), tmp_path)
    assert_answers_with_policy_bytes(segment, "emea")
    stderr = assert_no_lync_options_for(segment, "Foo")
    assert "without option 120 or 43" in stderr
