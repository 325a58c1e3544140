"""Bounded waits: poll a condition, or a background program's log for a line, and fail the
test (never hang) when it does not come in time."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

READY_TIMEOUT = 15.0  # a background program announcing it is ready


def wait_until(
    condition: Callable[[], Any], timeout: float, what: str, interval: float = 0.05
) -> Any:
    """Poll `condition` until it returns something truthy (returned); fail after `timeout`
    seconds, naming `what` was awaited."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def wait_for_log(
    log: Path,
    text: str,
    process: subprocess.Popen[bytes],
    timeout: float = READY_TIMEOUT,
) -> None:
    """Wait until `text` appears in `log`, written by `process`; fail at once if the process
    exits first, with what it wrote."""

    def written() -> bool:
        content = log.read_text(errors="replace") if log.exists() else ""
        if process.poll() is not None and text not in content:
            pytest.fail(f"{log.name}: exited {process.returncode} before {text!r}:\n{content}")
        return text in content

    wait_until(written, timeout, f"{text!r} in {log.name}")
