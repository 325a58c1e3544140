"""The real `ucdhcp serve -c FILE` process on 127.0.0.1: answers, signals, exit codes."""

import signal
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.commands import run_ucdhcp
from tests.dhcp.golden import OPTION_43_POOL01, OPTION_120_POOL01
from tests.dhcp.reply import expected_ack, option_data, xid_of
from tests.dhcp.request import phone_request, tlv

from .loopback import LOOPBACK, REPLY_TIMEOUT, config_text
from .serving import ServeProcess, free_port


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
def config_path(tmp_path: Path, port: int) -> Path:
    path = tmp_path / "ucdhcp.toml"
    path.write_text(config_text(port=port), encoding="utf-8")
    return path


@pytest.fixture
def client() -> Iterator[socket.socket]:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((LOOPBACK, 0))
        yield sock


def exchange(client: socket.socket, port: int, datagram: bytes) -> bytes:
    client.settimeout(REPLY_TIMEOUT)
    client.sendto(datagram, (LOOPBACK, port))
    reply, source = client.recvfrom(4096)
    assert source == (LOOPBACK, port)
    assert xid_of(reply) == xid_of(datagram)
    return reply


def test_serve_answers_phone_inform_with_dhcputil_options(
    start_serve: Callable[[Path], ServeProcess],
    config_path: Path,
    port: int,
    client: socket.socket,
) -> None:
    serve = start_serve(config_path)
    started = serve.wait_for("server_started")
    assert started["address"] == LOOPBACK
    assert started["port"] == port
    assert started["server_id"] == LOOPBACK
    assert started["sites"] == ["headquarters"]
    assert started["config"] == str(config_path)

    ack = exchange(client, port, phone_request())
    assert ack == expected_ack(tlv(43, OPTION_43_POOL01) + tlv(120, OPTION_120_POOL01))
    assert option_data(ack)[43] == OPTION_43_POOL01
    assert option_data(ack)[120] == OPTION_120_POOL01


def test_sighup_reloads_the_rewritten_config_and_keeps_it_on_a_broken_file(
    start_serve: Callable[[Path], ServeProcess],
    config_path: Path,
    port: int,
    client: socket.socket,
) -> None:
    serve = start_serve(config_path)
    serve.wait_for("server_started")
    assert option_data(exchange(client, port, phone_request(xid=1)))[120] == OPTION_120_POOL01

    config_path.write_text(config_text("pool02.contoso.com", port=port), encoding="utf-8")
    serve.signal(signal.SIGHUP)
    reloaded = serve.wait_for("config_reloaded")
    assert reloaded["sites"] == ["headquarters"]
    ack = exchange(client, port, phone_request(xid=2))
    assert ack == expected_ack(
        tlv(43, OPTION_43_POOL01.replace(b"pool01", b"pool02"))
        + tlv(120, OPTION_120_POOL01.replace(b"pool01", b"pool02")),
        xid=2,
    )

    config_path.write_text(config_text("pool_03.contoso.com", port=port), encoding="utf-8")
    serve.signal(signal.SIGHUP)
    failed = serve.wait_for("config_reload_failed")
    assert failed["config"] == str(config_path)
    assert [p.split(":")[0] for p in failed["problems"]] == ["sites[0].sip_servers[0]"]
    ack = exchange(client, port, phone_request(xid=3))
    assert option_data(ack)[120] == OPTION_120_POOL01.replace(b"pool01", b"pool02")
    # Both reloads were validated in a short-lived child (config/isolated.py): pydantic's ~13 MB
    # of models and validators never became part of the serving process (docs/operating.md).
    maps = Path(f"/proc/{serve.process.pid}/maps").read_text(encoding="utf-8")
    assert "libpython" in maps or "python3" in maps  # the serving process's own map
    assert "pydantic" not in maps


def test_sigusr1_logs_a_counters_event(
    start_serve: Callable[[Path], ServeProcess],
    config_path: Path,
    port: int,
    client: socket.socket,
) -> None:
    serve = start_serve(config_path)
    serve.wait_for("server_started")
    # Ignored, then answered: a reply to the first would come first and fail exchange's xid
    # check (the order argument of loopback.py's Loopback.exchange_after_ignored).
    client.sendto(phone_request(xid=0xBAD, vendor_class=None), (LOOPBACK, port))
    exchange(client, port, phone_request())

    serve.signal(signal.SIGUSR1)
    counters = serve.wait_for("counters")
    assert counters["received"] == {"inform": 2}
    assert counters["replies"] == {"source": 1}
    assert counters["ignored"] == {"no_vendor_class": 1}
    assert counters["sites"] == {"headquarters": 1}
    assert counters["reloads"] == {"ok": 0, "failed": 0}
    exchange(client, port, phone_request(xid=2))  # still serving after the dump


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_stop_signal_exits_0_with_a_server_stopped_event(
    start_serve: Callable[[Path], ServeProcess],
    config_path: Path,
    port: int,
    client: socket.socket,
    signum: int,
) -> None:
    serve = start_serve(config_path)
    serve.wait_for("server_started")
    exchange(client, port, phone_request())

    serve.signal(signum)
    stopped = serve.wait_for("server_stopped")
    assert serve.wait_exit() == 0
    assert stopped["received"] == {"inform": 1}
    assert stopped["replies"] == {"source": 1}


def test_second_instance_on_the_same_port_exits_1_saying_already_in_use(
    start_serve: Callable[[Path], ServeProcess],
    config_path: Path,
    port: int,
    client: socket.socket,
) -> None:
    first = start_serve(config_path)
    first.wait_for("server_started")

    second = run_ucdhcp("serve", "-c", str(config_path))
    assert second.returncode == 1
    assert "already in use" in second.stderr
    assert f"127.0.0.1:{port}" in second.stderr
    assert "server_started" not in second.stdout

    ack = exchange(client, port, phone_request())  # the first instance still gets the traffic
    assert option_data(ack)[120] == OPTION_120_POOL01


def test_serve_with_a_bad_config_exits_2_naming_file_and_field(tmp_path: Path, port: int) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(config_text("pool01", port=port), encoding="utf-8")
    result = run_ucdhcp("serve", "-c", str(path))
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert line.startswith(f"{path}: sites[0].sip_servers[0]: ")
    assert "'pool01' is not fully qualified" in line
    assert "server_started" not in result.stdout


def test_serve_on_an_address_no_interface_has_exits_1_saying_so(tmp_path: Path) -> None:
    nonlocal_bind = Path("/proc/sys/net/ipv4/ip_nonlocal_bind")
    if nonlocal_bind.exists() and nonlocal_bind.read_text().strip() != "0":
        pytest.skip("net.ipv4.ip_nonlocal_bind is on: binding any address succeeds here")
    path = tmp_path / "elsewhere.toml"
    # 192.0.2.1 (TEST-NET-1) is on no interface here: the bind fails, nothing is sent.
    path.write_text(config_text().replace('"127.0.0.1"', '"192.0.2.1"'), encoding="utf-8")
    result = run_ucdhcp("serve", "-c", str(path))
    assert result.returncode == 1
    assert "no interface has address 192.0.2.1" in result.stderr


def test_serve_logs_json_lines_when_format_is_auto_and_stdout_is_a_pipe(
    start_serve: Callable[[Path], ServeProcess],
    tmp_path: Path,
    port: int,
) -> None:
    path = tmp_path / "auto.toml"
    path.write_text(
        config_text(port=port).replace('format = "json"', 'format = "auto"'), encoding="utf-8"
    )
    serve = start_serve(path)
    started = serve.wait_for("server_started")  # wait_for parses every line as JSON
    assert started["level"] == "info"
    assert started["port"] == port
