"""The phone segment the flood tests drive: ucdhcp, a probing phone and an attacker on one
bridge, stress.py run in the phone's and the attacker's namespaces, and the probe's result.

    ucdhcp ns  eth0 10.1.0.10/16 --+
    phone ns   eth0 10.1.2.50/16 --+-- br0 (switch ns)
    attacker   eth0 10.1.3.66/16 --+
"""

import json
import os
import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.netns import Lab
from tests.waiting import wait_until

from .actors import Phone, Ucdhcp

STRESS = Path(__file__).with_name("stress.py")
SERVER, PHONE_ADDRESS, ATTACKER = "10.1.0.10", "10.1.2.50", "10.1.3.66"
ANSWERED_WITHIN = 1.0


@dataclass
class FloodBridge:
    """ucdhcp, the probing phone and the attacker on the bridge drawn above."""

    lab: Lab
    ucdhcp: Ucdhcp
    phone: Phone
    attacker: str
    directory: Path

    def probe(self, seconds: float, *, new_phone: bool = False) -> Any:
        """Start the probing phone in the background; returns its process and output file."""
        output = self.directory / f"probe-{len(self.lab.processes)}.jsonl"
        command = [sys.executable, str(STRESS), "probe", "--server", SERVER]
        command += ["--ciaddr", PHONE_ADDRESS, "--mac", self.phone.mac, "--seconds", str(seconds)]
        if new_phone:
            command.append("--new-phone")
        process = self.lab.start(self.phone.namespace, *command, stdout=output)
        wait_until(lambda: '"ready"' in output.read_text(), 15, "the probing phone")
        return process, output

    def flood(self, kind: str, rate: int, seconds: float, **extra: Any) -> dict[str, Any]:
        command = [sys.executable, str(STRESS), "flood", "--server", SERVER, "--kind", kind]
        command += ["--rate", str(rate), "--seconds", str(seconds)]
        for key, value in extra.items():
            flag = f"--{key.replace('_', '-')}"
            command += [flag] if value is True else [flag, str(value)]
        result = self.lab.exec(self.attacker, *command, timeout=seconds + 30)
        sent: dict[str, Any] = json.loads(result.stdout.splitlines()[-1])
        return sent

    def counters(self) -> dict[str, Any]:
        before = len(self.ucdhcp.find("counters"))
        self.ucdhcp.process.send_signal(signal.SIGUSR1)
        wait_until(lambda: len(self.ucdhcp.find("counters")) > before, 10, "counters")
        return self.ucdhcp.find("counters")[-1]

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.ucdhcp.process.pid}/stat").read_text().rsplit(")", 1)[1]
        utime, stime = fields.split()[11:13]
        return (int(utime) + int(stime)) / os.sysconf("SC_CLK_TCK")

    def rss_kib(self) -> int:
        status = Path(f"/proc/{self.ucdhcp.process.pid}/status").read_text()
        line = next(line for line in status.splitlines() if line.startswith("VmRSS"))
        return int(line.split()[1])


def flood_hosts(lab: Lab) -> tuple[str, str, str, str]:
    """The namespaces of the drawing above, linked: (switch, ucdhcp, phone, attacker)."""
    server, phone, attacker = lab.host("uc"), lab.host("ph"), lab.host("at")
    switch = lab.switch(
        (server, "eth0", f"{SERVER}/16"),
        (phone, "eth0", f"{PHONE_ADDRESS}/16"),
        (attacker, "eth0", f"{ATTACKER}/16"),
    )
    return switch, server, phone, attacker


def probe_result(process: Any, output: Path) -> tuple[int, int]:
    """(requests sent, answered within ANSWERED_WITHIN) of a finished probe."""
    process.wait(timeout=60)
    result = json.loads(output.read_text().splitlines()[-1])
    answered = [t for t in result["answered"] if t is not None and t <= ANSWERED_WITHIN]
    return result["sent"], len(answered)
