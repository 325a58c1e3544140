"""`ucdhcp serve --workers N`: N processes share the port through SO_REUSEPORT, so a box with
N cores answers N times the rate. The responder is stateless, so workers share nothing.

Strategy: this supervisor checks the port once, starts the workers with a private
NOTIFY_SOCKET so they report READY/RELOADING to it (not to systemd), tells systemd READY=1
only when every worker is, forwards SIGTERM/SIGINT/SIGHUP/SIGUSR1 to them, and stops all of
them if one dies: a half-served port is worse than a restart. Each worker also gets a short
WATCHDOG_USEC of the supervisor's own, so its event loop pings WATCHDOG=1 twice a second; the
sender is known by its kernel-given credentials (SCM_CREDENTIALS), never by what it writes. A
worker silent for SILENCE_LIMIT seconds (hung or stopped: its socket still takes its share of
the flows) is killed and replaced; systemd's watchdog is fed only while every worker is heard.
"""

import ctypes
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import structlog

from ..config.settings import Settings
from .notify import Notifier, watchdog_interval
from .sockets import SocketSpec, refuse_if_taken

log = structlog.get_logger("ucdhcp")
READY_TIMEOUT = 30.0
HEARTBEAT_USEC = 1_000_000  # the workers' WATCHDOG_USEC: they ping every half of it
SILENCE_LIMIT = 3.0  # six missed pings: hung, not merely busy
RESTART_LIMIT = 5  # replacements allowed per RESTART_WINDOW; one more and systemd takes over
RESTART_WINDOW = 60.0
_PR_SET_PDEATHSIG = 1  # prctl(2)
_FORWARDED = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGUSR1)
_UCRED = struct.Struct("=iII")  # struct ucred: pid, uid, gid (unix(7))


@dataclass(slots=True)
class Worker:
    index: int
    process: subprocess.Popen[bytes]
    heard: float  # monotonic time of its last message (of its start until the first one)
    ready: bool = False

    def silence(self, now: float) -> float:
        return now - self.heard

    def healthy(self, now: float) -> bool:
        return self.ready and self.silence(now) <= SILENCE_LIMIT


class RestartBudget:
    """At most `limit` restarts in any `window` seconds: a worker that keeps hanging is a fault
    for a restart of the whole service (and a person), not for an endless loop of replacements."""

    def __init__(self, limit: int = RESTART_LIMIT, window: float = RESTART_WINDOW) -> None:
        self.limit = limit
        self.window = window
        self.spent: deque[float] = deque()

    def spend(self, now: float) -> bool:
        while self.spent and now - self.spent[0] >= self.window:
            self.spent.popleft()
        if len(self.spent) >= self.limit:
            return False
        self.spent.append(now)
        return True


class Supervisor:
    def __init__(self, config_path: Path, settings: Settings, count: int) -> None:
        self.config_path = config_path
        self.settings = settings
        self.count = count
        self.workers: list[Worker] = []
        self.notifier = Notifier()
        self.restarts = RestartBudget()
        self.stopping = False
        self.notify_path = ""

    def run(self) -> int:
        """Raises BindError when the port is taken before any worker starts."""
        server = self.settings.server
        refuse_if_taken(SocketSpec.of(server))
        with tempfile.TemporaryDirectory(prefix="ucdhcp-") as directory:
            self.notify_path = str(Path(directory) / "notify")
            inbox = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            inbox.bind(self.notify_path)
            inbox.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)  # sender pid per datagram
            inbox.settimeout(0.2)
            for sig in _FORWARDED:
                signal.signal(sig, self._forward)
            try:
                self.workers = [self._spawn(index) for index in range(self.count)]
                if not self._await_ready(inbox):
                    return self._stop_all(1)
                self.notifier.ready(f"{self.count} workers serving")
                log.info("workers_ready", workers=self.count, pids=self.pids())
                return self._watch(inbox)
            finally:
                inbox.close()
                self._stop_all(0)

    def pids(self) -> list[int]:
        return [worker.process.pid for worker in self.workers]

    def _spawn(self, index: int) -> Worker:
        environment = {
            **os.environ,
            "NOTIFY_SOCKET": self.notify_path,
            "WATCHDOG_USEC": str(HEARTBEAT_USEC),  # systemd's watchdog is the supervisor's
        }
        environment.pop("WATCHDOG_PID", None)
        command = [sys.executable, "-m", "ucdhcp", "serve", "-c", str(self.config_path)]
        process = subprocess.Popen(
            [*command, "--worker-index", str(index)],
            env=environment,
            # SIGHUP and SIGUSR1 stay ignored across exec until the worker's own handlers are
            # in place (an early `systemctl reload`, or a counters dump while a replacement
            # starts, must not kill it), and the worker stops when the supervisor does.
            preexec_fn=_prepare_worker,  # noqa: PLW1509 - no threads run here yet
        )
        return Worker(index, process, heard=time.monotonic())

    def _await_ready(self, inbox: socket.socket) -> bool:
        deadline = time.monotonic() + READY_TIMEOUT
        while not all(worker.ready for worker in self.workers) and time.monotonic() < deadline:
            exited = [w.process for w in self.workers if w.process.poll() is not None]
            if exited:
                log.error("worker_exited", pid=exited[0].pid, code=exited[0].returncode)
                return False
            if self.stopping:
                return False
            self._hear(_receive(inbox), forward=False)
        return all(worker.ready for worker in self.workers)

    def _watch(self, inbox: socket.socket) -> int:
        interval = watchdog_interval()
        next_ping = time.monotonic()
        while True:
            exited = [w.process for w in self.workers if w.process.poll() is not None]
            if exited:
                if self.stopping and len(exited) == len(self.workers):
                    # A worker still starting (a replacement) dies of the forwarded signal
                    # itself before its handler is in place: that is a clean stop too.
                    clean = (0, -signal.SIGTERM, -signal.SIGINT)
                    return 0 if all(process.returncode in clean for process in exited) else 1
                if not self.stopping:
                    log.error("worker_exited", pid=exited[0].pid, code=exited[0].returncode)
                    return self._stop_all(1)
            self._hear(_receive(inbox), forward=True)
            now = time.monotonic()
            hung = [w for w in self.workers if w.silence(now) > self._allowed_silence(w)]
            if hung and not self.stopping and not self._replace(hung[0], now):
                return self._stop_all(1)
            if interval is not None and now >= next_ping and self._healthy():
                self.notifier.watchdog()
                next_ping = now + interval

    def _hear(self, message: tuple[int, dict[str, str]] | None, *, forward: bool) -> None:
        if message is None:
            return
        pid, fields = message
        worker = next((w for w in self.workers if w.process.pid == pid), None)
        if worker is None:  # a worker already replaced, or not one of ours
            return
        worker.heard = time.monotonic()
        if fields.get("READY") == "1":
            worker.ready = True
            if forward and all(w.ready for w in self.workers):
                self.notifier.ready(f"{self.count} workers serving")
        elif fields.get("RELOADING") == "1" and forward:
            self.notifier.reloading()

    def _healthy(self) -> bool:
        now = time.monotonic()
        return all(worker.healthy(now) for worker in self.workers)

    @staticmethod
    def _allowed_silence(worker: Worker) -> float:
        # A starting worker is still importing and binding: READY_TIMEOUT, as at start-up.
        return SILENCE_LIMIT if worker.ready else READY_TIMEOUT

    def _replace(self, worker: Worker, now: float) -> bool:
        """Kill a silent worker and start another with its index; False when over budget."""
        silent = round(worker.silence(now), 1)
        old = worker.process
        log.error("worker_unresponsive", pid=old.pid, index=worker.index, silent_seconds=silent)
        self.notifier.send(f"STATUS=worker {worker.index} unresponsive for {silent} s")
        old.kill()  # SIGKILL ends a stopped process too; its socket leaves the port's group
        try:
            old.wait(5)
        except subprocess.TimeoutExpired:  # stuck in the kernel: reaped by _stop_all, if ever
            log.error("worker_unkillable", pid=old.pid, index=worker.index)
        if not self.restarts.spend(now):
            log.error(
                "worker_restarts_exhausted", restarts=self.restarts.limit, window=RESTART_WINDOW
            )
            return False
        self.workers[worker.index] = self._spawn(worker.index)
        log.warning(
            "worker_restarted",
            index=worker.index,
            pid=self.workers[worker.index].process.pid,
            replaced=old.pid,
        )
        return True

    def _forward(self, number: int, _frame: object) -> None:
        if number in (signal.SIGTERM, signal.SIGINT):
            self.stopping = True
            self.notifier.stopping()
        for worker in self.workers:
            if worker.process.poll() is None:
                worker.process.send_signal(number)

    def _stop_all(self, code: int) -> int:
        self.stopping = True
        processes = [worker.process for worker in self.workers]
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        return code


def _prepare_worker() -> None:
    """Runs in the child between fork and exec."""
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.signal(signal.SIGUSR1, signal.SIG_IGN)
    # PR_SET_PDEATHSIG: if the supervisor dies, even by SIGKILL, the kernel sends the worker
    # SIGTERM, so no worker is left serving on its own.
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _receive(inbox: socket.socket) -> tuple[int, dict[str, str]] | None:
    """One notification and its sender's pid (from the kernel, not the text), or None."""
    try:
        data, ancillary, _, _ = inbox.recvmsg(4096, socket.CMSG_SPACE(_UCRED.size))
    except (TimeoutError, InterruptedError):
        return None
    pids = [
        _UCRED.unpack_from(payload)[0]
        for level, kind, payload in ancillary
        if level == socket.SOL_SOCKET
        and kind == socket.SCM_CREDENTIALS
        and len(payload) >= _UCRED.size
    ]
    if not pids:
        return None
    text = data.decode(errors="replace")
    return pids[0], dict(line.split("=", 1) for line in text.splitlines() if "=" in line)
