"""`replies.answer_discover` and `replies.offer_delay`: the proxy OFFER is only for the profile
whose phones read it during DORA (cpe-ocphone), and it is always held back.

busybox udhcpc sending MS-UC-Client took ucdhcp's OFFER (yiaddr 0) over the lease server's,
REQUESTed 0.0.0.0 and failed with "no lease" (tests/network/test_proxy_offer.py shows it).
"""

import subprocess
import sys
from pathlib import Path

import pytest

from ucdhcp.config.errors import ConfigError
from ucdhcp.config.loading import load_policy, parse_config
from ucdhcp.core.policy import Profile

SITE = '[[sites]]\nname = "hq"\nsubnets = ["10.1.2.0/24"]\nsip_servers = ["pool01.contoso.com"]\n'


def _write(tmp_path: Path, replies: str) -> Path:
    path = tmp_path / "ucdhcp.toml"
    path.write_text(f"[replies]\n{replies}\n\n{SITE}", encoding="utf-8")
    return path


@pytest.mark.parametrize("profiles", ['["ms-uc-client"]', '["cpe-ocphone", "ms-uc-client"]'])
def test_answer_discover_for_ms_uc_client_is_refused_with_the_reason(
    tmp_path: Path, profiles: str
) -> None:
    path = _write(tmp_path, f"answer_discover = {profiles}")
    with pytest.raises(ConfigError) as raised:
        load_policy(path)
    [(where, why)] = raised.value.problems
    assert where == "replies.answer_discover"
    assert "'ms-uc-client' cannot be answered on DISCOVER" in why
    assert "DHCPINFORM" in why and "only 'cpe-ocphone'" in why


def test_check_refuses_answer_discover_for_ms_uc_client_with_exit_2(tmp_path: Path) -> None:
    path = _write(tmp_path, 'answer_discover = ["ms-uc-client"]')
    result = subprocess.run(
        [sys.executable, "-m", "ucdhcp.cli", "check", "-c", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.startswith(f"{path}: replies.answer_discover: 'ms-uc-client' cannot")


def test_answer_discover_for_cpe_ocphone_holds_offers_two_seconds_by_default(
    tmp_path: Path,
) -> None:
    _, policy = load_policy(_write(tmp_path, 'answer_discover = ["cpe-ocphone"]'))
    assert policy.answer_discover == frozenset({Profile.CPE_OCPHONE})
    assert policy.offer_delay == 2.0


@pytest.mark.parametrize("delay", [0.5, 1, 3.0])
def test_offer_delay_within_half_a_second_to_three_seconds_is_taken(delay: float) -> None:
    config = parse_config({"replies": {"offer_delay": delay}, "sites": [_site()]})
    assert config.replies.offer_delay == delay


@pytest.mark.parametrize("delay", [0, 0.1, 3.5])
def test_offer_delay_outside_half_a_second_to_three_seconds_is_refused(delay: float) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_config({"replies": {"offer_delay": delay}, "sites": [_site()]})
    assert [where for where, _ in raised.value.problems] == ["replies.offer_delay"]


def _site() -> dict[str, object]:
    return {"name": "hq", "subnets": ["10.1.2.0/24"], "sip_servers": ["pool01.contoso.com"]}
