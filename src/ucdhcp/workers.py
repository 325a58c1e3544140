"""`ucdhcp serve --workers N`: N processes share the port through SO_REUSEPORT, so a box with
N cores answers N times the rate. The responder is stateless, so workers share nothing.

Strategy: this supervisor checks the port once, starts the workers with a private
NOTIFY_SOCKET so they report READY/RELOADING to it (not to systemd), tells systemd READY=1
only when every worker is, forwards SIGTERM/SIGINT/SIGHUP/SIGUSR1 to them, and stops all of
them if one dies: a half-served port is worse than a restart.
"""

import ctypes
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import structlog

from .config import Config
from .notify import Notifier, watchdog_interval
from .server import Listener, refuse_if_taken

log = structlog.get_logger("ucdhcp")
READY_TIMEOUT = 30.0
_PR_SET_PDEATHSIG = 1  # prctl(2)
_FORWARDED = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGUSR1)


class Supervisor:
    def __init__(self, config_path: Path, config: Config, count: int) -> None:
        self.config_path = config_path
        self.config = config
        self.count = count
        self.children: list[subprocess.Popen[bytes]] = []
        self.notifier = Notifier()
        self.stopping = False

    def run(self) -> int:
        """Raises BindError when the port is taken before any worker starts."""
        server = self.config.server
        refuse_if_taken(Listener(str(server.address), server.port, server.receive_buffer))
        with tempfile.TemporaryDirectory(prefix="ucdhcp-") as directory:
            inbox = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            inbox.bind(str(Path(directory) / "notify"))
            inbox.settimeout(0.2)
            for sig in _FORWARDED:
                signal.signal(sig, self._forward)
            try:
                self._start(str(Path(directory) / "notify"))
                if not self._await_ready(inbox):
                    return self._stop_all(1)
                self.notifier.ready(f"{self.count} workers serving")
                log.info("workers_ready", workers=self.count, pids=[c.pid for c in self.children])
                return self._watch(inbox)
            finally:
                inbox.close()
                self._stop_all(0)

    def _start(self, notify_path: str) -> None:
        environment = {**os.environ, "NOTIFY_SOCKET": notify_path}
        environment.pop("WATCHDOG_USEC", None)  # systemd's watchdog is the supervisor's
        for index in range(self.count):
            command = [sys.executable, "-m", "ucdhcp", "serve", "-c", str(self.config_path)]
            self.children.append(
                subprocess.Popen(
                    [*command, "--worker-index", str(index)],
                    env=environment,
                    # SIGHUP stays ignored across exec until the worker's own handler is in
                    # place (an early `systemctl reload` must not kill a starting worker), and
                    # the worker stops when the supervisor does.
                    preexec_fn=_prepare_worker,  # noqa: PLW1509 - no threads run here yet
                )
            )

    def _await_ready(self, inbox: socket.socket) -> bool:
        ready: set[str] = set()
        deadline = time.monotonic() + READY_TIMEOUT
        while len(ready) < self.count and time.monotonic() < deadline:
            exited = [child for child in self.children if child.poll() is not None]
            if exited:
                log.error("worker_exited", pid=exited[0].pid, code=exited[0].returncode)
                return False
            if self.stopping:
                return False
            fields = _receive(inbox)
            if fields.get("READY") == "1":
                ready.add(fields.get("MAINPID", ""))
        return len(ready) == self.count

    def _watch(self, inbox: socket.socket) -> int:
        interval = watchdog_interval()
        next_ping = time.monotonic()
        while True:
            exited = [child for child in self.children if child.poll() is not None]
            if exited:
                if self.stopping and len(exited) == len(self.children):
                    codes = [child.returncode for child in self.children]
                    return next((1 for code in codes if code != 0), 0)  # a signal death is < 0
                if not self.stopping:
                    log.error("worker_exited", pid=exited[0].pid, code=exited[0].returncode)
                    return self._stop_all(1)
            fields = _receive(inbox)
            if fields.get("RELOADING") == "1":
                self.notifier.reloading()
            elif fields.get("READY") == "1":
                self.notifier.ready(f"{self.count} workers serving")
            if interval is not None and time.monotonic() >= next_ping:
                self.notifier.watchdog()
                next_ping = time.monotonic() + interval

    def _forward(self, number: int, _frame: object) -> None:
        if number in (signal.SIGTERM, signal.SIGINT):
            self.stopping = True
            self.notifier.stopping()
        for child in self.children:
            if child.poll() is None:
                child.send_signal(number)

    def _stop_all(self, code: int) -> int:
        self.stopping = True
        for child in self.children:
            if child.poll() is None:
                child.terminate()
        for child in self.children:
            try:
                child.wait(5)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait(5)
        return code


def _prepare_worker() -> None:
    """Runs in the child between fork and exec."""
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    # PR_SET_PDEATHSIG: if the supervisor dies, even by SIGKILL, the kernel sends the worker
    # SIGTERM, so no worker is left serving on its own.
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _receive(inbox: socket.socket) -> dict[str, str]:
    try:
        data = inbox.recv(4096).decode(errors="replace")
    except (TimeoutError, InterruptedError):
        return {}
    return dict(line.split("=", 1) for line in data.splitlines() if "=" in line)
