"""dnsmasq and Kea configured for ucdhcp's job, from `ucdhcp export`, for run.py's netns mode.

Both configs are `ucdhcp export --format dnsmasq|kea --sip-server pool01.contoso.com --subnet
10.77.0.0/16 --interface bench0` (the site and the veth of run.py's ucdhcp rows), used as
exported; what running them by hand in a namespace needs is added on the command line where
possible (README.md, "The peers"). Kea answers an INFORM at ciaddr:68, so its generator sends
from port 68 (`bind_port`), and it runs only for its own measurements (`transient`): while its
packet socket was open on bench0 the other servers paid ~0.3 us more per reply.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from harness import (
    BIN,
    NETNS_PORTS,
    SIP_SERVER,
    SITE_NETWORK,
    VETH_SERVER,
    Server,
    Topology,
)

DNSMASQ_PACKAGE = "dnsmasq-base"
KEA_PACKAGE = "kea-dhcp4-server"


def export(fmt: str) -> str:
    """`ucdhcp export` for the benchmark's site and veth."""
    command = [str(BIN / "ucdhcp"), "export", "--format", fmt, "--sip-server", SIP_SERVER]
    command += ["--subnet", SITE_NETWORK, "--interface", VETH_SERVER]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {done.stderr.strip()}")
    return done.stdout


def missing() -> dict[str, str]:
    """Peers whose binary is not installed, with how to install them."""
    absent = {}
    if shutil.which("dnsmasq") is None:
        absent["dnsmasq"] = f"apt-get install {DNSMASQ_PACKAGE}"
    if shutil.which("kea-dhcp4") is None:
        absent["kea"] = f"apt-get install {KEA_PACKAGE}"
    return absent


def dnsmasq(work: Path, quiet: bool) -> Server:
    name = "dnsmasq-quiet" if quiet else "dnsmasq-logging"
    binary = shutil.which("dnsmasq")
    assert binary is not None
    config = work / f"{name}.conf"
    config.write_text(export("dnsmasq"), encoding="utf-8")
    port = NETNS_PORTS[name]
    command = [
        binary, "--keep-in-foreground", "-C", str(config), f"--dhcp-alternate-port={port},68",
        f"--log-facility={work / f'{name}.dnsmasq.log'}", "--pid-file=",
        f"--dhcp-leasefile={work / f'{name}.leases'}", "--user=root",
    ]  # fmt: skip
    if quiet:
        command.append("--quiet-dhcp")
    return Server(
        name, command, work / f"{name}.out", kind="dnsmasq", fixed_port=port, ready_event=""
    )


def dnsmasq_log(server: Server) -> Path:
    """Where a dnsmasq row writes its log (--log-facility)."""
    return server.log_path.with_name(f"{server.name}.dnsmasq.log")


def kea(work: Path) -> Server:
    binary = shutil.which("kea-dhcp4")
    assert binary is not None
    text = "\n".join(
        line for line in export("kea").splitlines() if not line.lstrip().startswith("//")
    )
    config = json.loads(text)
    config["Dhcp4"]["loggers"] = [
        {
            "name": "kea-dhcp4",
            "output_options": [{"output": str(work / "kea-dhcp4.log")}],
            "severity": "WARN",
        }
    ]
    path = work / "kea-dhcp4.json"
    path.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    env = {**os.environ, "KEA_PIDFILE_DIR": str(work), "KEA_LOCKFILE_DIR": str(work)}
    port = NETNS_PORTS["kea"]
    return Server(
        "kea",
        [binary, "-c", str(path), "-p", str(port)],
        work / "kea.out",
        kind="kea",
        fixed_port=port,
        bind_port=68,
        env=env,
        ready_event="",
        transient=True,
    )


def check_kea(server: Server, topology: Topology, core: int) -> None:
    """`kea-dhcp4 -t` inside the server namespace, where bench0 exists."""
    command = topology.server_side(core, [server.command[0], "-t", server.command[2]])
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=60, check=False, env=server.env
    )
    if done.returncode != 0:
        raise RuntimeError(f"kea-dhcp4 -t rejects the exported config:\n{done.stdout[-2000:]}")
