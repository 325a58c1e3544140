"""Suite-wide: tests marked `needs_root` (network namespaces, and the Debian peers that only a
root run of scripts/test installs) are skipped for other users, all with one reason; and
structlog's global configuration, which Service.start() sets, is undone after every test."""

import os
from collections.abc import Iterator

import pytest
import structlog

from tests.netns import RUN_AS_ROOT

# `start_serve` (a real `ucdhcp serve` child, killed by PID at the end) for any test that asks.
pytest_plugins = ["tests.integration.serving"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # A safety net: a test that takes the network-namespace fixture needs root even if its
    # module forgot the mark.
    for item in items:
        if "lab" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.needs_root)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    if os.geteuid() != 0 and item.get_closest_marker("needs_root") is not None:
        # Raised from this one line rather than by a skip marker: pytest folds skips raised at
        # one place into one summary line, where a marker's are listed file by file.
        pytest.skip(RUN_AS_ROOT)


@pytest.fixture(autouse=True)
def _restore_structlog() -> Iterator[None]:
    yield
    structlog.reset_defaults()
