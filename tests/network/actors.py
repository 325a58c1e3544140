"""The processes a network test runs inside its namespaces: `ucdhcp serve`, the test phone
(phone.py) in the foreground or as a background watcher, and the bounded waits around them.

Every process is started through Lab.start (stopped by PID at teardown) or Lab.exec (with a
timeout), so nothing outlives the test.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.commands import ucdhcp_command
from tests.netns import Lab
from tests.programs import tool
from tests.waiting import READY_TIMEOUT, wait_for_log, wait_until

from .link_frames import Frame, PhoneCapture, parse_output

PHONE = Path(__file__).with_name("phone.py")
EVENT_TIMEOUT = 20.0  # start-up of a Python process in a namespace, imports included
REPLY_TIMEOUT = 5.0  # a reply that must come
SILENCE = 1.0  # how long to listen for a reply that must not come
WATCH = 2.0  # a background listener: covers one exchange started after it is ready


@dataclass(frozen=True)
class SiteConfig:
    name: str
    subnets: Sequence[str]
    sip_server: str


POOL01 = "pool01.contoso.com"
COMPANY = "server.fqdn.company.com"


def config_toml(
    sites: Sequence[SiteConfig],
    *,
    interfaces: Sequence[str] | None = None,
    replies: str = "",
) -> str:
    """A ucdhcp config serving every interface (address 0.0.0.0, port 67), JSON logs with one
    event per request, and `replies` as extra lines of the [replies] table."""
    lines = ["[server]", 'address = "0.0.0.0"', "port = 67"]
    if interfaces is not None:
        lines.append(f"interfaces = {json.dumps(list(interfaces))}")
    lines += ["", "[replies]", replies, "", "[logging]", 'format = "json"', "requests = true"]
    for site in sites:
        lines += [
            "",
            "[[sites]]",
            f'name = "{site.name}"',
            f"subnets = {json.dumps(list(site.subnets))}",
            f'sip_servers = ["{site.sip_server}"]',
        ]
    return "\n".join(lines) + "\n"


class Ucdhcp:
    """`ucdhcp serve -c FILE` in a namespace; its JSON log lines are read from a file."""

    def __init__(
        self,
        lab: Lab,
        namespace: str,
        directory: Path,
        config: str,
        wrapper: Sequence[str] = (),
    ) -> None:
        """`wrapper` runs first and execs ucdhcp (e.g. setpriv giving it some capabilities)."""
        self.lab = lab
        self.config_path = directory / f"{namespace}.toml"
        self.config_path.write_text(config, encoding="utf-8")
        self.log_path = directory / f"{namespace}.log"
        command = [*wrapper, *ucdhcp_command(), "serve", "-c", str(self.config_path)]
        self.process = lab.start(namespace, *command, stdout=self.log_path)

    def events(self) -> list[dict[str, Any]]:
        events = []
        for line in self.log_path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                events.append(json.loads(line))
            except json.JSONDecodeError:
                events.append({"event": "not_json", "line": line})
        return events

    def find(self, name: str, **fields: Any) -> list[dict[str, Any]]:
        return [
            event
            for event in self.events()
            if event.get("event") == name and all(event.get(k) == v for k, v in fields.items())
        ]

    def wait_for(self, name: str, timeout: float = EVENT_TIMEOUT, **fields: Any) -> dict[str, Any]:
        """The first `name` event with these fields; fails if ucdhcp exits or time runs out."""

        def found() -> dict[str, Any] | None:
            matches = self.find(name, **fields)
            if matches:
                return matches[0]
            if self.process.poll() is not None:
                pytest.fail(
                    f"ucdhcp exited ({self.process.returncode}) before {name} {fields}:"
                    f" {self.log_path.read_text(errors='replace')}"
                )
            return None

        result: dict[str, Any] = wait_until(found, timeout, f"ucdhcp event {name} {fields}")
        return result

    def started(self, *interfaces: str) -> Ucdhcp:
        """Wait until serving, and until each of `interfaces` has its socket."""
        self.wait_for("server_started")
        for interface in interfaces:
            self.wait_for("interface_added", interface=interface)
        return self

    def sent(self, xid: int) -> list[dict[str, Any]]:
        return self.find("reply_sent", xid=f"0x{xid:08x}")


def kea_environment(directory: Path) -> list[str]:
    """`env` assignments sending Kea's pid and lock files to `directory` instead of /run."""
    return [f"KEA_PIDFILE_DIR={directory}", f"KEA_LOCKFILE_DIR={directory}"]


def check_kea(
    lab: Lab, namespace: str, config: Path, directory: Path
) -> subprocess.CompletedProcess[str]:
    """`kea-dhcp4 -t CONFIG`; it checks the interfaces too, so it runs inside the namespace."""
    kea = tool("kea-dhcp4")
    return lab.exec(
        namespace, "env", *kea_environment(directory), kea, "-t", str(config), check=False
    )


def start_kea(lab: Lab, namespace: str, config: Path, directory: Path) -> subprocess.Popen[bytes]:
    """kea-dhcp4 with `config`, checked first (a refused config fails with Kea's reason, not
    a timeout); returns once started. Its log is `directory`/kea.log."""
    checked = check_kea(lab, namespace, config, directory)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    log = directory / "kea.log"
    kea = ("env", *kea_environment(directory), tool("kea-dhcp4"), "-c", str(config))
    process = lab.start(namespace, *kea, stdout=log)
    wait_for_log(log, "DHCP4_STARTED", process, EVENT_TIMEOUT)
    return process


def start_dnsmasq(
    lab: Lab, namespace: str, config: Path, directory: Path
) -> subprocess.Popen[bytes]:
    """dnsmasq in the foreground with `config` and no DNS; its log, pid and lease files are in
    `directory`, named after the config. Returns once it has logged its DHCP set-up."""
    name = config.stem
    log = directory / f"dnsmasq-{name}.log"
    process = lab.start(
        namespace,
        tool("dnsmasq"),
        "-k",  # foreground
        "-C",
        str(config),
        "--port=0",  # no DNS
        f"--log-facility={log}",
        f"--pid-file={directory / (name + '.pid')}",
        f"--dhcp-leasefile={directory / (name + '.leases')}",
        stdout=directory / f"dnsmasq-{name}.out",
    )
    wait_for_log(log, "DHCP, ", process, EVENT_TIMEOUT)
    return process


@dataclass
class Phone:
    """The test phone's network half (phone.py) on one interface of one namespace."""

    lab: Lab
    namespace: str
    interface: str = "eth0"
    _mac: str | None = field(default=None, repr=False)

    @property
    def mac(self) -> str:
        if self._mac is None:
            shown = self.lab.exec(self.namespace, "ip", "-j", "link", "show", self.interface)
            self._mac = str(json.loads(shown.stdout)[0]["address"])
        return self._mac

    def command(
        self,
        *,
        frames: Sequence[bytes] = (),
        udp: tuple[str, bytes] | None = None,
        source: str = "0.0.0.0",
        xid: int | None = None,
        until: int = 1,
        listen: float = REPLY_TIMEOUT,
        outgoing: bool = False,
        ready: bool = False,
    ) -> list[str]:
        args = [sys.executable, str(PHONE), "--iface", self.interface, "--listen", str(listen)]
        args += ["--source", source]
        for frame in frames:
            args += ["--frame", frame.hex()]
        if udp is not None:
            args += ["--udp", udp[0], udp[1].hex()]
        if xid is not None:
            args += ["--xid", str(xid), "--until", str(until)]
        if outgoing:
            args.append("--outgoing")
        if ready:
            args.append("--ready")
        return args

    def exchange(self, **kwargs: Any) -> PhoneCapture:
        """Send, then return the DHCP frames seen (bounded by `listen`)."""
        listen = kwargs.get("listen", REPLY_TIMEOUT)
        command = self.command(**kwargs)
        result = self.lab.exec(self.namespace, *command, timeout=listen + 15, check=False)
        if result.returncode != 0:
            pytest.fail(f"phone.py failed in {self.namespace}: {result.stderr}")
        return parse_output(result.stdout)

    def watch(self, directory: Path, listen: float, **kwargs: Any) -> Watch:
        """Start listening in the background (optionally sending too); returns once ready."""
        output = directory / f"watch-{self.namespace}-{time.monotonic_ns()}.jsonl"
        command = self.command(listen=listen, ready=True, **kwargs)
        process = self.lab.start(self.namespace, *command, stdout=output)
        watch = Watch(process, output, listen)
        wait_until(watch.is_ready, READY_TIMEOUT, f"phone.py ready in {self.namespace}")
        return watch


@dataclass
class Watch:
    """A phone.py running in the background; `frames()` waits for it to finish listening."""

    process: subprocess.Popen[bytes]
    output: Path
    listen: float

    def is_ready(self) -> bool:
        if self.process.poll() not in (None, 0):
            pytest.fail(f"phone.py failed: {self.output.read_text(errors='replace')}")
        return '"ready"' in self.output.read_text(errors="replace")

    def frames(self) -> PhoneCapture:
        self.process.wait(timeout=self.listen + 15)
        assert self.process.returncode == 0, self.output.read_text(errors="replace")
        return parse_output(self.output.read_text(encoding="utf-8"))


def delivered(seen: PhoneCapture, xid: int) -> Frame:
    """The one reply to `xid` on the phone's link, which its UDP socket also accepted (so the
    phone's IP stack took it: right address, right port)."""
    replies = replies_to(seen, xid)
    assert len(replies) == 1, [frame.describe() for frame in seen]
    accepted = seen.accepted(xid)
    assert [d.payload for d in accepted] == [replies[0].payload], (
        f"on the link but not accepted by the phone's socket: {replies[0].describe()}"
    )
    assert accepted[0].destination == replies[0].ip_dst
    return replies[0]


def replies_to(frames: Sequence[Frame], xid: int) -> list[Frame]:
    """BOOTREPLYs (incoming) to the request with this xid."""
    return [frame for frame in frames if not frame.outgoing and frame.op == 2 and frame.xid == xid]


class PhoneLink:
    """ucdhcp serving every interface and one phone on a veth between them (one /24): what
    a phone on the link gets. With `checksum_offload=False` the server's veth computes UDP
    checksums in software, as a NIC without offload would."""

    def __init__(
        self,
        lab: Lab,
        directory: Path,
        site: SiteConfig,
        addresses: tuple[str, str],
        *,
        checksum_offload: bool = True,
    ) -> None:
        server, phone = addresses
        self.lab = lab
        self.server_ns = lab.host("srv")
        self.phone_ns = lab.host("ph")
        lab.link(self.server_ns, "eth0", f"{server}/24", self.phone_ns, "eth0", None)
        lab.exec(self.phone_ns, "ip", "addr", "add", f"{phone}/24", "dev", "eth0")
        if not checksum_offload:
            lab.exec(self.server_ns, tool("ethtool"), "-K", "eth0", "tx", "off")
        self.ucdhcp = Ucdhcp(lab, self.server_ns, directory, config_toml([site])).started("eth0")
        self.phone = Phone(lab, self.phone_ns)

    def server_neighbours(self) -> str:
        """The server's ARP table for the link, as `ip neigh` prints it."""
        return self.lab.exec(self.server_ns, "ip", "-4", "neigh", "show", "dev", "eth0").stdout
