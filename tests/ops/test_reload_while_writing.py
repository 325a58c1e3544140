"""SIGHUPs while the config file is rewritten in place (`cat > file`, an editor without atomic
save): `ucdhcp serve` never answers from a cut-off file, and ends up serving the final one.

The two configs differ in every value option 43 and 120 carry, and each later line overrides a
default: a file cut after any line, or in the middle of a number, that still validates gives
replies equal to neither config (web server = SIP server, port 443 or 84, the default path).
"""

import ctypes
import os
import select
import signal
import socket
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.dhcp.reply import expected_ack, option_data, xid_of
from tests.dhcp.request import phone_request, tlv
from tests.waiting import wait_until

from ..integration.loopback import LOOPBACK
from ..integration.serving import EXIT_TIMEOUT, ServeProcess, free_port

REWRITES = 7  # alternately new, old, new...: the last one leaves the new config
GAP = 0.8  # seconds between two rewrites, enough for a reload to take the finished file
SIGHUP_EVERY = 0.04
MAX_SIGHUPS = 1000
MAX_REQUESTS = 500_000
REPLY_TIMEOUT = 2.0
WAIT = 15.0  # bound on each wait for the server (a reply, the final config, a reload)
IN_OPEN = 0x20  # <sys/inotify.h>
STOP_WAIT = 5.0  # < TIMEOUT in config/written.py: a stop does not wait for a reload


def config_pieces(name: str, web_port: int, server_port: int) -> list[str]:
    lines = [
        "[server]",
        'address = "127.0.0.1"',
        f"port = {server_port}",
        "[logging]",
        'format = "json"',
        "[limits]",
        "replies_per_client = 0  # one test client sends every request",
        "replies_per_destination = 0",
        "replies_per_port = 0",
        "requests_per_source = 0",
        "[[sites]]",
        'name = "hq"',
        'subnets = ["10.1.2.0/24"]',
        f'sip_servers = ["{name}.contoso.com"]',
        f'web_server = "web-{name}.contoso.com"',
        f"port = {web_port}",
        f'cert_provisioning_path = "/CertProv/{name}.svc"',
    ]
    # Half a line at a time, so a cut can land in the middle of a value too.
    return [
        half for line in lines for half in (line[: len(line) // 2], line[len(line) // 2 :] + "\n")
    ]


def expected_reply(name: str, web_port: int, xid: int) -> bytes:
    def sub(code: int, text: str) -> bytes:
        return tlv(code, text.encode())

    option_43 = (
        sub(1, "MS-UC-Client")
        + sub(2, "https")
        + sub(3, f"web-{name}.contoso.com")
        + sub(4, str(web_port))
        + sub(5, f"/CertProv/{name}.svc")
    )
    labels = [name, "contoso", "com"]
    # RFC 3361 §3.1: encoding byte 0, then the name as RFC 1035 labels
    option_120 = b"\x00" + b"".join(bytes((len(x),)) + x.encode() for x in labels) + b"\x00"
    return expected_ack(tlv(43, option_43) + tlv(120, option_120), xid=xid)


OLD = ("old", 5443)
NEW = ("new", 8443)


def write_held_open(path: Path, pieces: list[str]) -> None:
    """`cat > file` fed piece by piece: one writer holds the file open throughout."""
    with subprocess.Popen(
        ["sh", "-c", 'exec cat > "$1"', "sh", str(path)], stdin=subprocess.PIPE
    ) as cat:
        assert cat.stdin is not None
        for piece in pieces:
            cat.stdin.write(piece.encode())
            cat.stdin.flush()
            time.sleep(0.02)
        cat.stdin.close()
        assert cat.wait(EXIT_TIMEOUT) == 0


def write_reopened(path: Path, pieces: list[str]) -> None:
    """Truncate, then append piece by piece, closing the file in between, quickly."""
    for index, piece in enumerate(pieces):
        with path.open("w" if index == 0 else "a", encoding="utf-8") as file:
            file.write(piece)
        time.sleep(0.005)


class Client(threading.Thread):
    """Sends INFORMs one after another and sorts each reply as old, new or other."""

    def __init__(self, port: int) -> None:
        super().__init__(daemon=True)
        self.port = port
        self.stop = threading.Event()
        self.seen: Counter[str] = Counter()
        self.others: list[bytes] = []
        self.last = ""

    def run(self) -> None:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.bind((LOOPBACK, 0))
            sock.settimeout(REPLY_TIMEOUT)
            for xid in range(1, MAX_REQUESTS):
                if self.stop.is_set():
                    return
                sock.sendto(phone_request(xid=xid), (LOOPBACK, self.port))
                try:
                    reply = sock.recv(4096)
                except TimeoutError:
                    self.last = "lost"
                else:
                    self.last = self.classify(reply, xid)
                self.seen[self.last] += 1

    def classify(self, reply: bytes, xid: int) -> str:
        for label, (name, web_port) in (("old", OLD), ("new", NEW)):
            if reply == expected_reply(name, web_port, xid):
                return label
        if len(self.others) < 5:
            self.others.append(reply)
        return "other" if xid_of(reply) == xid else "late"


def send_sighups(process: subprocess.Popen[str], stop: threading.Event) -> None:
    for _ in range(MAX_SIGHUPS):
        if stop.wait(SIGHUP_EVERY):
            return
        process.send_signal(signal.SIGHUP)


@contextmanager
def watching_opens(path: Path) -> Iterator[Callable[[float], bool]]:
    """inotify(7) on `path`: yields a function that waits up to its argument in seconds for
    any process to open the file, and says whether one did."""
    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.inotify_init1(os.O_CLOEXEC)
    assert fd >= 0, os.strerror(ctypes.get_errno())
    try:
        watch = libc.inotify_add_watch(fd, os.fsencode(path), IN_OPEN)
        assert watch >= 0, os.strerror(ctypes.get_errno())
        yield lambda timeout: bool(select.select([fd], [], [], timeout)[0])
    finally:
        os.close(fd)


@contextmanager
def serving(path: Path, stderr_path: Path) -> Iterator[ServeProcess]:
    with stderr_path.open("w", encoding="utf-8") as stderr:
        serve = ServeProcess(path, stderr)
        try:
            yield serve
        finally:
            if serve.process.poll() is None:
                serve.process.kill()
                serve.process.wait(EXIT_TIMEOUT)


@pytest.mark.parametrize("write", [write_held_open, write_reopened], ids=["held-open", "reopened"])
def test_sighups_during_in_place_rewrites_never_serve_a_partial_file(
    tmp_path: Path, write: Callable[[Path, list[str]], None]
) -> None:
    port = free_port()
    path = tmp_path / "ucdhcp.toml"
    path.write_text("".join(config_pieces(*OLD, port)), encoding="utf-8")
    with serving(path, tmp_path / "serve.stderr") as serve:
        serve.wait_for("server_started")
        client = Client(port)
        client.start()
        stop_sighups = threading.Event()
        sighups = threading.Thread(target=send_sighups, args=(serve.process, stop_sighups))
        sighups.start()
        try:
            wait_until(lambda: client.seen["old"] > 0, WAIT, "a reply from the first config")
            for rewrite in range(REWRITES):
                time.sleep(GAP)
                write(path, config_pieces(*(NEW if rewrite % 2 == 0 else OLD), port))
        finally:
            stop_sighups.set()
            sighups.join()
        serve.signal(signal.SIGHUP)
        wait_until(lambda: client.last == "new" or not client.is_alive(), WAIT, "the final config")
        client.stop.set()
        client.join(EXIT_TIMEOUT)
    others = [option_data(reply)[43] for reply in client.others]
    assert client.seen["other"] == 0, f"replies from a partial file: {client.seen} {others}"
    assert client.seen["lost"] == client.seen["late"] == 0, client.seen
    assert client.last == "new", client.seen
    assert client.seen["old"] > 0 and client.seen["new"] > 0


def test_stop_while_a_reload_waits_for_a_writer_is_prompt_and_quiet(tmp_path: Path) -> None:
    port = free_port()
    path = tmp_path / "ucdhcp.toml"
    path.write_text("".join(config_pieces(*OLD, port)), encoding="utf-8")
    with serving(path, tmp_path / "serve.stderr") as serve, path.open("a"):
        serve.wait_for("server_started")
        with watching_opens(path) as opened:
            serve.signal(signal.SIGHUP)  # the file is open for writing: this reload waits
            assert opened(WAIT), "the reload never looked at the file"
        serve.signal(signal.SIGTERM)
        stopped = serve.wait_for("server_stopped")
        assert serve.process.wait(STOP_WAIT) == 0  # well before the reload would give up
    assert stopped["reloads"] == {"ok": 0, "failed": 0}
    # Nothing between start and stop: no reload outcome, no error (a receive_buffer_capped
    # warning at start-up is the host's, when net.core.rmem_max is low and we are not root).
    events = [e["event"] for e in serve.seen if e["event"] != "receive_buffer_capped"]
    assert events == ["server_started", "server_stopped"]
    assert (tmp_path / "serve.stderr").read_text(encoding="utf-8") == ""
