"""`serve` without the privilege to bind port 67 exits 1 with one line that names the ways to get
it: sudo, the systemd unit, the container image, or setcap on the real interpreter file."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.commands import ucdhcp_command

UNPRIVILEGED_PORT_START = Path("/proc/sys/net/ipv4/ip_unprivileged_port_start")
EXIT_RUNTIME = 1


def test_serve_without_the_bind_privilege_says_how_to_get_it(tmp_path: Path) -> None:
    if int(UNPRIVILEGED_PORT_START.read_text()) <= 67:
        pytest.skip("net.ipv4.ip_unprivileged_port_start lets anyone bind port 67 here")
    config = tmp_path / "ucdhcp.toml"
    config.write_text(
        '[server]\naddress = "127.0.0.1"\nport = 67\n'
        '[[sites]]\nname = "hq"\nsubnets = ["10.1.2.0/24"]\nsip_servers = ["pool01.contoso.com"]\n',
        encoding="utf-8",
    )
    command = [*ucdhcp_command(), "serve", "-c", str(config)]
    if os.geteuid() == 0:
        # Root without CAP_NET_BIND_SERVICE in its bounding set binds like any other user.
        command = ["setpriv", "--bounding-set=-net_bind_service", *command]
    result = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)

    assert result.returncode == EXIT_RUNTIME, result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith(
        "ucdhcp: cannot bind UDP 127.0.0.1:67: ports below 1024 need root or CAP_NET_BIND_SERVICE:"
    )
    # The venv's python is a symlink: setcap only works on the file it points to.
    interpreter = os.path.realpath(sys.executable)
    for way in (
        "sudo",
        "systemd unit (systemd/ucdhcp.service)",
        "container image",
        f"`sudo setcap cap_net_bind_service=+ep {interpreter}`",
    ):
        assert way in line
