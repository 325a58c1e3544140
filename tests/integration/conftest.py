"""The `loopback` fixture: the example config served in-process on 127.0.0.1."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from .loopback import Loopback, example_document, serving_document


@pytest_asyncio.fixture
async def loopback(tmp_path: Path) -> AsyncIterator[Loopback]:
    """The example config served on 127.0.0.1, per-request logging off."""
    async with serving_document(example_document(), tmp_path / "ucdhcp.toml") as running:
        yield running
