"""`ucdhcp serve --workers 2`: two processes share the port (SO_REUSEPORT), the supervisor
tells the service manager READY=1 once both are, forwards signals, and stops them all."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.dhcp.golden import OPTION_120_POOL01
from tests.dhcp.reply import option_data
from tests.dhcp.request import phone_request
from ucdhcp.runtime.workers import RestartBudget

from ..integration.serving import events, free_port

WAIT = 10.0
CLIENTS = 64


def wait_for(output: Path, name: str, count: int) -> list[dict[str, object]]:
    deadline = time.monotonic() + WAIT
    while len(found := events(output, name)) < count:
        assert time.monotonic() < deadline, f"no {count} x {name} in {output.read_text()}"
        time.sleep(0.05)
    return found


PROGRAM = Path(sys.executable).parent / "ucdhcp"
SITE = '[[sites]]\nname = "hq"\nsubnets = ["10.1.2.0/24"]\nsip_servers = ["pool01.contoso.com"]\n'


def write_config(tmp_path: Path, port: int | None, extra: str = "") -> Path:
    """A one-site config on 127.0.0.1:port (port None: the default 0.0.0.0:67), JSON logs."""
    server = "" if port is None else f'[server]\naddress = "127.0.0.1"\nport = {port}\n'
    config = tmp_path / "ucdhcp.toml"
    config.write_text(server + '[logging]\nformat = "json"\n' + extra + SITE, encoding="utf-8")
    return config


def run_workers(config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(PROGRAM), "serve", "--workers", "2", "-c", str(config)],
        capture_output=True,
        text=True,
        timeout=WAIT,
        check=False,
    )


@contextmanager
def supervisor_running(
    config: Path, output: Path, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """`serve --workers 2` with stdout in `output`; killed (workers with it) if still running."""
    with output.open("wb") as sink:
        supervisor = subprocess.Popen(
            [str(PROGRAM), "serve", "--workers", "2", "-c", str(config)],
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        yield supervisor
    finally:
        if supervisor.poll() is None:
            supervisor.kill()
            supervisor.wait(WAIT)


def test_two_workers_share_the_port_and_stop_together(tmp_path: Path) -> None:
    port = free_port()
    # One test chaddr plays every client: no per-client reply limit.
    config = write_config(tmp_path, port, "[limits]\nreplies_per_client = 0\n")
    notify_path = str(tmp_path / "notify")
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(notify_path)
    notify.settimeout(WAIT)
    output = tmp_path / "out.jsonl"
    environment = {**os.environ, "NOTIFY_SOCKET": notify_path}
    with notify, supervisor_running(config, output, environment) as supervisor:
        ready = dict(line.split("=", 1) for line in notify.recv(4096).decode().splitlines())
        assert ready["READY"] == "1" and ready["STATUS"] == "2 workers serving"
        [started] = wait_for(output, "workers_ready", 1)
        pids = started["pids"]
        assert isinstance(pids, list) and len(pids) == 2

        # Each client from its own port: the kernel spreads flows over the two sockets.
        for xid in range(1, CLIENTS + 1):
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
                client.settimeout(WAIT)
                client.sendto(phone_request(xid=xid), ("127.0.0.1", port))
                reply, _ = client.recvfrom(4096)
                assert option_data(reply)[120] == OPTION_120_POOL01

        supervisor.send_signal(signal.SIGUSR1)  # forwarded: each worker logs its counters
        counters = wait_for(output, "counters", 2)
        answered = [event["replies"] for event in counters]
        assert all(isinstance(r, dict) and r.get("source", 0) > 0 for r in answered), answered
        assert sum(r["source"] for r in answered if isinstance(r, dict)) == CLIENTS

        supervisor.send_signal(signal.SIGTERM)
        assert supervisor.wait(WAIT) == 0
        assert not any(_alive(pid) for pid in pids)


def test_a_taken_port_stops_the_supervisor_before_any_worker_starts(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        result = run_workers(write_config(tmp_path, taken.getsockname()[1]))
    assert result.returncode == 1
    assert "already in use" in result.stderr


def test_workers_stop_when_the_supervisor_is_killed(tmp_path: Path) -> None:
    output = tmp_path / "out.jsonl"
    with supervisor_running(write_config(tmp_path, free_port()), output) as supervisor:
        [started] = wait_for(output, "workers_ready", 1)
        pids = started["pids"]
        assert isinstance(pids, list) and len(pids) == 2
        supervisor.kill()  # SIGKILL: no chance to stop the workers itself
        supervisor.wait(WAIT)
        deadline = time.monotonic() + WAIT
        while any(_alive(pid) for pid in pids):
            assert time.monotonic() < deadline, f"workers {pids} outlived their supervisor"
            time.sleep(0.05)


def _alive(pid: object) -> bool:
    try:
        assert isinstance(pid, int)
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_workers_are_refused_where_broadcasts_would_be_answered_once_per_worker(
    tmp_path: Path,
) -> None:
    # server.address defaults to 0.0.0.0: per-interface sockets that receive broadcasts.
    result = run_workers(write_config(tmp_path, None))
    assert result.returncode == 2
    assert "broadcasts would be answered once per worker" in result.stderr


def test_an_early_sighup_does_not_kill_the_starting_workers(tmp_path: Path) -> None:
    port = free_port()
    output = tmp_path / "out.jsonl"
    with supervisor_running(write_config(tmp_path, port), output) as supervisor:
        # As soon as the workers exist (so the supervisor's own handler is in place), while
        # they are still starting Python: the supervisor forwards the SIGHUP to them.
        children = Path(f"/proc/{supervisor.pid}/task/{supervisor.pid}/children")
        deadline = time.monotonic() + WAIT
        while len(children.read_text().split()) < 2:
            assert time.monotonic() < deadline, "the workers never started"
            time.sleep(0.005)
        supervisor.send_signal(signal.SIGHUP)
        wait_for(output, "workers_ready", 1)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
            client.settimeout(WAIT)
            client.sendto(phone_request(xid=7), ("127.0.0.1", port))
            assert option_data(client.recvfrom(4096)[0])[120] == OPTION_120_POOL01
        supervisor.send_signal(signal.SIGTERM)
        assert supervisor.wait(WAIT) == 0


def _answered(port: int, first_xid: int) -> int:
    """INFORMs from CLIENTS source ports (the kernel spreads flows by port); how many answered."""
    answered = 0
    for xid in range(first_xid, first_xid + CLIENTS):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
            client.settimeout(1.0)
            client.sendto(phone_request(xid=xid), ("127.0.0.1", port))
            try:
                reply, _ = client.recvfrom(4096)
            except TimeoutError:
                continue
            answered += option_data(reply)[120] == OPTION_120_POOL01
    return answered


def _notifications(notify: socket.socket) -> list[dict[str, str]]:
    """Every datagram waiting in the test's NOTIFY_SOCKET, in order."""
    found = []
    notify.setblocking(False)
    try:
        while True:
            data = notify.recv(4096).decode()
            found.append(dict(line.split("=", 1) for line in data.splitlines()))
    except BlockingIOError:
        return found
    finally:
        notify.settimeout(WAIT)


def test_a_stopped_worker_is_killed_and_replaced_and_the_watchdog_waits_for_it(
    tmp_path: Path,
) -> None:
    port = free_port()
    config = write_config(tmp_path, port, "[limits]\nreplies_per_client = 0\n")
    notify_path = str(tmp_path / "notify")
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(notify_path)
    output = tmp_path / "out.jsonl"
    # systemd's watchdog at 1 s: the supervisor pings every 0.5 s while its workers are healthy.
    environment = {**os.environ, "NOTIFY_SOCKET": notify_path, "WATCHDOG_USEC": "1000000"}
    with notify, supervisor_running(config, output, environment) as supervisor:
        [started] = wait_for(output, "workers_ready", 1)
        pids = started["pids"]
        assert isinstance(pids, list) and len(pids) == 2
        assert _answered(port, 1) == CLIENTS

        os.kill(pids[1], signal.SIGSTOP)  # hung: alive, socket bound, never reading it
        try:
            [silent] = wait_for(output, "worker_unresponsive", 1)
            [restarted] = wait_for(output, "worker_restarted", 1)
        finally:
            if _alive(pids[1]):
                os.kill(pids[1], signal.SIGKILL)
        assert silent["pid"] == pids[1] and silent["index"] == 1
        assert isinstance(silent["silent_seconds"], float) and silent["silent_seconds"] >= 3
        assert restarted["index"] == 1 and restarted["replaced"] == pids[1]
        replacement = restarted["pid"]
        assert isinstance(replacement, int) and replacement not in pids
        assert not _alive(pids[1])

        # Every flow is answered again once the replacement is ready, and it answers its share.
        wait_for(output, "server_started", 3)
        deadline = time.monotonic() + WAIT
        while (answered := _answered(port, 1000)) < CLIENTS:
            assert time.monotonic() < deadline, f"{answered} of {CLIENTS} answered"
        os.kill(replacement, signal.SIGUSR1)
        [*_, counters] = wait_for(output, "counters", 1)
        replies = counters["replies"]
        assert isinstance(replies, dict) and replies.get("source", 0) > 0

        # systemd's watchdog was not fed from the moment the worker was found hung until its
        # replacement was ready, and is fed again afterwards.
        sent = _notifications(notify)
        unhealthy = next(i for i, m in enumerate(sent) if "unresponsive" in m.get("STATUS", ""))
        healthy = next(i for i, m in enumerate(sent) if i > unhealthy and m.get("READY") == "1")
        assert all("WATCHDOG" not in m for m in sent[unhealthy:healthy]), sent
        deadline = time.monotonic() + WAIT
        while not any("WATCHDOG" in m for m in sent[healthy:]):
            assert time.monotonic() < deadline, "the watchdog was never fed again"
            time.sleep(0.1)
            sent += _notifications(notify)

        supervisor.send_signal(signal.SIGTERM)
        assert supervisor.wait(WAIT) == 0
        assert not any(_alive(pid) for pid in [pids[0], replacement])


def test_the_restart_budget_allows_five_replacements_a_minute() -> None:
    budget = RestartBudget(limit=5, window=60.0)
    assert all(budget.spend(float(second)) for second in range(5))
    assert not budget.spend(30.0)  # a sixth within the minute: systemd restarts the service
    assert budget.spend(60.0)  # the first one has left the window
