"""Another DHCP server (dnsmasq) already owns UDP 67 in ucdhcp's namespace: `ucdhcp serve`
refuses to share the port silently, says why, and exits 1 (docs/deploying.md, "Start-up
diagnosis")."""

from pathlib import Path

import pytest

from tests.commands import ucdhcp_command
from tests.netns import Lab
from tests.programs import tool
from tests.waiting import READY_TIMEOUT, wait_until

from .actors import EVENT_TIMEOUT, POOL01, SiteConfig, config_toml

pytestmark = pytest.mark.needs_root

EXIT_RUNTIME = 1


def test_serve_refuses_a_port_67_owned_by_dnsmasq(lab: Lab, tmp_path: Path) -> None:
    dnsmasq_path = tool("dnsmasq")
    server, client = lab.host("srv"), lab.host("cl")
    lab.link(server, "eth0", "10.1.2.10/24", client, "eth0", None)
    dnsmasq = lab.start(
        server,
        *(dnsmasq_path, "--keep-in-foreground", "--port=0", "--conf-file=/dev/null", "--no-hosts"),
        *("--no-resolv", "--interface=eth0", "--dhcp-range=10.1.2.100,10.1.2.150,1h"),
        f"--dhcp-leasefile={tmp_path / 'leases'}",
        f"--pid-file={tmp_path / 'dnsmasq.pid'}",
        f"--log-facility={tmp_path / 'dnsmasq.log'}",
        "--user=root",
        stdout=tmp_path / "dnsmasq.out",
    )

    def bound() -> bool:
        assert dnsmasq.poll() is None, (tmp_path / "dnsmasq.out").read_text(errors="replace")
        return bool(lab.exec(server, "ss", "-Hlun", "sport = :67").stdout.strip())

    wait_until(bound, READY_TIMEOUT, "dnsmasq to bind UDP 67")

    config_path = tmp_path / "ucdhcp.toml"
    config_path.write_text(config_toml([SiteConfig("headquarters", ["10.1.2.0/24"], POOL01)]))
    log = tmp_path / "ucdhcp.log"
    ucdhcp = lab.start(server, *ucdhcp_command(), "serve", "-c", str(config_path), stdout=log)
    assert ucdhcp.wait(EVENT_TIMEOUT) == EXIT_RUNTIME, log.read_text(errors="replace")
    output = log.read_text(errors="replace")
    assert "UDP 0.0.0.0:67 is already in use: another DHCP server" in output
    assert "server_started" not in output
    assert dnsmasq.poll() is None  # the other server is left alone
