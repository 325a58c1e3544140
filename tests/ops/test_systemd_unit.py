"""The shipped unit file: systemd-analyze verifies it and rates its exposure at most 2.0; it
grants the two capabilities ucdhcp uses, says why, and allows every socket family it opens; its
reload, run as systemd runs ExecReload= lines (in order, stopping at the first that fails),
fails on a bad file without touching the running service and reloads a good one.
(tests/network/test_capabilities.py runs ucdhcp with the unit's capabilities.)"""

import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.dhcp.golden import OPTION_120_POOL01
from tests.dhcp.reply import option_data
from tests.dhcp.request import phone_request
from tests.integration.loopback import LOOPBACK, REPLY_TIMEOUT, config_text
from tests.integration.serving import ServeProcess, free_port

pytestmark = pytest.mark.needs_root

ROOT = Path(__file__).resolve().parents[2]
UNIT = ROOT / "systemd" / "ucdhcp.service"
INSTALLED = "/opt/ucdhcp/bin/ucdhcp"
CONFIG = "/etc/ucdhcp/ucdhcp.toml"
SOURCE = ROOT / "src" / "ucdhcp"


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


def settings() -> dict[str, str]:
    lines = UNIT.read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))


def all_values(key: str) -> list[str]:
    """Every value of a key that may be given several times (ExecReload=), in order."""
    lines = UNIT.read_text(encoding="utf-8").splitlines()
    return [line.split("=", 1)[1] for line in lines if line.startswith(f"{key}=")]


def comment_above(key: str) -> str:
    """The comment block that ends just above the line setting `key` (blank lines end it)."""
    lines = UNIT.read_text(encoding="utf-8").splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith(f"{key}="))
    block: list[str] = []
    for line in reversed(lines[:index]):
        if not line.strip():
            break
        if line.startswith("#"):
            block.insert(0, line.lstrip("# "))
    return " ".join(block)


def test_unit_runs_unprivileged_with_the_bind_and_raw_capabilities() -> None:
    unit = settings()
    assert unit["Type"] == "notify"
    assert unit["DynamicUser"] == "yes"
    assert unit["NoNewPrivileges"] == "yes"
    granted = {"CAP_NET_BIND_SERVICE", "CAP_NET_RAW"}
    assert set(unit["CapabilityBoundingSet"].split()) == granted
    assert set(unit["AmbientCapabilities"].split()) == granted
    assert all_values("ExecReload") == [f"{INSTALLED} check -c {CONFIG}", "/bin/kill -HUP $MAINPID"]
    assert INSTALLED in unit["ExecStart"]


def systemctl_reload(main_pid: int, config: Path) -> int:
    """The unit's ExecReload= lines run as systemd runs them: in order, each with $MAINPID, the
    first that exits non-zero ending the reload, which then fails (systemd.service(5)). Returns
    the exit status `systemctl reload` would report (0 or the failed command's)."""
    program = str(Path(sys.executable).parent / "ucdhcp")
    for line in all_values("ExecReload"):
        here = line.replace(INSTALLED, program).replace(CONFIG, str(config))
        command = [part.replace("$MAINPID", str(main_pid)) for part in shlex.split(here)]
        status = subprocess.run(command, capture_output=True, timeout=60, check=False).returncode
        if status != 0:
            return status
    return 0


def test_reload_of_a_bad_file_fails_and_changes_nothing(
    start_serve: Callable[[Path], ServeProcess], tmp_path: Path
) -> None:
    port = free_port()
    config = tmp_path / "ucdhcp.toml"
    config.write_text(config_text(port=port), encoding="utf-8")
    serve = start_serve(config)
    serve.wait_for("server_started")

    def option_120(xid: int) -> bytes:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
            client.settimeout(REPLY_TIMEOUT)
            client.sendto(phone_request(xid=xid), (LOOPBACK, port))
            return option_data(client.recvfrom(4096)[0])[120]

    config.write_text(config_text("pool_03.contoso.com", port=port), encoding="utf-8")
    assert systemctl_reload(serve.process.pid, config) == 2  # the check's exit code
    assert option_120(1) == OPTION_120_POOL01  # still the old config
    serve.signal(signal.SIGUSR1)  # no reload was even attempted
    assert serve.wait_for("counters")["reloads"] == {"ok": 0, "failed": 0}

    config.write_text(config_text("pool02.contoso.com", port=port), encoding="utf-8")
    assert systemctl_reload(serve.process.pid, config) == 0
    serve.wait_for("config_reloaded")
    assert option_120(2) == OPTION_120_POOL01.replace(b"pool01", b"pool02")


def test_unit_says_why_it_needs_each_capability_and_what_happens_without_raw() -> None:
    why = comment_above("DynamicUser")
    assert "CAP_NET_BIND_SERVICE: bind UDP port 67" in why, why
    # CAP_NET_RAW: what it is for (frames, no ARP wait) and what ucdhcp does without it.
    for fact in ("CAP_NET_RAW", "AF_PACKET", "ARP", "frames_unavailable", "replies_as_frames"):
        assert fact in why, f"{fact} not explained: {why}"


def test_unit_allows_every_address_family_ucdhcp_opens() -> None:
    # RestrictAddressFamilies makes socket() fail with EAFNOSUPPORT for any other family:
    # for AF_PACKET that would silently turn frames off.
    source = "\n".join(path.read_text(encoding="utf-8") for path in SOURCE.rglob("*.py"))
    opened = set(re.findall(r"socket\.socket\(\s*socket\.(AF_\w+)", source))
    assert {"AF_INET", "AF_NETLINK", "AF_PACKET", "AF_UNIX"} <= opened  # the scan finds them
    allowed = set(settings()["RestrictAddressFamilies"].split())
    assert opened <= allowed, f"opened but not allowed: {opened - allowed}"
    why = comment_above("RestrictAddressFamilies")
    assert all(family in why for family in allowed), why
