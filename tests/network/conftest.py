"""Network tests: real interfaces, relays and peers in namespaces the tests create (root only;
CI runs them as root, and a missing privilege or tool fails them instead of skipping)."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.netns import Lab, lab, require_netns, run

__all__ = ["lab", "open_lab"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Every test here needs namespaces: a module that forgot its needs_root mark must still be
    # skipped (with the suite's one reason) rather than fail for a non-root user.
    for item in items:
        if item.path.parent == Path(__file__).parent:
            item.add_marker(pytest.mark.needs_root)


@contextmanager
def open_lab() -> Iterator[Lab]:
    """A Lab for a module-scoped fixture, with the same teardown check as the `lab` fixture."""
    require_netns()
    created = Lab()
    try:
        yield created
    finally:
        created.close()
        leftover = [
            n for n in run("ip", "netns", "list").stdout.split() if n.startswith(created.tag)
        ]
        assert not leftover, f"namespaces left behind: {leftover}"
