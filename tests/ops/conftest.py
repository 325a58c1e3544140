from collections.abc import Iterator

import pytest
import structlog


@pytest.fixture(autouse=True)
def _restore_structlog() -> Iterator[None]:
    # Service.start() configures structlog globally: undo it after each test.
    yield
    structlog.reset_defaults()
