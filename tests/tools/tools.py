"""Shared test helpers for the tools: running the CLI, golden files, expected bytes."""

import contextlib
import io
import os
import subprocess
from pathlib import Path

from tests.commands import ucdhcp_command
from tests.dhcp.golden import (
    OPTION_43_POOL01,
    OPTION_43_SERVER_FQDN,
    OPTION_120_POOL01,
    OPTION_120_SERVER_FQDN,
)
from ucdhcp.cli import main
from ucdhcp.config.loading import load_policy
from ucdhcp.core.policy import Profile

# protocol.md §2-§3 (real DHCPUtil output), option data as the hex the tools print.
POOL01_120 = OPTION_120_POOL01.hex().upper()
POOL01_43 = OPTION_43_POOL01.hex().upper()
SERVER_FQDN_120 = OPTION_120_SERVER_FQDN.hex().upper()
SERVER_FQDN_43 = OPTION_43_SERVER_FQDN.hex().upper()

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "golden"
SITES = HERE / "data" / "sites.toml"
UPDATE = os.environ.get("UCDHCP_UPDATE_GOLDEN") == "1"  # rewrite golden files instead


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """`ucdhcp ARGS` in this process (fast); exit code and output as a subprocess would give."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            code = main(list(args))
        except SystemExit as exit_:  # argparse usage errors
            code = exit_.code if isinstance(exit_.code, int) else 2
    return subprocess.CompletedProcess(list(args), code, stdout.getvalue(), stderr.getvalue())


def run_process(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """The installed `ucdhcp ARGS` as a child process."""
    return subprocess.run(
        [*ucdhcp_command(), *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def assert_golden(name: str, text: str) -> None:
    """`text` must equal tests/tools/golden/NAME byte for byte."""
    path = GOLDEN / name
    if UPDATE:
        path.write_bytes(text.encode())
    assert path.exists(), f"missing golden file {path}; run with UCDHCP_UPDATE_GOLDEN=1"
    expected = path.read_bytes().decode()
    assert text == expected, f"output differs from {path}"


def policy_bytes(config: Path = SITES) -> dict[str, tuple[bytes, bytes]]:
    """Per site: the option 120 and option 43 data ucdhcp serves (TLV header removed)."""
    _, policy = load_policy(config)
    found = {}
    for site in policy.sites:
        options = site.options[Profile.MS_UC_CLIENT]
        tlv_120, tlv_43 = options[120], options[43]
        assert tlv_120[1] == len(tlv_120) - 2 and tlv_43[1] == len(tlv_43) - 2  # one instance
        found[site.name] = (tlv_120[2:], tlv_43[2:])
    return found
