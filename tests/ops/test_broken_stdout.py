"""A log reader that goes away (journald restarted, `docker logs -f` closed on a pipe) never
stops the responder: requests keep being answered and SIGTERM still exits 0 cleanly."""

import json
import os
import select
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

import pytest

from tests.dhcp.golden import OPTION_120_POOL01
from tests.dhcp.reply import option_data
from tests.dhcp.request import phone_request

from ..integration.serving import free_port

WAIT = 10.0


def read_until_started(pipe: IO[bytes]) -> list[str]:
    """The events logged up to server_started: others may come first (receive_buffer_capped
    when the process may not force its receive buffer), so the first line proves nothing."""
    data, deadline = b"", time.monotonic() + WAIT
    while (remaining := deadline - time.monotonic()) > 0:
        if not select.select([pipe], [], [], remaining)[0]:
            break
        chunk = os.read(pipe.fileno(), 65536)
        if not chunk:
            break
        data += chunk
        complete = data[: data.rfind(b"\n") + 1].splitlines()
        events = [json.loads(line)["event"] for line in complete]
        if "server_started" in events:
            return events
    pytest.fail(f"no server_started within {WAIT} s; the server wrote {data!r}")


def test_a_closed_log_pipe_changes_nothing_for_phones(tmp_path: Path) -> None:
    port = free_port()
    config = tmp_path / "ucdhcp.toml"
    config.write_text(
        f'[server]\naddress = "127.0.0.1"\nport = {port}\n'
        '[logging]\nformat = "json"\nrequests = true\n[limits]\nreplies_per_client = 0\n'
        '[[sites]]\nname = "hq"\nsubnets = ["10.1.2.0/24"]\nsip_servers = ["pool01.contoso.com"]\n',
        encoding="utf-8",
    )
    errors = tmp_path / "stderr"
    program = Path(sys.executable).parent / "ucdhcp"
    with errors.open("wb") as stderr:
        server = subprocess.Popen(
            [str(program), "serve", "-c", str(config)], stdout=subprocess.PIPE, stderr=stderr
        )
    try:
        assert server.stdout is not None
        read_until_started(server.stdout)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
            client.settimeout(WAIT)
            client.sendto(phone_request(xid=1), ("127.0.0.1", port))
            client.recvfrom(4096)
            # The log reader goes away: closing the pipe's only read end is immediate, so every
            # later write by the server meets a broken pipe.
            server.stdout.close()
            for xid in (2, 3, 4):
                client.sendto(phone_request(xid=xid), ("127.0.0.1", port))
                assert option_data(client.recvfrom(4096)[0])[120] == OPTION_120_POOL01
        server.send_signal(signal.SIGTERM)
        assert server.wait(WAIT) == 0
        assert "Traceback" not in errors.read_text(errors="replace")
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(WAIT)
