"""The README's two quick-start commands are the ones CI and users run."""

import re
import shlex
from pathlib import Path

from tests.container import PACKAGES as CONTAINER_PACKAGES
from tests.netns import RUN_AS_ROOT
from tests.programs import PACKAGES as PEER_PACKAGES

ROOT = Path(__file__).resolve().parents[1]
SETUP = ROOT / "scripts" / "test"


def quick_start_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", section, flags=re.DOTALL)[:2]


def setup_packages() -> set[str]:
    """The Debian packages scripts/test installs as root."""
    text = SETUP.read_text(encoding="utf-8")
    [listed] = re.findall(r'^PACKAGES="([^"]+)"', text, flags=re.MULTILINE)
    return set(listed.split())


def test_readme_starts_with_a_serve_command_using_the_shipped_example_config() -> None:
    serve = quick_start_commands()[0]
    assert "ucdhcp serve -c config/ucdhcp.example.toml" in serve
    assert (ROOT / "config" / "ucdhcp.example.toml").is_file()


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    test_command = quick_start_commands()[1]
    assert shlex.split(test_command) == ["./scripts/test"]
    ci_lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert test_command in ci_lines


def test_the_test_command_ends_in_pytest_whose_status_is_the_scripts() -> None:
    lines = [line for line in SETUP.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert SETUP.stat().st_mode & 0o111, "scripts/test is not executable"
    assert lines[0] == "#!/bin/sh" and "set -eu" in lines
    assert lines[-1] == '.venv/bin/python -m pytest "$@"'  # last: its status is the script's


def test_skipped_root_tests_say_to_run_the_readme_command_with_sudo() -> None:
    assert f"`sudo {quick_start_commands()[1]}`" in RUN_AS_ROOT


def test_the_set_up_installs_every_debian_package_a_test_names() -> None:
    named = {
        *PEER_PACKAGES.values(),
        *CONTAINER_PACKAGES,
        "iptables",  # tests/network/test_faults.py
        "systemd",  # systemd-analyze, tests/ops/test_systemd_unit.py
        "udhcpc",  # real DHCP clients
        "dhcpcd-base",
        "python3-venv",  # the set-up's own .venv
        "gcc",  # the compiled build, tests/packaging/test_compiled.py
        "python3-dev",
    }
    assert named <= setup_packages()
