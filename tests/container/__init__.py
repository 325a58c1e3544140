"""The container tests' set-up: the programs they run, installed by scripts/test as root."""

import shutil

import pytest

from tests.programs import path_with_sbin

PACKAGES = ("podman", "runc", "debootstrap")  # what scripts/test installs as root for these tests


def require_podman() -> None:
    """podman, runc and debootstrap are installed by the set-up (scripts/test as root): a test
    never installs anything, and one missing here is a broken set-up, so the test fails."""
    missing = [name for name in PACKAGES if shutil.which(name, path=path_with_sbin()) is None]
    if missing:
        pytest.fail(
            f"{', '.join(missing)} not installed: run `sudo ./scripts/test` (installs them)"
        )
