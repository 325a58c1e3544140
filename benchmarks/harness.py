"""What every benchmark script here shares: where processes run (loopback, or network
namespaces joined by a veth pair or a bridge), starting and checking servers, stopping
everything by PID, reading servers' events, and running loadgen.py where the clients are.

run.py, soak.py and flood.py build on this. Safety: traffic only inside namespaces
created here (ucdbench<PID>srv/cli, flood.py's fl<PID>sw/uc/ph/at) or on 127.0.0.0/8 (loadgen.py
and baseline_responder.py refuse anything else); every process started is stopped by its own
PID; every loop and every `ip` call is bounded.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime
import ipaddress
import json
import os
import platform
import re
import select
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import loadgen

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
BIN = Path(sys.executable).parent
START_TIMEOUT = 15.0
STOP_TIMEOUT = 5.0
_PR_SET_PDEATHSIG = 1
Popen = subprocess.Popen[bytes]

# The throughput rows' config. Loopback: 127.0.0.1, port 0 (read back from server_started), site
# 127.0.0.0/8. Netns: the default per-interface mode (one socket on the veth, SO_BINDTODEVICE),
# as a deployment runs, each ucdhcp on its own port (port 0 would differ per interface).
UCDHCP_CONFIG = """\
[server]
address = "{address}"
port = {port}

[logging]
format = "json"
requests = {requests}
requests_rate = 0            # the per-request logging row logs every request

[limits]
replies_per_client = 65535  # counted as by default (20/s), never reached by 1000 clients
# One generator (one address, one port) stands for a whole site's phones here: the limits on
# one sender's requests (100/s), one destination address (50/s) and one port other than 67/68
# (50/s) would cap it at a phone's rate. Off, so the rows measure the answering path.
replies_per_destination = 0
replies_per_port = 0
requests_per_source = 0

[[sites]]
name = "bench"
subnets = [{subnets}]
sip_servers = ["pool01.contoso.com"]
"""
# The DEFAULT config (boot storm, start-up, soak): only the site is given, so port 67,
# per-interface sockets, receive_buffer (32 MiB since 4ab319c, 4 MiB before), every [limits]
# value, relayed_inform = "ciaddr" and logging.requests false are all the shipped defaults.
# The site holds the veth subnet and the phones' subnet behind the relay (RELAYED_NETWORK).
UCDHCP_DEFAULT_CONFIG = """\
[[sites]]
name = "bench"
subnets = ["10.77.0.0/16", "10.78.0.0/16"]
sip_servers = ["pool01.contoso.com"]
"""
NETNS_PREFIX = loadgen.NETNS_NAMES  # namespaces: NETNS_PREFIX + run.py's PID + "srv" / "cli"
SERVER_ADDRESS, CLIENT_ADDRESS, PREFIX_LENGTH = "10.77.0.1", "10.77.0.2", 16
NETNS_CLIENTS = "10.77.1.0"  # ciaddr of the generator's client 0: 1000 clients, .1.0-.4.231
# The boot storm and the soak, against the default config: phones behind one relay, as a site
# reaches a central server. The generator is the relay (its veth address 10.77.0.2 forwards,
# RELAY_GIADDR is its address on the phones' subnet); each phone has its own ciaddr there, and
# ucdhcp answers each at ciaddr:68 (default relayed_inform = "ciaddr"), routed back through the
# relay. One generator address and port would otherwise meet the default limits for one
# sender (requests_per_source, replies_per_destination, replies_per_port) that a site's phones,
# each with its own address, never meet.
RELAYED_NETWORK = str(loadgen.RELAYED_NETWORK)  # 10.78.0.0/16
RELAY_GIADDR = "10.78.0.1"
RELAYED_PHONES = "10.78.1.0"  # ciaddr of phone 0: 20,000 phones are 10.78.1.0 - 10.78.79.31
LOADGEN_CLIENTS = 1000  # loadgen.py's --clients default
# The phone's path (phones.py): phones on the veth's own subnet, each sending from its MAC and
# ciaddr:68 and answered at ciaddr:68 on the link. "Known": the server namespace's kernel has a
# permanent neighbour entry (ciaddr -> the phone's MAC) for each, as it has for a phone that
# ARPed for the server before sending, and keeps while the phone answers its probes.
# "Unknown": no entry, and nothing in the run may create one (run.py counts them at the end).
# Distinct ciaddrs and chaddrs (loadgen --mac-offset); no route or address for them in the
# client namespace, whose kernel therefore never answers ARP for a phone.
PHONES = 4096
KNOWN_PHONES, KNOWN_MAC_OFFSET = "10.77.16.0", 0x100000  # 10.77.16.0 - 10.77.31.255
UNKNOWN_PHONES, UNKNOWN_MAC_OFFSET = "10.77.32.0", 0x200000  # 10.77.32.0 - 10.77.47.255
PATHS = ("known", "unknown", "relayed", "tool")
VETH_SERVER, VETH_CLIENT = "bench0", "bench1"
# Each server in the server namespace has its own port; ucdhcp keeps the default 67.
NETNS_PORTS = {
    "ucdhcp": 67,
    "ucdhcp-logging": 6767,
    "ucdhcp-workers-1": 6768,
    "ucdhcp-workers-n": 6769,
    "dnsmasq-quiet": 6801,
    "dnsmasq-logging": 6802,
    "kea": 6803,
}
SITE_NETWORK = "10.77.0.0/16"  # the site of every server's config: the veth subnet
SIP_SERVER = "pool01.contoso.com"
IP_TIMEOUT = 15.0


# --- where the processes run: loopback, or two namespaces joined by a veth pair ------------------


@dataclass(frozen=True)
class Topology:
    mode: str  # "netns" or "loopback"
    target: str  # the servers' address, as the load generator sends to it
    clients: str  # ciaddr of the generator's client 0
    server_ns: str | None = None
    client_ns: str | None = None
    server_mac: str = ""  # bench0's MAC: the phones' frames are addressed to it
    device: str = VETH_SERVER  # the server namespace's interface, which ucdhcp must serve

    def server_side(self, core: int | str, command: list[str]) -> list[str]:
        return command_in(self.server_ns, command, core)

    def client_side(self, core: int | str, command: list[str]) -> list[str]:
        return command_in(self.client_ns, command, core)

    def describe(self) -> str:
        if self.server_ns is None:
            return "loopback: servers and load generator on 127.0.0.1 in this namespace"
        return (
            f"netns: servers in {self.server_ns} ({VETH_SERVER} {SERVER_ADDRESS}/{PREFIX_LENGTH}),"
            f" load generator in {self.client_ns} ({VETH_CLIENT} {CLIENT_ADDRESS}), veth pair,"
            " IPv6 off"
        )


LOOPBACK_TOPOLOGY = Topology("loopback", "127.0.0.1", loadgen.LOOPBACK_CLIENTS)


def command_in(
    namespace: str | None, command: list[str], core: int | str | None = None
) -> list[str]:
    """`command` in `namespace` (None: this one), pinned to `core` (None: not pinned)."""
    # `ip netns exec` and `taskset` both exec (no fork): the PID Popen returns ends up being the
    # command's own, which verify_server_process checks.
    pinned = command if core is None else ["taskset", "-c", str(core), *command]
    return pinned if namespace is None else ["ip", "netns", "exec", namespace, *pinned]


def ip(*args: str, check: bool = True) -> str:
    """`ip ARGS`, bounded in time; its output (raises RuntimeError on failure unless `check` is
    False)."""
    done = subprocess.run(
        ["ip", *args], capture_output=True, text=True, timeout=IP_TIMEOUT, check=False
    )
    if check and done.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout


class Namespaces:
    """Namespaces named PREFIX<PID><suffix> and the links between them; `open` builds run.py's
    two (server and client) and the veth pair between them.

    `close` deletes exactly what `add` created (links go with their namespaces), and is safe
    to call after a partial `open`.
    """

    def __init__(self, prefix: str = NETNS_PREFIX) -> None:
        self.prefix, self.tag = prefix, f"{prefix}{os.getpid()}"
        self.server, self.client = f"{self.tag}srv", f"{self.tag}cli"
        self.created: list[str] = []
        self.notes: list[str] = []

    def add(self, *suffixes: str) -> list[str]:
        """One namespace per suffix (loopback up, IPv6 off), once those an earlier run left
        under the same names are gone; returns their names."""
        self.notes += remove_stale_namespaces(self.prefix, suffixes)
        for namespace in (self.tag + suffix for suffix in suffixes):
            ip("netns", "add", namespace)
            self.created.append(namespace)
            ip("-n", namespace, "link", "set", "lo", "up")
            ip(
                "netns", "exec", namespace, "sysctl", "-qw",
                "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1",
            )  # fmt: skip
        return [self.tag + suffix for suffix in suffixes]

    def open(self) -> Topology:
        self.add("srv", "cli")
        ip(
            "-n", self.server, "link", "add", VETH_SERVER, "type", "veth",
            "peer", "name", VETH_CLIENT, "netns", self.client,
        )  # fmt: skip
        for namespace, device, address in (
            (self.server, VETH_SERVER, SERVER_ADDRESS),
            (self.client, VETH_CLIENT, CLIENT_ADDRESS),
        ):
            ip("-n", namespace, "addr", "add", f"{address}/{PREFIX_LENGTH}", "dev", device)
            ip("-n", namespace, "link", "set", device, "up")
        # Kea answers an INFORM at ciaddr:68: the clients' ciaddrs are made local to the client
        # namespace (a `local` route, no address per client), so those replies are delivered
        # to the generator's socket on 0.0.0.0:68. Other servers answer at the source address.
        for network in client_networks():
            ip("-n", self.client, "route", "add", "local", str(network), "dev", "lo")
        self.route_behind(RELAYED_NETWORK, self.server, self.client, CLIENT_ADDRESS)
        self.know_phones()
        link = json.loads(ip("-n", self.server, "-j", "link", "show", VETH_SERVER))
        mac = link[0]["address"]
        return Topology("netns", SERVER_ADDRESS, NETNS_CLIENTS, self.server, self.client, mac)

    def bridge(
        self, switch: str, hosts: list[tuple[str, str, str]], quiet: tuple[str, ...] = ()
    ) -> None:
        """A bridge br0 in `switch`; for each (namespace, port, address/prefix) an eth0 there
        with that address, whose veth peer `port` is created straight in `switch`, on br0.
        Unknown-unicast frames are not flooded to the ports in `quiet`: a real switch does not
        deliver frames for MACs it never saw (a flood's made-up chaddrs) to every port."""
        ip("-n", switch, "link", "add", "br0", "type", "bridge")
        ip("-n", switch, "link", "set", "br0", "up")
        for namespace, port, address in hosts:
            ip(
                "-n", namespace, "link", "add", "eth0", "type", "veth",
                "peer", "name", port, "netns", switch,
            )  # fmt: skip
            ip("-n", namespace, "addr", "add", address, "dev", "eth0")
            ip("-n", namespace, "link", "set", "eth0", "up")
            ip("-n", switch, "link", "set", port, "master", "br0")
            ip("-n", switch, "link", "set", port, "up")
        for port in quiet:
            ip("-n", switch, "link", "set", port, "type", "bridge_slave", "flood", "off")

    def route_behind(self, network: str, server: str, relay: str, relay_address: str) -> None:
        """Phones behind a relay: `network` routed from `server` to the relay, and local there,
        so the replies to each phone's ciaddr:68 reach the relay's socket on 0.0.0.0:68."""
        ip("-n", server, "route", "add", network, "via", relay_address)
        ip("-n", relay, "route", "add", "local", network, "dev", "lo")

    def know_phones(self) -> None:
        """The server kernel's neighbour entries for the known phones: permanent, so that they
        stay valid with nobody answering ARP (a stale one would go DELAY, PROBE, FAILED within
        seconds). Permanent entries are exempt from the table's garbage collection
        (gc_thresh3), so no sysctl is changed."""
        with tempfile.NamedTemporaryFile("w", suffix=".neigh", delete=False) as batch:
            for phone in range(PHONES):
                address = ipaddress.IPv4Address(KNOWN_PHONES) + phone
                mac = loadgen.client_mac(phone + KNOWN_MAC_OFFSET).hex(":")
                batch.write(
                    f"neigh replace {address} lladdr {mac} dev {VETH_SERVER} nud permanent\n"
                )
        try:
            ip("-n", self.server, "-batch", batch.name)
        finally:
            os.unlink(batch.name)

    def close(self) -> None:
        for namespace in reversed(self.created):
            # Normally empty: every process was stopped by its PID before. Anything left was
            # started by this run (the namespace is private to it), so it is ended by its PID.
            for pid in ip("netns", "pids", namespace, check=False).split():
                with contextlib.suppress(ProcessLookupError, ValueError):
                    os.kill(int(pid), signal.SIGKILL)
                    self.notes.append(f"killed pid {pid} left in {namespace}")
            ip("netns", "del", namespace, check=False)
        self.created.clear()


def client_networks(clients: int = LOADGEN_CLIENTS) -> list[ipaddress.IPv4Network]:
    """The smallest set of prefixes that holds the ciaddrs of the generator's clients."""
    first = ipaddress.IPv4Address(NETNS_CLIENTS)
    return list(ipaddress.summarize_address_range(first, first + clients - 1))


def remove_stale_namespaces(
    prefix: str = NETNS_PREFIX, suffixes: tuple[str, ...] = ("srv", "cli")
) -> list[str]:
    """Delete namespaces PREFIX<PID><suffix> an earlier run left behind (killed outright: its
    PID is gone)."""
    notes = []
    for line in ip("netns", "list", check=False).splitlines():
        name = line.split(" ", 1)[0]
        match = re.fullmatch(rf"{re.escape(prefix)}(\d+)({'|'.join(suffixes)})", name)
        if match and not Path(f"/proc/{match[1]}").exists():
            ip("netns", "del", name, check=False)
            notes.append(f"removed {name}, left by an earlier run (pid {match[1]} is gone)")
    return notes


# --- processes ----------------------------------------------------------------------------------


def _die_with_parent() -> None:
    # If run.py is killed outright, the kernel sends SIGTERM to the child (survives taskset's exec).
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class Server:
    name: str
    command: list[str]
    log_path: Path
    process: Popen | None = None
    port: int = 0
    checked: str = ""  # what verify_server_process found
    kind: str = "ucdhcp"  # ucdhcp | baseline | dnsmasq | kea
    # Peers print no JSON line: they listen on a known port and are ready when a probe is
    # answered (run.py's preflight probes each with retries).
    fixed_port: int = 0
    bind_port: int = 0  # the generator sends from this port: 68 for Kea (answers ciaddr:68)
    env: dict[str, str] | None = None
    cores: str | None = None  # taskset list when not the one --server-core, e.g. "0,1"
    ready_event: str = "server_started"  # "workers_ready" for `serve --workers N`, N > 1
    spawned_at: float = 0.0  # time.monotonic() just before Popen
    worker_pids: list[int] = field(default_factory=list)
    # Started only for its own measurements (Kea: while its packet socket is open on bench0,
    # the other servers were measured ~0.3 us per reply slower).
    transient: bool = False
    last_memory: dict[str, int] = field(default_factory=dict)  # at its last stop (transient)

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid


class Processes:
    """Everything this run started, so that each can be stopped by its own PID."""

    def __init__(self) -> None:
        self.started: list[Popen] = []

    def spawn(self, command: list[str], **kwargs: Any) -> Popen:
        # preexec_fn is safe here: this script starts no threads.
        process = subprocess.Popen(
            command,
            start_new_session=True,
            preexec_fn=_die_with_parent,  # noqa: PLW1509
            **kwargs,
        )
        self.started.append(process)
        return process

    def stop(self, process: Popen) -> None:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGTERM)
            try:
                process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                os.kill(process.pid, signal.SIGKILL)
                process.wait(STOP_TIMEOUT)
        with contextlib.suppress(ValueError):
            self.started.remove(process)

    def stop_all(self) -> None:
        for process in reversed(list(self.started)):
            self.stop(process)

    def run(self, command: list[str], timeout: float, what: str) -> dict[str, Any]:
        """Start `command`, wait for it (bounded); its last stdout line is the JSON result."""
        process = self.spawn(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        return self.finish(process, timeout, what)

    def finish(self, process: Popen, timeout: float, what: str) -> dict[str, Any]:
        """Wait for a process started with stdout and stderr piped (bounded); its last stdout
        line is the JSON result."""
        try:
            out, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop(process)
            raise RuntimeError(f"{what} did not finish") from None
        self.stop(process)
        if process.returncode != 0:
            raise RuntimeError(f"{what} failed:\n{err.decode(errors='replace')}")
        result: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
        return result


def start_server(
    server: Server, processes: Processes, core: int, topology: Topology = LOOPBACK_TOPOLOGY
) -> None:
    """Start pinned to `core` (or `server.cores`), in the server namespace if any, stdout into
    its log file; wait for its ready event (ucdhcp, baseline) or that it is still alive after
    a moment (peers, which preflight then probes); check that the PID is the server's own."""
    cores = server.cores or str(core)
    with server.log_path.open("wb") as log:
        server.spawned_at = time.monotonic()
        server.process = processes.spawn(
            topology.server_side(cores, server.command),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=server.env,
        )
    if server.fixed_port and server.ready_event == "":
        time.sleep(0.3)
        if server.process.poll() is None:
            server.port = server.fixed_port
            server.checked = verify_server_process(server, cores, topology)
            return
        event = None
    else:
        event = wait_for_event(server, server.ready_event, START_TIMEOUT)
    if event is None:
        tail = server.log_path.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"{server.name} did not start (exit {server.process.poll()}):\n{tail}")
    server.port = int(event.get("port", server.fixed_port))
    if event.get("interfaces") is not None and topology.device not in event["interfaces"]:
        raise RuntimeError(f"{server.name} does not serve {topology.device}: {event}")
    server.worker_pids = [int(pid) for pid in event.get("pids", [])]
    server.checked = verify_server_process(server, cores, topology)


def wait_for_event(
    server: Server, name: str, seconds: float, *, seen: int = 0, whole: bool = False
) -> dict[str, Any] | None:
    """The last `name` event in `server`'s log once it holds more than `seen` of them (count
    them in the `whole` log: see find_events); None if the server exits or `seconds` pass."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = find_events(server.log_path, name, whole=whole)
        if len(found) > seen:
            return found[-1]
        if server.process is None or server.process.poll() is not None:
            return None
        time.sleep(0.05)
    return None


def verify_server_process(server: Server, cores: int | str, topology: Topology) -> str:
    """The PID whose /proc/PID/stat the load generator reads must be the server itself, not
    an `ip netns exec` or `taskset` wrapper: same command line, pinned, in the namespace.
    For `serve --workers N` the workers (children of that PID) are checked the same way."""
    pid = server.pid
    cmdline = _cmdline(pid)
    comm = Path(f"/proc/{pid}/comm").read_text().strip()
    # A console script runs as `python SCRIPT ARGS`: the command ends the command line.
    if cmdline[-len(server.command) :] != server.command or comm in ("ip", "taskset"):
        raise RuntimeError(f"pid {pid} is not {server.name} but {comm}: {cmdline}")
    wanted = sorted(int(core) for core in str(cores).split(","))
    where = "this namespace"
    for each in [pid, *server.worker_pids]:
        affinity = sorted(os.sched_getaffinity(each))
        if affinity != wanted:
            raise RuntimeError(f"{server.name} pid {each} runs on cores {affinity}, not {wanted}")
        if topology.server_ns is not None:
            expected = os.stat(f"/run/netns/{topology.server_ns}").st_ino
            actual = os.stat(f"/proc/{each}/ns/net").st_ino
            if actual != expected:
                raise RuntimeError(f"{server.name} pid {each} is not in {topology.server_ns}")
            where = f"netns {topology.server_ns} (inode {actual})"
    for worker in server.worker_pids:
        stat = Path(f"/proc/{worker}/stat").read_text().rsplit(")", 1)[1].split()
        if int(stat[1]) != pid or "--worker-index" not in _cmdline(worker):
            raise RuntimeError(f"{server.name}: pid {worker} is not a worker of pid {pid}")
    workers = f", workers {server.worker_pids}" if server.worker_pids else ""
    return f"pid {pid} is {server.name} itself ({comm}){workers}, on cores {wanted}, in {where}"


def _cmdline(pid: int) -> list[str]:
    parts = [part.decode() for part in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")]
    return parts[:-1] if parts and parts[-1] == "" else parts


def find_events(path: Path, name: str, *, whole: bool = False) -> list[dict[str, Any]]:
    """The JSON lines `name` of a server's log: its first 4 KiB and last 8 KiB only (a request
    log may hold a million lines), or the `whole` file (logging.requests off)."""
    with path.open("rb") as log:
        if whole:
            text = log.read()
        else:
            text = log.read(4096) + b"\n"
            log.seek(max(0, log.seek(0, os.SEEK_END) - 8192))
            text += log.read()
    found = []
    for line in text.splitlines():
        if name.encode() in line:
            with contextlib.suppress(ValueError):
                event = json.loads(line)
                if isinstance(event, dict) and event.get("event") == name:
                    found.append(event)
    return found


def find_event(path: Path, name: str) -> dict[str, Any] | None:
    found = find_events(path, name)
    return found[0] if found else None


def environment(topology: Topology) -> dict[str, Any]:
    def output(*command: str) -> str:
        try:
            return subprocess.run(
                command, capture_output=True, text=True, check=False
            ).stdout.strip()
        except OSError:
            return ""

    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "?",
    )
    return {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "mode": topology.mode,
        "topology": topology.describe(),
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "ucdhcp": output(str(BIN / "ucdhcp"), "--version"),
        "uvloop": output(sys.executable, "-c", "import uvloop; print(uvloop.__version__)"),
        "commit": output("git", "-C", str(HERE.parent), "rev-parse", "--short", "HEAD"),
        # what is measured is the working tree: uncommitted changes under src/ are listed
        "src_modified": output(
            "git", "-C", str(HERE.parent), "status", "--porcelain", "--", "src"
        ).splitlines(),
    }


def header(env: dict[str, Any]) -> list[str]:
    """The first lines of every report: when, where, which code."""
    return [
        f"{env['date']}  {env['cpus']} cpus ({env['cpu_model']}), Linux {env['kernel']},"
        f" Python {env['python']}, uvloop {env['uvloop']}, {env['ucdhcp']} @ {env['commit']}",
        env["topology"],
        *(
            [f"WARNING: src/ has uncommitted changes (measured as is): {env['src_modified']}"]
            if env["src_modified"]
            else []
        ),
    ]


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS, VmHWM (peak RSS), RssAnon and RssFile of a process in KiB; empty when gone."""
    try:
        text = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except OSError:
        return {}
    fields = {}
    for line in text.splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
            fields[name] = int(value.split()[0])
    return fields


def neighbours(namespace: str, first: str, count: int) -> list[str]:
    """The entries of `namespace`'s IPv4 neighbour table for `first` .. `first` + count - 1,
    whatever their state (a FAILED or INCOMPLETE one too: someone asked)."""
    low = int(ipaddress.IPv4Address(first))
    found = []
    for line in ip("-n", namespace, "-4", "neigh", "show").splitlines():
        address = line.split(" ", 1)[0]
        with contextlib.suppress(ValueError):
            if low <= int(ipaddress.IPv4Address(address)) < low + count:
                found.append(line)
    return found


def udp_counters(pid: int) -> dict[str, int]:
    """The Udp: line of /proc/PID/net/snmp: the counters of that process's network namespace
    (InDatagrams, RcvbufErrors: datagrams dropped because a socket's receive buffer was full)."""
    try:
        rows = [
            line.split()
            for line in Path(f"/proc/{pid}/net/snmp").read_text().splitlines()
            if line.startswith("Udp:")
        ]
    except OSError:
        return {}
    if len(rows) < 2:
        return {}
    return {name: int(value) for name, value in zip(rows[0][1:], rows[1][1:], strict=True)}


def loadgen_command(
    mode: str,
    topology: Topology,
    server: Server | None,
    *extra: str,
    relayed: bool = False,
    path: str = "tool",
) -> list[str]:
    """loadgen.py against `server` by one of PATHS (netns mode; loopback: "tool" only):
    "known" / "unknown" phones on the link (from UDP 68, answered at ciaddr:68, phones.py);
    "relayed" (or `relayed`): as the relay of the phones in RELAYED_NETWORK; "tool": from an
    ephemeral port, answered there (from 68 for a server with `bind_port`, Kea's probe)."""
    command = [sys.executable, str(HERE / "loadgen.py"), "--mode", mode]
    if relayed or path == "relayed":
        command += ["--client-net", RELAYED_PHONES, "--giaddr", RELAY_GIADDR]
    elif path in ("known", "unknown"):
        first, offset = (
            (KNOWN_PHONES, KNOWN_MAC_OFFSET) if path == "known" else
            (UNKNOWN_PHONES, UNKNOWN_MAC_OFFSET)
        )  # fmt: skip
        command += ["--phones", VETH_CLIENT, "--server-mac", topology.server_mac]
        command += ["--client-net", first, "--mac-offset", str(offset), "--clients", str(PHONES)]
    else:
        command += ["--client-net", topology.clients]
    if server is not None:
        command += ["--address", topology.target, "--port", str(server.port)]
        if server.bind_port and path == "tool" and not relayed:
            command += ["--bind-port", str(server.bind_port)]
    return [*command, *extra]


# --- one run: its processes, where they run, its loads -------------------------------------------


@dataclass
class Bench:
    """What one run works with: the processes it started, where they run, a temporary
    directory, the server's core and the load generator's."""

    processes: Processes
    topology: Topology
    work: Path
    server_core: int = 0
    loadgen_core: int = 1

    def start(self, server: Server) -> None:
        start_server(server, self.processes, self.server_core, self.topology)

    def stop(self, server: Server) -> None:
        assert server.process is not None
        self.processes.stop(server.process)

    def spawn_loadgen(self, command: list[str], cores: int | str | None = None) -> Popen:
        """loadgen.py where the clients are (the client namespace in netns mode)."""
        return self.processes.spawn(
            self.topology.client_side(self.loadgen_core if cores is None else cores, command),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )

    def finish_loadgen(self, process: Popen, timeout: float, what: str) -> dict[str, Any]:
        """Wait for it (bounded); its last stdout line is the JSON result."""
        return self.processes.finish(process, timeout, f"loadgen ({what})")

    def loadgen(
        self, command: list[str], timeout: float, what: str, cores: int | str | None = None
    ) -> dict[str, Any]:
        return self.finish_loadgen(self.spawn_loadgen(command, cores), timeout, what)

    def probe(self, server: Server, wait: float = 5.0) -> tuple[bytes, bytes]:
        """One request and its reply (`loadgen.py --mode probe`), retried for up to `wait` s."""
        command = loadgen_command("probe", self.topology, server, "--duration", str(wait))
        exchange = self.loadgen(command, wait + 30, f"probe {server.name}")
        return bytes.fromhex(exchange["request"]), bytes.fromhex(exchange["reply"])

    def start_with_prober(self, server: Server) -> dict[str, Any]:
        """Start `server` while `loadgen.py --mode ready` already polls its port with INFORMs;
        returns the prober's result plus `ready_s`: from just before the server's Popen to the
        first answer (both CLOCK_MONOTONIC, shared by every process here)."""
        command = loadgen_command("ready", self.topology, server, "--duration", "10")
        prober = self.spawn_loadgen(command)
        assert prober.stdout is not None
        polling = b"{}"
        if select.select([prober.stdout], [], [], 15.0)[0]:
            polling = prober.stdout.readline() or polling
        if "polling" not in json.loads(polling):
            return self.finish_loadgen(prober, 5, "start-up prober")  # raises: it failed
        self.start(server)
        result = self.finish_loadgen(prober, 20, "start-up prober")
        answered = result.get("answered_monotonic")
        result["ready_s"] = None if answered is None else round(answered - server.spawned_at, 4)
        return result

    @contextlib.contextmanager
    def serving(self, server: Server | None) -> Iterator[None]:
        """Around one measurement: a transient server is started and probed until it answers,
        then stopped (its RSS kept in `last_memory`); a resident one is left alone."""
        if server is None or not server.transient:
            yield
            return
        self.start(server)
        self.probe(server, 15.0)
        try:
            yield
        finally:
            server.last_memory = memory_kib(server.pid)
            self.stop(server)

    def rounds(
        self,
        label: str,
        targets: Mapping[str, Server | None],
        command_for: Callable[[str, Server | None], list[str]],
        repeat: int,
        timeout: float,
        cores: int | str | None = None,
    ) -> dict[str, list[dict[str, Any]]]:
        """`repeat` interleaved rounds (every target once, then again), so a slow spell on the
        machine hits every target alike; one fresh loadgen.py per measurement, its command
        built (from the target's name and server) once the (transient) server runs."""
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name in targets}
        for index in range(repeat):
            for name, server in targets.items():
                with self.serving(server):
                    result = self.loadgen(command_for(name, server), timeout, name, cores)
                runs[name].append(result)
                lag = result.get("send_lag_max_us")
                print(
                    f"  {label} round {index + 1}/{repeat} {name:<30}"
                    f" {result['replies_per_s']:>10,.0f}/s  p50 {result['p50_us']:>6.0f} us"
                    f"  p99 {result['p99_us']:>6.0f} us  lost {result['lost']}"
                    + ("" if lag is None else f"  send lag max {lag:.0f} us"),
                    flush=True,
                )
        return runs


def session(
    name: str,
    netns: bool,
    measure: Callable[[Bench], dict[str, Any]],
    server_core: int = 0,
    loadgen_core: int = 1,
) -> dict[str, Any]:
    """Run `measure`, then stop every process it started by its PID and delete the namespaces,
    whatever happened (an error, Ctrl-C, SIGTERM, a second Ctrl-C during the clean-up).
    Raises SystemExit (130 interrupted, 1 failed) after saying why on stderr."""
    processes = Processes()
    namespaces = Namespaces() if netns else None
    previous = signal.signal(signal.SIGTERM, raise_interrupt)
    try:
        with tempfile.TemporaryDirectory(prefix=f"ucdhcp-{name}-") as tmp:
            topology = LOOPBACK_TOPOLOGY if namespaces is None else namespaces.open()
            return measure(Bench(processes, topology, Path(tmp), server_core, loadgen_core))
    except KeyboardInterrupt:
        print(f"\ninterrupted: stopping what this {name} started", file=sys.stderr)
        raise SystemExit(130) from None
    except (RuntimeError, AssertionError, OSError, subprocess.SubprocessError) as error:
        print(f"{name} failed: {error}", file=sys.stderr)
        raise SystemExit(1) from None
    finally:
        ignored = {
            sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)
        }
        try:  # processes first (by PID), then their namespaces
            processes.stop_all()
            if namespaces is not None:
                namespaces.close()
                for note in namespaces.notes:
                    print(f"netns: {note}", file=sys.stderr)
        finally:
            signal.signal(signal.SIGINT, ignored[signal.SIGINT])
            signal.signal(signal.SIGTERM, previous)


def raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM ends a run through the same clean-up as Ctrl-C


def save(kind: str, report: dict[str, Any], text: str, also: str | None) -> None:
    """results/KIND-STAMP.json and .txt (and the JSON to `also`, --json)."""
    RESULTS.mkdir(exist_ok=True)
    stamp = f"{kind}-{datetime.datetime.now().strftime('%Y%m%d-%H%M%S')}"
    for path in [RESULTS / f"{stamp}.json", *([Path(also)] if also else [])]:
        path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    (RESULTS / f"{stamp}.txt").write_text(text.lstrip() + "\n", encoding="utf-8")
    print(f"\nresults: {RESULTS / f'{stamp}.json'}")


def ucdhcp_config(topology: Topology, name: str, requests: bool = False, address: str = "") -> str:
    """The throughput config for the ucdhcp server `name` (its port in NETNS_PORTS)."""
    flag = str(requests).lower()
    if topology.server_ns is None:
        return UCDHCP_CONFIG.format(
            address="127.0.0.1", port=0, subnets='"127.0.0.0/8"', requests=flag
        )
    port = NETNS_PORTS[name]
    subnets = f'"{SITE_NETWORK}", "{RELAYED_NETWORK}"'  # the link's phones, the relayed ones
    return UCDHCP_CONFIG.format(
        address=address or "0.0.0.0", port=port, subnets=subnets, requests=flag
    )


def ucdhcp_server(name: str, config: str, work: Path, *extra: str, **fields: Any) -> Server:
    """`ucdhcp serve` with `config` written to WORK/NAME.toml, its output in WORK/NAME.log."""
    path = work / f"{name}.toml"
    path.write_text(config, encoding="utf-8")
    command = [str(BIN / "ucdhcp"), "serve", "-c", str(path), *extra]
    return Server(name, command, work / f"{name}.log", **fields)
