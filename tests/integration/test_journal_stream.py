"""`ucdhcp serve` under journald: stdout is the stream JOURNAL_STREAM names (here a pipe whose
device and inode the test passes, as systemd does for a service's stdout), so every line
carries its syslog priority (sd-daemon(3)) and `journalctl -p warning` finds the failures."""

import json
import os
import signal
import subprocess
from pathlib import Path
from typing import TextIO

from tests.commands import ucdhcp_command

from .loopback import config_text
from .serving import EVENT_TIMEOUT, EXIT_TIMEOUT, free_port


def read_until(stream: TextIO, event: str, seen: list[str]) -> str:
    """Lines from `stream` until one whose JSON event is `event` (bounded by the pipe's end)."""
    for line in stream:
        seen.append(line)
        if json.loads(line[line.index("{") :])["event"] == event:
            return line
    raise AssertionError(f"no {event}: {seen}")


def test_serve_on_journald_prefixes_each_line_with_its_priority(tmp_path: Path) -> None:
    config = tmp_path / "ucdhcp.toml"
    port = free_port()
    config.write_text(config_text(port=port), encoding="utf-8")
    read_end, write_end = os.pipe()
    status = os.fstat(write_end)
    env = {**os.environ, "JOURNAL_STREAM": f"{status.st_dev}:{status.st_ino}"}
    process = subprocess.Popen(
        [*ucdhcp_command(), "serve", "-c", str(config)],
        stdout=write_end,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    os.close(write_end)
    seen: list[str] = []
    try:
        with os.fdopen(read_end, encoding="utf-8") as lines:
            assert read_until(lines, "server_started", seen).startswith("<6>{")
            config.write_text(config_text("pool_03.contoso.com", port=port), encoding="utf-8")
            process.send_signal(signal.SIGHUP)
            assert read_until(lines, "config_reload_failed", seen).startswith("<3>{")
            process.send_signal(signal.SIGTERM)
            assert read_until(lines, "server_stopped", seen).startswith("<6>{")
        assert process.wait(timeout=EXIT_TIMEOUT) == 0
        assert all(line[0] == "<" and line[2] == ">" for line in seen), seen
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=EVENT_TIMEOUT)
