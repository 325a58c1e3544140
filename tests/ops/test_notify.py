"""sd_notify(3) spoken by `ucdhcp serve` to a real AF_UNIX datagram socket in NOTIFY_SOCKET:
READY=1 only once bound, RELOADING=1/READY=1 around SIGHUP, WATCHDOG=1, STOPPING=1."""

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ucdhcp.runtime.notify import Notifier

from ..integration.serving import events

WAIT = 10.0  # bound on every wait


def config(tmp_path: Path) -> Path:
    path = tmp_path / "ucdhcp.toml"
    path.write_text(
        '[server]\naddress = "127.0.0.1"\nport = 0\n[logging]\nformat = "json"\n'
        '[[sites]]\nname = "hq"\nsubnets = ["127.0.0.0/8"]\nsip_servers = ["pool01.contoso.com"]\n',
        encoding="utf-8",
    )
    return path


@pytest.fixture
def notify_socket(tmp_path: Path) -> Iterator[tuple[socket.socket, str]]:
    path = str(tmp_path / "notify")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(WAIT)
    try:
        yield sock, path
    finally:
        sock.close()


def receive(sock: socket.socket) -> dict[str, str]:
    data = sock.recv(4096).decode()
    return dict(line.split("=", 1) for line in data.splitlines())


def start(path: Path, notify: str, **env: str) -> subprocess.Popen[bytes]:
    """`ucdhcp serve` with its log lines (and any traceback) in output.jsonl beside the config."""
    environment = {**os.environ, "NOTIFY_SOCKET": notify, **env}
    program = Path(sys.executable).parent / "ucdhcp"
    with output_of(path).open("wb") as output:
        return subprocess.Popen(
            [str(program), "serve", "-c", str(path)],
            stdout=output,
            stderr=subprocess.STDOUT,
            env=environment,
        )


def output_of(config_path: Path) -> Path:
    return config_path.with_name("output.jsonl")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.kill()
        process.wait(WAIT)


def test_ready_reload_and_stopping_are_notified_in_order(tmp_path: Path, notify_socket) -> None:
    sock, address = notify_socket
    path = config(tmp_path)
    process = start(path, address)
    try:
        ready = receive(sock)
        assert ready["READY"] == "1"
        assert ready["MAINPID"] == str(process.pid)
        assert "serving 1 site(s)" in ready["STATUS"]
        # READY=1 comes after the socket is bound: server_started is already written. Other
        # events may precede it (receive_buffer_capped without CAP_NET_ADMIN), so look for it.
        assert events(output_of(path), "server_started"), output_of(path).read_text()

        process.send_signal(signal.SIGHUP)
        reloading = receive(sock)
        assert reloading["RELOADING"] == "1"
        assert int(reloading["MONOTONIC_USEC"]) > 0
        assert receive(sock)["READY"] == "1"

        process.send_signal(signal.SIGTERM)
        assert receive(sock)["STOPPING"] == "1"
        assert process.wait(WAIT) == 0
    finally:
        stop(process)


def test_watchdog_pings_when_systemd_asks_for_them(tmp_path: Path, notify_socket) -> None:
    sock, address = notify_socket
    process = start(config(tmp_path), address, WATCHDOG_USEC="200000")
    try:
        assert receive(sock)["READY"] == "1"
        pings = [receive(sock) for _ in range(3)]
        assert all(ping == {"WATCHDOG": "1"} for ping in pings)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(WAIT)
        stop(process)


def test_no_ready_is_sent_when_the_config_is_broken(tmp_path: Path, notify_socket) -> None:
    sock, address = notify_socket
    broken = tmp_path / "broken.toml"
    broken.write_text("[[sites]]\nname = 'x'\n", encoding="utf-8")
    process = start(broken, address)
    try:
        assert process.wait(WAIT) == 2
        sock.setblocking(False)  # it has exited: whatever it sent is already queued
        with pytest.raises(BlockingIOError):
            sock.recv(4096)
    finally:
        stop(process)


def test_abstract_namespace_address_is_written_with_a_leading_nul() -> None:
    assert Notifier("@ucdhcp-test").address == "\0ucdhcp-test"
    assert Notifier("/run/systemd/notify").address == "/run/systemd/notify"
    assert not Notifier("").enabled
    assert Notifier("").send("READY=1") is False
