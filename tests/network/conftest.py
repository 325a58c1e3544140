"""Network tests: real interfaces, relays and peers in namespaces the tests create (root only;
CI runs them as root, and a missing privilege or tool fails them instead of skipping)."""

from pathlib import Path

import pytest

from tests.netns import lab

__all__ = ["lab"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Every test here needs namespaces: a module that forgot its needs_root mark must still be
    # skipped (with the suite's one reason) rather than fail for a non-root user.
    for item in items:
        if item.path.parent == Path(__file__).parent:
            item.add_marker(pytest.mark.needs_root)
