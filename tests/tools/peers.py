"""DHCP servers on a namespace segment for the probe's tests: `ucdhcp serve`, Kea, dnsmasq.

Each is started through Lab.start (stopped by PID at teardown) and waited for by its own
"ready" log line, so no test sleeps blindly.
"""

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.commands import ucdhcp_command
from tests.netns import Lab
from tests.waiting import wait_for_log

SERVER = "10.1.2.10"
PHONE = "10.1.2.50"


@dataclass
class PeerLink:
    """A server namespace (srv0) and a phone namespace (ph0) on one link."""

    lab: Lab
    server: str
    phone: str
    workdir: Path

    def probe(self, *args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
        return self.lab.exec(
            self.phone, *ucdhcp_command(), "probe", *args, check=False, timeout=timeout
        )

    def probe_json(self, *args: str) -> tuple[int, dict, str]:
        result = self.probe("--json", *args)
        return result.returncode, json.loads(result.stdout), result.stderr


def make_peer_link(lab: Lab, workdir: Path, server: str = SERVER, phone: str = PHONE) -> PeerLink:
    server_ns, phone_ns = lab.host("srv"), lab.host("ph")
    lab.link(server_ns, "srv0", f"{server}/24", phone_ns, "ph0", f"{phone}/24")
    return PeerLink(lab, server_ns, phone_ns, workdir)


def start_ucdhcp(
    lab: Lab, namespace: str, config: Path, directory: Path
) -> subprocess.Popen[bytes]:
    """`ucdhcp serve -c CONFIG` in `namespace`, its log in `directory`; returns once serving."""
    log = directory / f"serve-{config.stem}.log"
    process = lab.start(namespace, *ucdhcp_command(), "serve", "-c", str(config), stdout=log)
    wait_for_log(log, '"server_started"', process)
    return process


def serve_config(
    path: Path, sip_server: str = "pool01.contoso.com", server_id: str = SERVER
) -> Path:
    path.write_text(
        f"""
[server]
address = "0.0.0.0"
server_id = "{server_id}"

[logging]
format = "json"

[[sites]]
name = "headquarters"
subnets = ["10.1.2.0/24"]
sip_servers = ["{sip_server}"]
""",
        encoding="utf-8",
    )
    return path
