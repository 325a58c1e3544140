"""Network namespaces for tests: hosts joined by veth pairs and bridges, torn down afterwards.

Every name carries the test run's PID so parallel or leftover runs cannot collide, and
teardown stops only the processes started here (by PID) and deletes only the namespaces
created here. Links are created inside the namespaces, never in the host's.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import signal
import subprocess
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

_counter = itertools.count()

# The one reason tests/conftest.py gives for every `needs_root` test it skips for another user.
RUN_AS_ROOT = (
    "needs root (network namespaces, and the Debian peers the set-up installs as root):"
    " run `sudo ./scripts/test`"
)


def netns_available() -> str | None:
    """None when namespaces can be used here, else the reason they cannot."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    if shutil.which("ip") is None:
        return "iproute2 (ip) is not installed"
    return None


def require_netns() -> None:
    """Fail (not skip) when namespaces are unavailable: as root that is a broken set-up, and
    for other users tests/conftest.py skips every test marked `needs_root` before this runs."""
    reason = netns_available()
    if reason is not None:
        pytest.fail(f"{reason}; is the test marked @pytest.mark.needs_root?")


def run(*args: str, check: bool = True, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), capture_output=True, text=True, timeout=timeout, check=check)


class Lab:
    """A set of namespaces ("hosts") and the links between them."""

    def __init__(self) -> None:
        self.tag = f"u{os.getpid() % 100000}x{next(_counter)}"
        self.namespaces: list[str] = []
        self.processes: list[subprocess.Popen[bytes]] = []

    def host(self, name: str) -> str:
        """Create a namespace with loopback up and IPv6 off; returns its full name."""
        full = f"{self.tag}{name}"
        run("ip", "netns", "add", full)
        self.namespaces.append(full)
        self.exec(full, "ip", "link", "set", "lo", "up")
        self.exec(full, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1")
        return full

    def exec(
        self, namespace: str, *args: str, check: bool = True, timeout: float = 30
    ) -> subprocess.CompletedProcess[str]:
        return run("ip", "netns", "exec", namespace, *args, check=check, timeout=timeout)

    def link(
        self, a: str, a_if: str, a_addr: str | None, b: str, b_if: str, b_addr: str | None
    ) -> None:
        """A veth pair from namespace a (interface a_if, CIDR a_addr) to namespace b.

        Created inside a with its peer put straight into b: nothing ever exists in the host's
        namespace, so a run interrupted at any point leaves only namespaces behind, and
        deleting them removes their links."""
        run("ip", "-n", a, "link", "add", a_if, "type", "veth", "peer", "name", b_if, "netns", b)
        for namespace, name, address in ((a, a_if, a_addr), (b, b_if, b_addr)):
            if address:
                run("ip", "-n", namespace, "addr", "add", address, "dev", name)
            run("ip", "-n", namespace, "link", "set", name, "up")

    def bridge(
        self, namespace: str, name: str, ports: Sequence[str], address: str | None = None
    ) -> None:
        """A bridge inside a namespace joining its interfaces `ports` (a shared segment)."""
        self.exec(namespace, "ip", "link", "add", name, "type", "bridge")
        for port in ports:
            self.exec(namespace, "ip", "link", "set", port, "master", name)
        if address:
            self.exec(namespace, "ip", "addr", "add", address, "dev", name)
        self.exec(namespace, "ip", "link", "set", name, "up")

    def switch(self, *ends: tuple[str, str, str | None]) -> str:
        """A switch: a namespace whose bridge br0 joins one port (p1, p2, ...) per end, each a
        veth to (namespace, interface, CIDR or None). Returns the switch's namespace."""
        switch = self.host("sw")
        ports = [f"p{number}" for number in range(1, len(ends) + 1)]
        for port, (namespace, interface, address) in zip(ports, ends, strict=True):
            self.link(switch, port, None, namespace, interface, address)
        self.bridge(switch, "br0", ports)
        return switch

    def start(
        self,
        namespace: str,
        *args: str,
        stdout: Path | None = None,
        env: dict[str, str] | None = None,
    ) -> subprocess.Popen[bytes]:
        """Start a background process in a namespace; it is stopped at teardown."""
        out = open(stdout, "wb") if stdout else subprocess.DEVNULL  # noqa: SIM115
        process = subprocess.Popen(
            ["ip", "netns", "exec", namespace, *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
        self.processes.append(process)
        return process

    def stop(
        self, process: subprocess.Popen[bytes], sig: int = signal.SIGTERM, timeout: float = 5
    ) -> int | None:
        if process.poll() is None:
            process.send_signal(sig)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout)
        return process.returncode

    def close(self) -> None:
        for process in reversed(self.processes):
            self.stop(process)
        for namespace in reversed(self.namespaces):
            # Processes left in the namespace were started by us through `ip netns exec`.
            pids = run("ip", "netns", "pids", namespace, check=False).stdout.split()
            for pid in pids:
                with contextlib.suppress(ProcessLookupError, ValueError):
                    os.kill(int(pid), signal.SIGKILL)
            run("ip", "netns", "del", namespace, check=False)
        self.namespaces.clear()


@contextlib.contextmanager
def open_lab() -> Iterator[Lab]:
    """A Lab that is closed on exit, checking that none of its namespaces is left behind: the
    `lab` fixture, and module-scoped fixtures that share one Lab between tests."""
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


@pytest.fixture
def lab() -> Iterator[Lab]:
    with open_lab() as created:
        yield created
