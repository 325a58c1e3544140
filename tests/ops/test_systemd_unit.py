"""The shipped unit file: systemd-analyze verifies it and rates its exposure at most 2.0."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.needs_root

ROOT = Path(__file__).resolve().parents[2]
UNIT = ROOT / "systemd" / "ucdhcp.service"
INSTALLED = "/opt/ucdhcp/bin/ucdhcp"


def systemd_analyze() -> str:
    found = shutil.which("systemd-analyze")
    if found is None:
        pytest.fail("systemd-analyze is missing: apt-get install systemd")
    return found


def test_unit_sandbox_exposure_is_at_most_2() -> None:
    result = subprocess.run(
        [systemd_analyze(), "security", "--offline=true", "--no-pager", str(UNIT)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    match = re.search(r"Overall exposure level for ucdhcp\.service: (\d+\.\d+)", result.stdout)
    assert match, result.stdout + result.stderr
    assert float(match.group(1)) <= 2.0, result.stdout


def test_unit_verifies_cleanly_with_the_program_installed(tmp_path: Path) -> None:
    # verify insists that ExecStart exists: point the unit at this checkout's console script.
    program = Path(sys.executable).parent / "ucdhcp"
    assert program.exists(), "pip install -e . first"
    unit = tmp_path / "ucdhcp.service"
    unit.write_text(
        UNIT.read_text(encoding="utf-8").replace(INSTALLED, str(program)), encoding="utf-8"
    )
    result = subprocess.run(
        [systemd_analyze(), "verify", str(unit)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ucdhcp.service" not in result.stderr, result.stderr


def test_unit_runs_unprivileged_with_only_the_bind_capability() -> None:
    settings = dict(
        line.split("=", 1)
        for line in UNIT.read_text(encoding="utf-8").splitlines()
        if "=" in line and not line.startswith("#")
    )
    assert settings["Type"] == "notify"
    assert settings["DynamicUser"] == "yes"
    assert settings["CapabilityBoundingSet"] == "CAP_NET_BIND_SERVICE"
    assert settings["AmbientCapabilities"] == "CAP_NET_BIND_SERVICE"
    assert settings["ExecReload"] == "/bin/kill -HUP $MAINPID"
    assert INSTALLED in settings["ExecStart"]
