"""The throughput benchmark, in one command: ucdhcp against a do-nothing uvloop responder,
measured in the same run so that the ratio survives a noisy machine.

  .venv/bin/python benchmarks/run.py              # netns + veth (default), 5 s x 3 rounds, ~90 s
  .venv/bin/python benchmarks/run.py --loopback   # everything on 127.0.0.1 in this namespace
  .venv/bin/python benchmarks/run.py --quick      # smoke run, about 20 s

Strategy: every server is started once, pinned to core 0; the load generator runs pinned to
core 1, one fresh process per measurement. In netns mode (the default, as the lab-notes
reference figures were measured) the servers run in one network namespace and the generator in
another, joined by a veth pair that this script creates and deletes; with --loopback they all
share 127.0.0.1 in the current namespace. The rows are measured in interleaved rounds (ceiling,
baseline, ucdhcp, ucdhcp+logging, then again), so a slow spell on the machine hits every row
alike; each row reports its median round and the ratio is the median of the per-round ratios.
Every process started here is stopped by its PID and both namespaces are deleted, also on
Ctrl-C, SIGTERM or an error. Nothing is asserted: the figures are printed and written to
results/.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import datetime
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import loadgen

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
BIN = Path(sys.executable).parent
TARGET_RATIO = 0.6
START_TIMEOUT = 15.0
STOP_TIMEOUT = 5.0
_PR_SET_PDEATHSIG = 1

UCDHCP_CONFIG = """\
[server]
address = "127.0.0.1"
port = 0                     # the kernel chooses; read back from server_started

[logging]
format = "json"
requests = {requests}

[limits]
replies_per_client = 1000000  # counted as by default (20/s), never reached by 1000 clients

[[sites]]
name = "bench"
subnets = ["127.0.0.0/8"]
sip_servers = ["pool01.contoso.com"]
"""

# netns mode: the default per-interface mode (one socket on the veth, SO_BINDTODEVICE), as a
# deployment runs. Each ucdhcp needs its own port there (port 0 would differ per interface).
UCDHCP_NETNS_CONFIG = """\
[server]
address = "0.0.0.0"          # the default: one socket per interface; here only the veth
port = {port}

[logging]
format = "json"
requests = {requests}

[limits]
replies_per_client = 1000000  # counted as by default (20/s), never reached by 1000 clients

[[sites]]
name = "bench"
subnets = ["10.77.0.0/16"]
sip_servers = ["pool01.contoso.com"]
"""
NETNS_PREFIX = loadgen.NETNS_NAMES  # namespaces: NETNS_PREFIX + run.py's PID + "srv" / "cli"
SERVER_ADDRESS, CLIENT_ADDRESS, PREFIX_LENGTH = "10.77.0.1", "10.77.0.2", 16
NETNS_CLIENTS = "10.77.1.0"  # ciaddr of the generator's client 0: 1000 clients, .1.0-.4.231
VETH_SERVER, VETH_CLIENT = "bench0", "bench1"
NETNS_PORTS = {"ucdhcp": 67, "ucdhcp-logging": 6767}
IP_TIMEOUT = 15.0


# --- where the processes run: loopback, or two namespaces joined by a veth pair ------------------


@dataclass(frozen=True)
class Topology:
    mode: str  # "netns" or "loopback"
    target: str  # the servers' address, as the load generator sends to it
    clients: str  # ciaddr of the generator's client 0
    server_ns: str | None = None
    client_ns: str | None = None

    def server_side(self, core: int, command: list[str]) -> list[str]:
        return _wrap(self.server_ns, core, command)

    def client_side(self, core: int, command: list[str]) -> list[str]:
        return _wrap(self.client_ns, core, command)

    def describe(self) -> str:
        if self.server_ns is None:
            return "loopback: servers and load generator on 127.0.0.1 in this namespace"
        return (
            f"netns: servers in {self.server_ns} ({VETH_SERVER} {SERVER_ADDRESS}/{PREFIX_LENGTH}),"
            f" load generator in {self.client_ns} ({VETH_CLIENT} {CLIENT_ADDRESS}), veth pair,"
            " IPv6 off"
        )


LOOPBACK_TOPOLOGY = Topology("loopback", "127.0.0.1", loadgen.LOOPBACK_CLIENTS)


def _wrap(namespace: str | None, core: int, command: list[str]) -> list[str]:
    # `ip netns exec` and `taskset` both exec (no fork): the PID Popen returns ends up being the
    # command's own, which verify_server_process checks.
    pinned = ["taskset", "-c", str(core), *command]
    return pinned if namespace is None else ["ip", "netns", "exec", namespace, *pinned]


def _ip(*args: str, check: bool = True) -> str:
    done = subprocess.run(
        ["ip", *args], capture_output=True, text=True, timeout=IP_TIMEOUT, check=False
    )
    if check and done.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout


class Namespaces:
    """The server and client namespaces and the veth pair between them.

    `close` deletes exactly what `open` created (the veth goes with its namespaces), and is
    safe to call after a partial `open`.
    """

    def __init__(self) -> None:
        tag = f"{NETNS_PREFIX}{os.getpid()}"
        self.server, self.client = f"{tag}srv", f"{tag}cli"
        self.created: list[str] = []
        self.notes: list[str] = []

    def open(self) -> Topology:
        self.notes += remove_stale_namespaces()
        for namespace in (self.server, self.client):
            _ip("netns", "add", namespace)
            self.created.append(namespace)
            _ip("-n", namespace, "link", "set", "lo", "up")
            _ip(
                "netns", "exec", namespace, "sysctl", "-qw",
                "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1",
            )  # fmt: skip
        _ip(
            "-n", self.server, "link", "add", VETH_SERVER, "type", "veth",
            "peer", "name", VETH_CLIENT, "netns", self.client,
        )  # fmt: skip
        for namespace, device, address in (
            (self.server, VETH_SERVER, SERVER_ADDRESS),
            (self.client, VETH_CLIENT, CLIENT_ADDRESS),
        ):
            _ip("-n", namespace, "addr", "add", f"{address}/{PREFIX_LENGTH}", "dev", device)
            _ip("-n", namespace, "link", "set", device, "up")
        return Topology("netns", SERVER_ADDRESS, NETNS_CLIENTS, self.server, self.client)

    def close(self) -> None:
        for namespace in reversed(self.created):
            # Normally empty: every process was stopped by its PID before. Anything left was
            # started by this run (the namespace is private to it), so it is ended by its PID.
            for pid in _ip("netns", "pids", namespace, check=False).split():
                with contextlib.suppress(ProcessLookupError, ValueError):
                    os.kill(int(pid), signal.SIGKILL)
                    self.notes.append(f"killed pid {pid} left in {namespace}")
            _ip("netns", "del", namespace, check=False)
        self.created.clear()


def remove_stale_namespaces() -> list[str]:
    """Delete namespaces an earlier run.py left behind (killed outright: its PID is gone)."""
    notes = []
    for line in _ip("netns", "list", check=False).splitlines():
        name = line.split(" ", 1)[0]
        match = re.fullmatch(rf"{NETNS_PREFIX}(\d+)(srv|cli)", name)
        if match and not Path(f"/proc/{match[1]}").exists():
            _ip("netns", "del", name, check=False)
            notes.append(f"removed {name}, left by an earlier run (pid {match[1]} is gone)")
    return notes


@contextlib.contextmanager
def signals_deferred() -> Iterator[None]:
    """Let clean-up finish: a second Ctrl-C or a SIGTERM must not leave namespaces behind."""
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


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
    process: subprocess.Popen[bytes] | None = None
    port: int = 0
    checked: str = ""  # what verify_server_process found

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid


class Processes:
    """Everything this run started, so that each can be stopped by its own PID."""

    def __init__(self) -> None:
        self.started: list[subprocess.Popen[bytes]] = []

    def spawn(self, command: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
        # preexec_fn is safe here: this script starts no threads.
        process = subprocess.Popen(
            command,
            start_new_session=True,
            preexec_fn=_die_with_parent,  # noqa: PLW1509
            **kwargs,
        )
        self.started.append(process)
        return process

    def stop(self, process: subprocess.Popen[bytes]) -> None:
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


def start_server(
    server: Server, processes: Processes, core: int, topology: Topology = LOOPBACK_TOPOLOGY
) -> None:
    """Start pinned to `core` (in the server namespace, if any), stdout into its log file; wait
    for `server_started`, then check that the PID is the server's own."""
    with server.log_path.open("wb") as log:
        server.process = processes.spawn(
            topology.server_side(core, server.command),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        event = _find_event(server.log_path, "server_started")
        if event is not None:
            server.port = int(event["port"])
            if event.get("interfaces") is not None and VETH_SERVER not in event["interfaces"]:
                raise RuntimeError(f"{server.name} does not serve {VETH_SERVER}: {event}")
            server.checked = verify_server_process(server, core, topology)
            return
        if server.process.poll() is not None:
            break
        time.sleep(0.05)
    tail = server.log_path.read_text(errors="replace")[-2000:]
    raise RuntimeError(f"{server.name} did not start (exit {server.process.poll()}):\n{tail}")


def verify_server_process(server: Server, core: int, topology: Topology) -> str:
    """The PID whose /proc/PID/stat the load generator reads must be the server itself, not
    an `ip netns exec` or `taskset` wrapper: same command line, pinned, in the namespace."""
    pid = server.pid
    cmdline = [part.decode() for part in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")]
    cmdline = cmdline[:-1] if cmdline and cmdline[-1] == "" else cmdline
    comm = Path(f"/proc/{pid}/comm").read_text().strip()
    # A console script runs as `python SCRIPT ARGS`: the command ends the command line.
    if cmdline[-len(server.command) :] != server.command or comm in ("ip", "taskset"):
        raise RuntimeError(f"pid {pid} is not {server.name} but {comm}: {cmdline}")
    affinity = sorted(os.sched_getaffinity(pid))
    if affinity != [core]:
        raise RuntimeError(f"{server.name} pid {pid} runs on cores {affinity}, not [{core}]")
    where = "this namespace"
    if topology.server_ns is not None:
        expected = os.stat(f"/run/netns/{topology.server_ns}").st_ino
        actual = os.stat(f"/proc/{pid}/ns/net").st_ino
        if actual != expected:
            raise RuntimeError(f"{server.name} pid {pid} is not in {topology.server_ns}")
        where = f"netns {topology.server_ns} (inode {actual})"
    return f"pid {pid} is {server.name} itself ({comm}), on core {core}, in {where}"


def _find_event(path: Path, name: str) -> dict[str, Any] | None:
    # Reads only the start or the end of a file that may hold a million log lines.
    with path.open("rb") as log:
        head = log.read(4096)
        log.seek(max(0, log.seek(0, os.SEEK_END) - 8192))
        tail = log.read()
    for line in (head + b"\n" + tail).splitlines():
        if name.encode() in line:
            with contextlib.suppress(ValueError):
                event: dict[str, Any] = json.loads(line)
                if event.get("event") == name:
                    return event
    return None


# --- one measurement ------------------------------------------------------------------------------


@dataclass
class Row:
    name: str
    meaning: str
    mode: str
    server: Server | None = None
    runs: list[dict[str, Any]] = field(default_factory=list)

    def median_run(self) -> dict[str, Any]:
        ordered = sorted(self.runs, key=lambda run: run["replies_per_s"])
        return ordered[(len(ordered) - 1) // 2]


def measure(
    row: Row, args: argparse.Namespace, processes: Processes, topology: Topology
) -> dict[str, Any]:
    command = [
        sys.executable,
        str(HERE / "loadgen.py"),
        "--mode",
        row.mode,
        "--duration",
        str(args.duration),
        "--warmup",
        str(args.warmup),
        "--inflight",
        str(args.inflight),
        "--client-net",
        topology.clients,
        "--json",
        "-",
    ]
    if row.server is not None:
        command += ["--address", topology.target, "--port", str(row.server.port)]
        command += ["--watch-pid", str(row.server.pid), "--watch-core", str(args.server_core)]
        if row.name.startswith("ucdhcp"):
            command.append("--strict")
    process = processes.spawn(
        topology.client_side(args.loadgen_core, command),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        out, err = process.communicate(timeout=args.duration + args.warmup + 60)
    except subprocess.TimeoutExpired:
        processes.stop(process)
        raise RuntimeError(f"loadgen against {row.name} did not finish") from None
    processes.stop(process)
    if process.returncode != 0:
        raise RuntimeError(f"loadgen against {row.name} failed:\n{err.decode(errors='replace')}")
    result: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    return result


# --- preflight: the traffic is what we claim it is ------------------------------------------------


def probe(
    server: Server, args: argparse.Namespace, processes: Processes, topology: Topology
) -> tuple[bytes, bytes]:
    """One request and its reply, exchanged by `loadgen.py --mode probe` where the load
    generator runs (the client namespace in netns mode)."""
    command = [sys.executable, str(HERE / "loadgen.py"), "--mode", "probe"]
    command += ["--address", topology.target, "--port", str(server.port)]
    command += ["--client-net", topology.clients]
    process = processes.spawn(
        topology.client_side(args.loadgen_core, command),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        out, err = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        processes.stop(process)
        raise RuntimeError(f"probe of {server.name} did not finish") from None
    processes.stop(process)
    if process.returncode != 0:
        raise RuntimeError(f"probe of {server.name} failed:\n{err.decode(errors='replace')}")
    exchange = json.loads(out.decode().strip().splitlines()[-1])
    return bytes.fromhex(exchange["request"]), bytes.fromhex(exchange["reply"])


def preflight(
    servers: list[Server], args: argparse.Namespace, processes: Processes, topology: Topology
) -> list[str]:
    """Dissect one request and each server's reply with scapy, independently of our own reader."""
    try:  # imported here: scapy takes a second to load and is only needed for this check
        from scapy.layers.dhcp import BOOTP, DHCP  # noqa: PLC0415
    except ImportError:
        return ["scapy not importable: preflight dissection skipped"]
    request = loadgen.build_inform(0x0BADCAFE, 7, topology.clients)
    options = _scapy_options(BOOTP(request)[DHCP].options)
    assert options["message-type"] == 8, options  # DHCPINFORM
    assert options["vendor_class_id"] == b"MS-UC-Client", options
    assert list(options["param_req_list"]) == [1, 3, 6, 15, 42, 43, 120], options
    assert options["client_id"] == b"\x01" + loadgen.client_mac(7), options
    notes = [
        f"request: {len(request)}-byte DHCPINFORM, ciaddr {BOOTP(request).ciaddr}, "
        f"options {sorted(options)} (scapy)"
    ]
    for server in servers:
        sent, reply = probe(server, args, processes, topology)
        assert sent == request, "the probe sent another request than the one dissected"
        strict = server.name.startswith("ucdhcp")
        loadgen.validate_reply(reply, request, strict=strict)
        dissected = BOOTP(reply)
        found = _scapy_options(dissected[DHCP].options)
        assert dissected.op == 2 and found["message-type"] == 5, found  # DHCPACK
        notes.append(
            f"{server.name}: {len(reply)}-byte DHCPACK, options {sorted(map(str, found))}"
            + (", chaddr/ciaddr/61 echoed" if strict else "")
        )
    return notes


def _scapy_options(options: list[Any]) -> dict[Any, Any]:
    # scapy gives (name, value...) tuples, or (code, bytes) for codes it has no name for.
    return {entry[0]: entry[1] for entry in options if isinstance(entry, tuple)}


# --- the report -----------------------------------------------------------------------------------


def summarise(rows: list[Row], baseline: Row) -> list[dict[str, Any]]:
    summary = []
    for row in rows:
        median = row.median_run()
        pairs = list(zip(row.runs, baseline.runs, strict=True))
        ratios = [run["replies_per_s"] / base["replies_per_s"] for run, base in pairs]
        cpu = [run["server_cpu_us_per_reply"] for run in row.runs]
        cpu_ratios = [
            base["server_cpu_us_per_reply"] / run["server_cpu_us_per_reply"]
            for run, base in pairs
            if run["server_cpu_us_per_reply"] and base["server_cpu_us_per_reply"]
        ]
        summary.append(
            {
                "target": row.name,
                "meaning": row.meaning,
                "replies_per_s": statistics.median(run["replies_per_s"] for run in row.runs),
                "rounds": [run["replies_per_s"] for run in row.runs],
                "p50_us": median["p50_us"],
                "p99_us": median["p99_us"],
                "server_cpu": median["server_cpu"],
                "core_busy": median["core_busy"],
                "loadgen_cpu": median["loadgen_cpu"],
                "idle_polls": median["idle_polls"],
                "duration_s": median["duration_s"],
                "cpu_us_per_reply": None if None in cpu else statistics.median(cpu),
                "lost": sum(run["lost"] for run in row.runs),
                "ratio_vs_baseline": statistics.median(ratios),
                "ratios_per_round": [round(ratio, 3) for ratio in ratios],
                "cpu_ratio_vs_baseline": statistics.median(cpu_ratios) if cpu_ratios else None,
            }
        )
    return summary


def render_table(summary: list[dict[str, Any]]) -> str:
    header = (
        f"{'target':<30}{'replies/s':>10}{'min-max':>13}{'p50 us':>8}{'p99 us':>8}"
        f"{'lost':>5}{'gen cpu':>8}{'srv cpu':>8}{'core':>6}{'cpu us/rep':>11}{'ratio':>7}"
        f"{'cpu ratio':>10}"
    )
    lines = [header, "-" * len(header)]
    for entry in summary:
        spread = f"{min(entry['rounds']) / 1000:.0f}k-{max(entry['rounds']) / 1000:.0f}k"
        lines.append(
            f"{entry['target']:<30}{entry['replies_per_s']:>10,.0f}{spread:>13}"
            f"{entry['p50_us']:>8.0f}{entry['p99_us']:>8.0f}{entry['lost']:>5}"
            f"{entry['loadgen_cpu']:>8.0%}"
            f"{_optional(entry['server_cpu'], '.0%'):>8}{_optional(entry['core_busy'], '.0%'):>6}"
            f"{_optional(entry['cpu_us_per_reply'], '.2f'):>11}"
            f"{entry['ratio_vs_baseline']:>6.2f}x"
            f"{_optional(entry['cpu_ratio_vs_baseline'], '.2f', 'x'):>10}"
        )
    return "\n".join(lines)


def _optional(value: float | None, spec: str, unit: str = "") -> str:
    return "-" if value is None else format(value, spec) + unit


def verdict(
    summary: list[dict[str, Any]], send_only: dict[str, Any], topology: Topology
) -> list[str]:
    by_name = {entry["target"]: entry for entry in summary}
    ucdhcp, base = by_name["ucdhcp (logging off)"], by_name["baseline uvloop responder"]
    ceiling = by_name["loadgen ceiling (self-loop)"]
    ratio, cpu_ratio = ucdhcp["ratio_vs_baseline"], ucdhcp["cpu_ratio_vs_baseline"]
    met = {True: "met", False: "NOT met"}
    lines = [
        f"[{topology.mode}] ucdhcp / baseline = {ratio:.2f} replies/s"
        f" (rounds {ucdhcp['ratios_per_round']}), {_optional(cpu_ratio, '.2f')} by server CPU"
        f" per reply; target >= {TARGET_RATIO}: {met[ratio >= TARGET_RATIO]} by replies/s,"
        f" {'-' if cpu_ratio is None else met[cpu_ratio >= TARGET_RATIO]} by CPU per reply",
        f"server CPU per reply: ucdhcp {_optional(ucdhcp['cpu_us_per_reply'], '.1f')} us,"
        f" baseline {_optional(base['cpu_us_per_reply'], '.1f')} us",
    ]
    headroom = ceiling["replies_per_s"] / base["replies_per_s"]
    lines.append(
        f"generator ceiling (self-loop on lo{' in the client netns' if topology.client_ns else ''})"
        f" is {headroom:.1f}x the baseline rate"
        f" (send-only {send_only['replies_per_s']:,.0f} datagrams/s); {paced_by(base)}"
    )
    shared = [
        e["target"]
        for e in summary
        if e["core_busy"]
        and e["server_cpu"] is not None
        and e["core_busy"] - e["server_cpu"] > 0.15
    ]
    if shared:
        lines.append(
            "note: other processes used core 0 during "
            + ", ".join(shared)
            + "; replies/s understate those rows, CPU us/reply does not"
        )
    return lines


def paced_by(base: dict[str, Any]) -> str:
    """What limited the baseline row: its server, the generator, or other processes."""
    server, busy, generator = (
        base["server_cpu"] or 0.0,
        base["core_busy"] or 0.0,
        base["loadgen_cpu"],
    )
    waiting = base["idle_polls"] / max(1.0, base["replies_per_s"] * base.get("duration_s", 1.0))
    if server >= 0.9:
        return f"the baseline server used {server:.0%} of core 0: it sets the pace"
    if generator >= 0.9 and waiting < 0.1:
        return (
            f"WARNING the generator was saturated ({generator:.0%} of core 1, few empty reads)"
            f" while the baseline server used {server:.0%} of core 0: the generator caps the"
            " baseline's replies/s (and so inflates the replies/s ratios); trust CPU per reply"
        )
    if busy >= 0.85:
        return (
            f"core 0 was {busy:.0%} busy but the baseline server had only {server:.0%} of it"
            f" and the generator waited ({generator:.0%} of core 1, {base['idle_polls']:,}"
            " empty reads): other processes took core 0, so replies/s understate the servers;"
            " CPU per reply does not"
        )
    return (
        f"WARNING neither core was saturated (core 0 {busy:.0%} busy, server {server:.0%},"
        f" generator {generator:.0%} with {base['idle_polls']:,} empty reads)"
    )


def counters(report: dict[str, Any]) -> list[str]:
    """What the servers say they did: every request answered, nothing ignored or failed."""
    lines = []
    for name, event in report["server_counters"].items():
        if "replies" not in event:
            lines.append(f"{name}: {event.get('received', 0):,} datagrams answered")
            continue
        answered = sum(event["replies"].values())
        lines.append(
            f"{name}: {answered:,} replies, ignored {event['ignored'] or 'none'},"
            f" send errors {event['send_errors'] or 'none'}"
        )
        if event["ignored"] or event["send_errors"]:
            lines[-1] += "  WARNING: not every request was answered: an error path was measured"
        if name == "ucdhcp-logging" and answered:
            lines[-1] += f"; {report['request_log_bytes'] / answered:.0f} log bytes per request"
    return lines


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
    }


# --- the whole run --------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=5.0, help="measured seconds per run")
    parser.add_argument("--repeat", type=int, default=3, help="rounds; each row reports the median")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds before each measurement")
    parser.add_argument("--inflight", type=int, default=64, help="requests kept outstanding")
    parser.add_argument("--quick", action="store_true", help="smoke run: 1 round of 1.5 s")
    parser.add_argument("--server-core", type=int, default=0)
    parser.add_argument("--loadgen-core", type=int, default=1)
    parser.add_argument("--json", metavar="PATH", help="also write the results here")
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--netns",
        dest="mode",
        action="store_const",
        const="netns",
        help="(default) servers and generator in two network namespaces joined by a veth pair",
    )
    where.add_argument(
        "--loopback",
        dest="mode",
        action="store_const",
        const="loopback",
        help="everything on 127.0.0.1 in the current namespace",
    )
    parser.set_defaults(mode="netns")
    args = parser.parse_args(argv)
    if args.quick:
        args.duration, args.repeat, args.warmup = 1.5, 1, 0.5
    if not 0 < args.duration <= 120 or not 1 <= args.repeat <= 20:
        parser.error("--duration must be in (0, 120] and --repeat in 1..20")
    if args.mode == "netns" and (os.geteuid() != 0 or shutil.which("ip") is None):
        parser.error("--netns needs root and iproute2 (ip); use --loopback otherwise")
    return args


@contextlib.contextmanager
def interrupt_as_exception() -> Iterator[None]:
    # SIGTERM as well as Ctrl-C ends the run through the same cleanup path.
    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def make_rows(work: Path, topology: Topology) -> list[Row]:
    def config(requests: bool) -> Path:
        name = "ucdhcp-logging" if requests else "ucdhcp"
        path = work / f"{name}.toml"
        flag = str(requests).lower()
        text = (
            UCDHCP_CONFIG.format(requests=flag)
            if topology.server_ns is None
            else UCDHCP_NETNS_CONFIG.format(requests=flag, port=NETNS_PORTS[name])
        )
        path.write_text(text, encoding="utf-8")
        return path

    ucdhcp = str(BIN / "ucdhcp")
    baseline = [sys.executable, str(HERE / "baseline_responder.py"), "--port", "0"]
    baseline += ["--address", topology.target]
    return [
        Row("loadgen ceiling (self-loop)", "generator talking to itself: its limit", "self-loop"),
        Row(
            "baseline uvloop responder",
            "do-nothing uvloop DatagramProtocol, fixed 369-byte ACK",
            "reply",
            Server("baseline", baseline, work / "baseline.log"),
        ),
        Row(
            "ucdhcp (logging off)",
            "ucdhcp serve, logging.requests = false",
            "reply",
            Server("ucdhcp", [ucdhcp, "serve", "-c", str(config(False))], work / "quiet.log"),
        ),
        Row(
            "ucdhcp (per-request logging)",
            "logging.requests = true, JSON lines to a file",
            "reply",
            Server(
                "ucdhcp-logging", [ucdhcp, "serve", "-c", str(config(True))], work / "logging.log"
            ),
        ),
    ]


def run(
    args: argparse.Namespace, processes: Processes, work: Path, topology: Topology
) -> dict[str, Any]:
    print(topology.describe(), flush=True)
    rows = make_rows(work, topology)
    servers = [row.server for row in rows if row.server is not None]
    for server in servers:
        start_server(server, processes, args.server_core, topology)
    print(
        f"servers on core {args.server_core}: "
        + ", ".join(f"{s.name} pid {s.pid} port {s.port}" for s in servers)
    )
    for server in servers:
        print(f"  checked {server.checked}")
    for note in preflight(servers, args, processes, topology):
        print(f"  preflight {note}", flush=True)
    for round_index in range(args.repeat):
        for row in rows:
            result = measure(row, args, processes, topology)
            row.runs.append(result)
            print(
                f"  round {round_index + 1}/{args.repeat} {row.name:<30}"
                f" {result['replies_per_s']:>10,.0f}/s  p50 {result['p50_us']:>6.0f} us"
                f"  p99 {result['p99_us']:>6.0f} us  lost {result['lost']}",
                flush=True,
            )
    send_only = measure(Row("send-only", "", "send-only"), args, processes, topology)
    stopped = {}
    for server in servers:
        processes.stop(server.process)  # type: ignore[arg-type]
        event = _find_event(server.log_path, "server_stopped")
        if event is not None:
            stopped[server.name] = {
                k: v for k, v in event.items() if k not in ("timestamp", "level")
            }
    log_bytes = (work / "logging.log").stat().st_size
    summary = summarise(rows, rows[1])
    return {
        "environment": environment(topology),
        "server_processes": {server.name: server.checked for server in servers},
        "settings": {k: getattr(args, k) for k in ("duration", "repeat", "warmup", "inflight")},
        "summary": summary,
        "send_only": send_only,
        "server_counters": stopped,
        "request_log_bytes": log_bytes,
        "runs": {row.name: row.runs for row in rows},
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    processes = Processes()
    namespaces = Namespaces() if args.mode == "netns" else None
    topology = LOOPBACK_TOPOLOGY
    RESULTS.mkdir(exist_ok=True)
    try:
        with interrupt_as_exception(), tempfile.TemporaryDirectory(prefix="ucdhcp-bench-") as tmp:
            if namespaces is not None:
                topology = namespaces.open()
            report = run(args, processes, Path(tmp), topology)
    except KeyboardInterrupt:
        print("\ninterrupted: stopping what this run started", file=sys.stderr)
        return 130
    except (RuntimeError, AssertionError, OSError, subprocess.SubprocessError) as error:
        print(f"benchmark failed: {error}", file=sys.stderr)
        return 1
    finally:
        with signals_deferred():  # processes first (by PID), then their namespaces
            processes.stop_all()
            if namespaces is not None:
                namespaces.close()
                for note in namespaces.notes:
                    print(f"netns: {note}", file=sys.stderr)
    table = render_table(report["summary"])
    lines = verdict(report["summary"], report["send_only"], topology) + counters(report)
    env = report["environment"]
    text = "\n".join(
        [
            f"\n{env['date']}  {env['cpus']} cpus ({env['cpu_model']}), Linux {env['kernel']},"
            f" Python {env['python']}, uvloop {env['uvloop']}, {env['ucdhcp']} @ {env['commit']}",
            env["topology"],
            f"{args.repeat} round(s) x {args.duration} s, {args.inflight} in flight,"
            f" servers on core {args.server_core}, loadgen on core {args.loadgen_core}",
            "",
            table,
            "",
            *lines,
        ]
    )
    print(text)
    stamp = f"{topology.mode}-{datetime.datetime.now().strftime('%Y%m%d-%H%M%S')}"
    for path in [RESULTS / f"run-{stamp}.json", *([Path(args.json)] if args.json else [])]:
        path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    (RESULTS / f"run-{stamp}.txt").write_text(text.lstrip() + "\n", encoding="utf-8")
    print(f"\nresults: {RESULTS / f'run-{stamp}.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
