"""One host floods, a phone keeps asking: how often is the phone answered within 1 s, and how
fast. Prints figures, never asserts them; `--json PATH` keeps them.

    flood.py [--server NAME=PYTHON ...] [--shapes own,relay-offlink,...] [--seconds 8]

Each `--server NAME=PYTHON[,CONFIG]` is a Python interpreter with ucdhcp installed (default:
this one, named "ucdhcp") and the config it serves (default: this checkout's example; an older
build needs its own version's example); every server meets every shape in the same run, one at
a time, so their figures compare. The example config (config/ucdhcp.example.toml: site
"headquarters" holds the phone's 10.1.2.0/24) is served as shipped, one process on core 0;
the flooder is one Python loop on core 1 sending as fast as it can for `--seconds`:

  own            INFORMs from the flooder's own address (10.1.3.66), a new chaddr each
  relay-offlink  the same with giaddr = 10.1.3.1 (a made-up relay), off-link ciaddrs
  relay-onlink   made-up giaddr, unused on-link ciaddrs (10.1.4.0 - 10.1.255.255)
  big            1,200-byte INFORMs full of options, from its own address
  spoof24        INFORMs whose source (and ciaddr) is spread over 10.1.5.0/24 (raw socket)
  storm          not a flood: 20,000 phones behind one relay, one INFORM each, back to back
                 (the phone is not probed; answered = replies received within 10 s)

The phone (10.1.2.50:68, its own MAC) sends an INFORM every 100 ms during the flood and one
second after it. Topology, all created here and deleted at the end (names fl<PID>...):

    uc ns  eth0 10.1.0.10/16 --+
    ph ns  eth0 10.1.2.50/16 --+-- br0 (sw ns; unknown-unicast flooding off to ph and at)
    at ns  eth0 10.1.3.66/16 --+

Safety: traffic only inside those namespaces; every process is stopped by its PID; every loop
is bounded in count and time. The namespaces, processes and server are harness.py's.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import select
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import loadgen
from harness import (
    Namespaces,
    Processes,
    Server,
    Topology,
    command_in,
    find_events,
    memory_kib,
    raise_interrupt,
    start_server,
    wait_for_event,
)

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE.parent / "config" / "ucdhcp.example.toml"
SERVER, PHONE, ATTACKER = "10.1.0.10", "10.1.2.50", "10.1.3.66"
PHONE_MAC = bytes.fromhex("00041300aa01")
MADE_UP_RELAY = "10.1.3.1"
STORM_GIADDR, STORM_PHONES = "10.20.0.1", "10.20.0.0/22"  # site "branch-oslo" of the example
SHAPES = ("own", "relay-offlink", "relay-onlink", "big", "spoof24")
MAX_SECONDS = 30.0
ANSWERED_WITHIN = 1.0
COOKIE = bytes.fromhex("63825363")
PARAMETERS = bytes((55, 3, 1, 43, 120))
VENDOR = bytes((60, 12)) + b"MS-UC-Client"
DISTINCT = 4096  # prebuilt datagrams per flood, cycled (each a distinct chaddr and xid)


# --- packets ---------------------------------------------------------------------------------


def inform(xid: int, chaddr: bytes, ciaddr: str, giaddr: str = "0.0.0.0", fill: int = 0) -> bytes:
    header = struct.pack(
        "!BBBBIHH4s4s4s4s", 1, 1, 6, 1 if giaddr != "0.0.0.0" else 0, xid, 0, 0,
        socket.inet_aton(ciaddr), bytes(4), bytes(4), socket.inet_aton(giaddr),
    )  # fmt: skip
    options = bytes((53, 1, 8, 61, 7, 1)) + chaddr + VENDOR + PARAMETERS
    body = header + chaddr.ljust(16, b"\x00") + bytes(192) + COOKIE + options
    while len(body) + 4 + 1 <= fill:  # "full of options": small private-use TLVs (224-254)
        body += bytes((224 + len(body) % 30, 2, 0x55, 0xAA))
    return body + b"\xff"


def spoofed(payload: bytes, source: str, destination: str) -> bytes:
    """IPv4 + UDP headers from source:68 to destination:67 (the kernel fills the IP checksum;
    a UDP checksum of 0 means none, RFC 768)."""
    udp = struct.pack("!HHHH", 68, 67, 8 + len(payload), 0)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 28 + len(payload), 0, 0, 64, 17, 0,
                     socket.inet_aton(source), socket.inet_aton(destination))  # fmt: skip
    return ip + udp + payload


def flood_datagrams(shape: str) -> list[bytes]:
    datagrams = []
    for n in range(DISTINCT):
        chaddr, xid = b"\x02\x99" + n.to_bytes(4, "big"), 0x5A000000 | n
        if shape == "own":
            datagrams.append(inform(xid, chaddr, ATTACKER))
        elif shape == "relay-offlink":
            ciaddr = f"10.200.{n // 256}.{n % 256}"
            datagrams.append(inform(xid, chaddr, ciaddr, MADE_UP_RELAY))
        elif shape == "relay-onlink":
            ciaddr = f"10.1.{4 + n // 256}.{n % 256}"
            datagrams.append(inform(xid, chaddr, ciaddr, MADE_UP_RELAY))
        elif shape == "big":
            datagrams.append(inform(xid, chaddr, ATTACKER, fill=1200))
        elif shape == "spoof24":
            source = f"10.1.5.{1 + n % 254}"
            datagrams.append(spoofed(inform(xid, chaddr, source), source, SERVER))
        else:
            raise ValueError(shape)
    return datagrams


# --- the two roles run inside the namespaces --------------------------------------------------


def run_flood(shape: str, seconds: float) -> None:
    seconds = min(seconds, MAX_SECONDS)
    datagrams = flood_datagrams(shape)
    if shape == "spoof24":
        sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    else:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((ATTACKER, 68 if shape in {"own", "big"} else 67))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    send, target = sock.sendto, (SERVER, 67)
    sent = refused = index = 0
    started = time.monotonic()
    deadline = started + seconds
    while time.monotonic() < deadline:  # bounded in time; each burst bounded in count
        for _ in range(512):
            try:
                send(datagrams[index], target)
                sent += 1
            except OSError:  # our own send buffer is full: as fast as it goes
                refused += 1
            index = (index + 1) & (DISTINCT - 1)
    took = time.monotonic() - started
    print(json.dumps({"sent": sent, "seconds": took, "refused": refused}), flush=True)


def run_probe(seconds: float, interval: float = 0.1) -> None:
    seconds = min(seconds, MAX_SECONDS)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("0.0.0.0", 68))
    sent_at: dict[int, float] = {}
    latency: dict[int, float] = {}
    started = time.monotonic()
    next_send, count = started, 0
    print(json.dumps({"ready": True}), flush=True)
    while time.monotonic() < started + seconds + 2.0:
        now = time.monotonic()
        if now >= next_send and now < started + seconds:
            xid = 0x7E000000 | count
            sock.sendto(inform(xid, PHONE_MAC, PHONE), (SERVER, 67))
            sent_at[xid] = now
            count += 1
            next_send += interval
        ready, _, _ = select.select([sock], [], [], max(0.0, min(next_send - now, 0.02)))
        if ready:
            data = sock.recv(4096)
            arrived = time.monotonic()
            xid = int.from_bytes(data[4:8], "big") if len(data) >= 8 and data[0] == 2 else -1
            if xid in sent_at and xid not in latency:
                latency[xid] = arrived - sent_at[xid]
    answered = [latency.get(xid) for xid in sorted(sent_at)]
    print(json.dumps({"sent": count, "answered": answered}), flush=True)


def run_storm(count: int, limit: float) -> None:
    """`count` phones behind one relay (this host: giaddr STORM_GIADDR, its address on the
    phones' subnet of site "branch-oslo"): one INFORM each, back to back, each phone with its
    own ciaddr; ucdhcp answers each at ciaddr:68, routed back here, where the phones' subnet
    is a local route. Counts the distinct replies."""
    relay = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    relay.bind((ATTACKER, 67))
    relay.setblocking(False)
    phones = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    phones.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32 << 20)
    phones.bind(("0.0.0.0", 68))
    phones.setblocking(False)
    requests = []
    for n in range(count):
        chaddr = b"\x02\x55" + n.to_bytes(4, "big")
        ciaddr = f"10.20.{n // 256 % 4}.{n % 256}"
        requests.append(inform(0x3C000000 | n, chaddr, ciaddr, STORM_GIADDR))
    answered: set[bytes] = set()
    started = time.monotonic()
    sent = 0
    while time.monotonic() < started + limit and (sent < count or len(answered) < sent):
        for request in requests[sent : sent + 64]:
            try:
                relay.sendto(request, (SERVER, 67))
                sent += 1
            except BlockingIOError:
                break
        with contextlib.suppress(BlockingIOError):
            for _ in range(256):
                answered.add(phones.recv(2048)[4:8])
        if sent >= count:
            select.select([phones], [], [], 0.01)
    took = time.monotonic() - started
    print(json.dumps({"sent": sent, "answered": len(answered), "seconds": took}), flush=True)


# --- the lab: harness.py's namespaces, processes and server ---------------------------------


def build(namespaces: Namespaces) -> tuple[Topology, str, str]:
    """The bridge and its three hosts (see the top); returns where ucdhcp runs, the phone's
    namespace and the attacker's."""
    switch, server, phone, attacker = namespaces.add("sw", "uc", "ph", "at")
    hosts = [(server, "p1", f"{SERVER}/16"), (phone, "p2", f"{PHONE}/16"),
             (attacker, "p3", f"{ATTACKER}/16")]  # fmt: skip
    namespaces.bridge(switch, hosts, quiet=("p2", "p3"))
    # The storm's phones sit behind the relay (the attacker host): routed there, local there.
    namespaces.route_behind(STORM_PHONES, server, attacker, ATTACKER)
    return Topology("netns", SERVER, "", server, attacker, device="eth0"), phone, attacker


def start_ucdhcp(
    processes: Processes, topology: Topology, python: str, work: Path, name: str
) -> Server:
    """`PYTHON -m ucdhcp serve` (PYTHON[,CONFIG]) on core 0, started and checked by harness."""
    python, _, config = python.partition(",")
    command = [python, "-m", "ucdhcp", "serve", "-c", config or str(EXAMPLE)]
    server = Server(name, command, work / f"{name}.log")
    start_server(server, processes, 0, topology)
    return server


def counters(server: Server) -> dict[str, Any]:
    """The server's `counters` event, logged on SIGUSR1."""
    seen = len(find_events(server.log_path, "counters", whole=True))
    os.kill(server.pid, signal.SIGUSR1)
    event = wait_for_event(server, "counters", 10, seen=seen, whole=True)
    if event is None:
        raise RuntimeError(f"{server.name}: no counters within 10 s")
    return event


def stop_ucdhcp(processes: Processes, server: Server, keep: Path | None) -> None:
    assert server.process is not None
    processes.stop(server.process)
    if keep is not None:  # --keep-logs: the server's events, one file per run
        (keep / f"{server.log_path.stem}-{time.monotonic_ns()}.log").write_text(
            server.log_path.read_text(errors="replace")
        )


def rss_kib(server: Server) -> int:
    return memory_kib(server.pid).get("VmRSS", 0)


def cpu_seconds(server: Server) -> float:
    return loadgen.cpu_seconds(server.pid) or 0.0


def difference(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    return {k: v - before.get(k, 0) for k, v in after.items() if v - before.get(k, 0)}


def one_shape(processes: Processes, server: Server, phone: str, attacker: str, shape: str,
              seconds: float, work: Path) -> dict[str, Any]:  # fmt: skip
    me = str(Path(__file__).resolve())
    rss, cpu, before = rss_kib(server), cpu_seconds(server), counters(server)
    if shape == "storm":
        command = command_in(attacker, [sys.executable, me, "storm", "--count", "20000"])
        result: dict[str, Any] = {"shape": shape, **processes.run(command, 60, "storm")}
    else:
        probe_out = work / f"probe-{shape}-{time.monotonic_ns()}.jsonl"
        command = command_in(phone, [sys.executable, me, "probe", "--seconds", str(seconds + 1)])
        with probe_out.open("wb") as sink:
            probe = processes.spawn(command, stdout=sink, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 15
        while '"ready"' not in probe_out.read_text() and time.monotonic() < deadline:
            time.sleep(0.05)
        command = [sys.executable, me, "flood", "--shape", shape, "--seconds", str(seconds)]
        flood = processes.run(command_in(attacker, command, 1), seconds + 60, f"flood {shape}")
        probe.wait(timeout=30)
        answers = json.loads(probe_out.read_text().splitlines()[-1])
        latencies = sorted(t for t in answers["answered"] if t is not None)
        within = [t for t in latencies if t <= ANSWERED_WITHIN]
        result = {
            "shape": shape,
            "flood_sent": flood["sent"],
            "flood_rate": round(flood["sent"] / flood["seconds"]),
            "phone_sent": answers["sent"],
            "phone_answered_1s": len(within),
            "phone_p50_ms": round(statistics.median(latencies) * 1000, 2) if latencies else None,
            "phone_max_ms": round(latencies[-1] * 1000, 1) if latencies else None,
        }
    time.sleep(0.5)
    after = counters(server)
    result["rss_growth_kib"] = rss_kib(server) - rss
    result["cpu_s"] = round(cpu_seconds(server) - cpu, 2)
    result["ignored"] = difference(after.get("ignored", {}), before.get("ignored", {}))
    result["kernel_drops"] = difference(
        after.get("receive_drops", {}), before.get("receive_drops", {})
    )
    return result


def line(name: str, r: dict[str, Any]) -> str:
    if r["shape"] == "storm":
        return (
            f"{name:14} {'storm':14} 20,000 phones via one relay: {r['answered']:,}/{r['sent']:,}"
            f" answered in {r['seconds']:.2f} s; RSS +{r['rss_growth_kib']} KiB"
        )
    share = 100 * r["phone_answered_1s"] / max(r["phone_sent"], 1)
    return (
        f"{name:14} {r['shape']:14} flood {r['flood_rate']:>7,}/s  phone "
        f"{r['phone_answered_1s']:>3}/{r['phone_sent']:<3} ({share:5.1f}%) within 1 s"
        f"  p50 {r['phone_p50_ms']} ms  max {r['phone_max_ms']} ms"
        f"  RSS +{r['rss_growth_kib']} KiB  CPU {r['cpu_s']} s"
        f"  dropped {r['ignored']} kernel {r['kernel_drops']}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="mode")
    f = sub.add_parser("flood")
    f.add_argument("--shape", choices=SHAPES, required=True)
    f.add_argument("--seconds", type=float, required=True)
    p = sub.add_parser("probe")
    p.add_argument("--seconds", type=float, required=True)
    s = sub.add_parser("storm")
    s.add_argument("--count", type=int, default=20000)
    parser.add_argument("--server", action="append", default=[], help="NAME=PYTHON[,CONFIG]")
    parser.add_argument("--shapes", default=",".join((*SHAPES, "storm")))
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--json")
    parser.add_argument("--keep-logs", type=Path, help="copy each server's log here")
    args = parser.parse_args()
    if args.mode == "flood":
        run_flood(args.shape, args.seconds)
        return 0
    if args.mode == "probe":
        run_probe(args.seconds)
        return 0
    if args.mode == "storm":
        run_storm(min(args.count, 50_000), 10.0)
        return 0
    if os.geteuid() != 0:
        print("flood.py needs root (network namespaces)", file=sys.stderr)
        return 2
    servers = [item.split("=", 1) for item in args.server] or [["ucdhcp", sys.executable]]
    shapes = [shape for shape in args.shapes.split(",") if shape]
    results: list[dict[str, Any]] = []
    processes, namespaces = Processes(), Namespaces("fl")
    signal.signal(signal.SIGTERM, raise_interrupt)  # SIGTERM cleans up as Ctrl-C does
    try:
        topology, phone, attacker = build(namespaces)
        with tempfile.TemporaryDirectory(prefix="ucdhcp-flood-") as temporary:
            work = Path(temporary)
            for shape in shapes:  # interleaved: each shape meets every server back to back
                for name, python in servers:
                    server = start_ucdhcp(processes, topology, python, work, name)
                    try:
                        result = one_shape(
                            processes, server, phone, attacker, shape, args.seconds, work
                        )
                    finally:
                        stop_ucdhcp(processes, server, args.keep_logs)
                    result["server"] = name
                    results.append(result)
                    print(line(name, result), flush=True)
    except KeyboardInterrupt:
        print("\ninterrupted: stopping what this flood run started", file=sys.stderr)
        return 130
    finally:  # processes first (by PID), then their namespaces
        processes.stop_all()
        namespaces.close()
        for note in namespaces.notes:
            print(f"netns: {note}", file=sys.stderr)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
