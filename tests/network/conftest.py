"""Network tests: real interfaces, relays and peers in namespaces the tests create (root only;
CI runs them as root, and a missing privilege or tool fails them instead of skipping)."""

from collections.abc import Iterator
from contextlib import contextmanager

from tests.netns import Lab, lab, require_netns, run

__all__ = ["lab", "open_lab"]


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
