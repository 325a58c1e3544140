"""One DHCP segment with two servers for `ucdhcp watch`: `ucdhcp serve` (10.1.2.10, the
expected one) and dnsmasq (10.1.2.20) answering the same INFORM, and a phone (10.1.2.50)
emulated by tests/network/phone.py, all joined by a bridge in a switch namespace (Lab.switch).

Which answer comes first is decided, not left to luck (this kernel has no netem to delay a
link): the phone sends its INFORM to one server, waits for that answer, then sends the same xid
to the other, as a phone's retransmission reaching a server the first one missed would.
"""

import ipaddress
import json
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.commands import ucdhcp_command
from tests.netns import Lab
from tests.network.actors import Phone, start_dnsmasq
from tests.waiting import READY_TIMEOUT, wait_until
from ucdhcp.tools.deployment import from_command_line
from ucdhcp.tools.probe.inform import Inform, encode_inform

from .peers import serve_config, start_ucdhcp

UCDHCP = "10.1.2.10"
ROGUE = "10.1.2.20"
PHONE = "10.1.2.50"


@dataclass
class RivalsBridge:
    """ucdhcp, the rogue dnsmasq and the phone on the bridge described above."""

    lab: Lab
    ucdhcp: str
    rogue: str
    phone: str
    directory: Path

    def serve(self, sip_server: str = "pool01.contoso.com") -> None:
        config = serve_config(self.directory / "ucdhcp.toml", sip_server, UCDHCP)
        start_ucdhcp(self.lab, self.ucdhcp, config, self.directory)

    def rogue_dnsmasq(
        self, sip_server: str | None = "pool02.contoso.com", raw_120: str | None = None
    ) -> None:
        """dnsmasq answering INFORM with its own option 120/43 (raw hex, as the lab notes
        advise), or with none when `sip_server` is None."""
        lines = ["dhcp-range=10.1.2.0,static,255.255.255.0"]
        if sip_server is not None:
            site = from_command_line([sip_server]).sites[0]
            lines += [
                f"dhcp-option-force=120,{raw_120 or _colons(site.option_120)}",
                f"dhcp-option-force=43,{_colons(site.option_43)}",
            ]
        config = self.directory / "rogue.conf"
        config.write_text("\n".join(lines) + "\n", encoding="ascii")
        start_dnsmasq(self.lab, self.rogue, config, self.directory)

    def watch(self, *args: str) -> "Watcher":
        output = self.directory / f"watch-{time.monotonic_ns()}.out"
        process = self.lab.start(
            self.phone, *ucdhcp_command(), "watch", "-i", "ph0", *args, stdout=output
        )
        watcher = Watcher(process, output)

        def listening() -> bool:
            if process.poll() is not None:
                pytest.fail(f"watch exited before listening: {watcher.text()}")
            return "listening" in watcher.text()

        wait_until(listening, READY_TIMEOUT, "ucdhcp watch to listen")
        return watcher

    def inform(
        self, xid: int, *servers: str, vendor_class: bytes = b"MS-UC-Client", answers: int = 1
    ) -> None:
        """The phone's DHCPINFORM from UDP 68 to each of `servers` in turn (broadcast when
        none), each time waiting (bounded) for `answers` replies before going on."""
        phone = Phone(self.lab, self.phone, "ph0")
        mac = bytes.fromhex(phone.mac.replace(":", ""))
        inform = Inform(xid, mac, ipaddress.IPv4Address(PHONE), vendor_class)
        for server in servers or ("255.255.255.255",):
            seen = phone.exchange(
                udp=(server, encode_inform(inform)), source=PHONE, xid=xid, until=answers,
                listen=3.0,
            )  # fmt: skip
            assert len(seen.accepted(xid)) >= answers, f"no answer from {server}"


@dataclass
class Watcher:
    process: subprocess.Popen[bytes]
    output: Path

    def text(self) -> str:
        return self.output.read_text(errors="replace") if self.output.exists() else ""

    def finish(self, timeout: float = 30) -> tuple[int, str]:
        """Wait for --duration to end (bounded)."""
        code = self.process.wait(timeout)
        return code, self.text()

    def events(self, timeout: float = 30) -> tuple[int, list[dict[str, Any]]]:
        """With --json: the exit code and every JSON line."""
        code, text = self.finish(timeout)
        return code, [json.loads(line) for line in text.splitlines()]


def _colons(data: bytes) -> str:
    return ":".join(f"{byte:02x}" for byte in data)


def make_rivals_bridge(lab: Lab, directory: Path) -> RivalsBridge:
    ucdhcp, rogue, phone = (lab.host(name) for name in ("uc", "rg", "ph"))
    lab.switch(
        (ucdhcp, "srv0", f"{UCDHCP}/24"),
        (rogue, "srv0", f"{ROGUE}/24"),
        (phone, "ph0", f"{PHONE}/24"),
    )
    return RivalsBridge(lab, ucdhcp, rogue, phone, directory)
