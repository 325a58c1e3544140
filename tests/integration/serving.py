"""The real `ucdhcp serve` as a child process, for the tests that run it (integration, ops):
its JSON log events read on a thread, signals, exit; the events a serve wrote to an output
file; and a free UDP port on loopback."""

import json
import queue
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TextIO

import pytest

from tests.commands import ucdhcp_command

from .loopback import LOOPBACK

EVENT_TIMEOUT = 20.0  # bound on waiting for a log event (start-up includes imports)
EXIT_TIMEOUT = 20.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


def events(output: Path, name: str) -> list[dict[str, object]]:
    """The events called `name` in a file a serve wrote its JSON log lines to."""
    lines = output.read_text(encoding="utf-8").splitlines()
    return [event for line in lines if (event := json.loads(line))["event"] == name]


class ServeProcess:
    """`ucdhcp serve` as a child process; its JSON log lines are read on a thread."""

    def __init__(self, config_path: Path, stderr: TextIO) -> None:
        self.process = subprocess.Popen(
            [*ucdhcp_command(), "serve", "-c", str(config_path)],
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[dict[str, Any]] = []
        self.ended = False
        threading.Thread(target=self._read_stdout, daemon=True).start()

    def _read_stdout(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def wait_for(self, name: str) -> dict[str, Any]:
        """The next log event called `name`; fails after EVENT_TIMEOUT or at end of output."""
        deadline = time.monotonic() + EVENT_TIMEOUT
        while not self.ended:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                self.ended = True
                break
            event: dict[str, Any] = json.loads(line)
            self.seen.append(event)
            if event.get("event") == name:
                return event
        pytest.fail(f"no {name!r} event (exit code {self.process.poll()}); saw {self.seen}")

    def signal(self, signum: int) -> None:
        self.process.send_signal(signum)

    def wait_exit(self) -> int:
        return self.process.wait(timeout=EXIT_TIMEOUT)


@pytest.fixture
def start_serve(tmp_path: Path) -> Iterator[Callable[[Path], ServeProcess]]:
    """Start `ucdhcp serve` processes; any still running at the end are killed by PID."""
    started: list[ServeProcess] = []
    with (tmp_path / "serve.stderr").open("w", encoding="utf-8") as stderr:

        def start(config_path: Path) -> ServeProcess:
            started.append(ServeProcess(config_path, stderr))
            return started[-1]

        yield start
        for serve in started:
            if serve.process.poll() is None:
                serve.process.kill()
                serve.process.wait(timeout=EXIT_TIMEOUT)
