"""The container image test: root, network namespaces (the shared `lab` fixture) and podman."""

from tests.netns import lab

__all__ = ["lab"]
