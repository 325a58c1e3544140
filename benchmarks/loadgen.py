"""Load generator: keeps N DHCPINFORMs in flight against one UDP responder and reports
replies/s and latency percentiles; also measures its own ceiling.

Targets: 127.0.0.0/8, or the benchmark's veth network 10.77.0.0/16 when this process runs in one
of the network namespaces run.py creates (ucdbench*); anything else is refused, so it can never
flood a real network.

Strategy: every datagram is built before the clock starts (a ring of 2**17 INFORMs, each with
its own xid, from a pool of clients with distinct chaddr/ciaddr). The hot loop is one connected,
non-blocking socket: send until N are outstanding, read what has arrived, match each reply by
xid (bytes 4:8) against a dict of send times whose insertion order is also the expiry order.
Requests older than --timeout are counted lost and their slot in the window is reused.

Modes:
  reply      against a running responder (default); the first reply is validated first.
             --sockets K spreads the requests over K connected sockets (K source ports, K
             flows for SO_REUSEPORT to hash onto `serve --workers N`).
  open-loop  sends --rate requests/s on a fixed schedule whatever the replies do (latency at a
             fixed load); --wait busy polls between sends, --wait block sleeps in select()
             (soak.py: a few % of a core).
  storm      --count distinct clients (chaddr, ciaddr, xid), one INFORM each, sent as fast as
             the socket takes them; counts the answers (a boot storm; run.py adds --giaddr).
  ready      polls with INFORMs every ~2 ms until the first answer; prints CLOCK_MONOTONIC of
             it (start-up time: run.py starts the server after this says "polling").
  probe      one request and its reply, printed as JSON hex (run.py dissects them with scapy).
  self-loop  the socket is connected to itself, so every request comes straight back: the same
             loop with a zero-cost "server". Its rate is the generator's ceiling on this core.

--bind-port 68 (Kea): one unconnected socket on 0.0.0.0:68 sending with sendto(), because Kea
answers an INFORM at ciaddr:68 whatever the source port (run.py makes the ciaddrs local to the
client namespace with `local` routes); every other mode and server uses a connected socket on
an ephemeral port, answered at its source port.

--phones IFACE (run.py's headline rows): each request is the phone's own Ethernet frame (its
MAC, its ciaddr, UDP 68 -> the server's port), written to an AF_PACKET socket on IFACE; the
replies, addressed to the phones' MACs at ciaddr:68, are read on that socket in promiscuous mode
and each is checked against the phone whose xid it carries (phones.py). Only inside run.py's
client namespace, with ciaddrs in 10.77.0.0/16.

--giaddr ADDR (the boot storm and the soak, against the default config): the generator is a
relay with its address ADDR on the phones' subnet, and --client-net is in that subnet
(10.78.0.0/16, which run.py routes from the server's namespace to the generator's and makes
local there). Each INFORM carries giaddr = ADDR and the phone's own ciaddr and is sent from
port 67, the port a relay listens on (RFC 2131 §4.1); ucdhcp's default `relayed_inform =
"ciaddr"` answers each phone at its ciaddr:68 (RFC 2131 §4.3.5), read here on a socket bound to
0.0.0.0:68. The default limits meant for one sender (its requests, its address, its port) then
apply as they do to a site's phones: per phone, not to the one generator.

Examples:
  .venv/bin/python benchmarks/loadgen.py --port 6767 --duration 5
  ip netns exec NS .venv/bin/python benchmarks/loadgen.py --address 10.77.0.1 --port 67 \
      --client-net 10.77.1.0
  taskset -c 1 .venv/bin/python benchmarks/loadgen.py --mode self-loop --duration 2
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import ipaddress
import json
import os
import select
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import phones

LOOPBACK = ipaddress.IPv4Network("127.0.0.0/8")
NETNS_NETWORK = ipaddress.IPv4Network("10.77.0.0/16")  # run.py's veth; only inside a netns
# Phones behind the --giaddr relay: run.py routes this subnet to the generator's namespace.
RELAYED_NETWORK = ipaddress.IPv4Network("10.78.0.0/16")
RELAY_PORTS = (67, 68)  # a relay sends from its port 67 (RFC 2131 §4.1); phones hear on 68
NETNS_NAMES = "ucdbench"  # run.py's namespaces: ucdbench<pid>srv, ucdbench<pid>cli
LOOPBACK_CLIENTS = "127.1.0.0"  # ciaddr of client 0 by default: 127.1.x.y
RING_SIZE = 1 << 17  # distinct xids; at 250k/s the ring wraps every ~0.5 s (>= --timeout)
MAGIC_COOKIE = bytes.fromhex("63825363")
MS_UC_CLIENT = b"MS-UC-Client"
PARAMETER_REQUEST_LIST = bytes((1, 3, 6, 15, 42, 43, 120))
CLIENT_OUI = bytes.fromhex("000413")  # Aastra, as in protocol.md §7
SOCKET_BUFFER = 4 << 20
DHCPACK = 5
DHCPINFORM = 8
READY_CLIENT = 60000  # --mode ready polls as this client (outside a storm's 20,000)


# --- requests ---------------------------------------------------------------------------------


def client_mac(client: int) -> bytes:
    return CLIENT_OUI + client.to_bytes(3, "big")


def client_address(client: int, first: str = LOOPBACK_CLIENTS) -> bytes:
    """ciaddr of a client: `first` + client (127.1.x.y by default, in the benchmark site)."""
    return (int(ipaddress.IPv4Address(first)) + client).to_bytes(4, "big")


def build_inform(
    xid: int,
    client: int,
    first: str = LOOPBACK_CLIENTS,
    giaddr: bytes = bytes(4),
    mac_offset: int = 0,
) -> bytes:
    """A phone's DHCPINFORM laid out as protocol.md §7 (276 bytes), for one client of the pool;
    its ciaddr is `first` + client, its chaddr client_mac(client + `mac_offset`); `giaddr` set
    when a relay forwards it."""
    mac = client_mac(client + mac_offset)
    options = (
        bytes((53, 1, DHCPINFORM))
        + bytes((61, 7, 1))
        + mac
        + bytes((60, len(MS_UC_CLIENT)))
        + MS_UC_CLIENT
        + bytes((55, len(PARAMETER_REQUEST_LIST)))
        + PARAMETER_REQUEST_LIST
        + b"\xff"
    )
    header = (
        bytes((1, 1, 6, 0))  # op BOOTREQUEST, htype Ethernet, hlen 6, hops
        + xid.to_bytes(4, "big")
        + bytes(4)  # secs, flags (unicast: the client has an address)
        + client_address(client, first)  # ciaddr
        + bytes(8)  # yiaddr, siaddr
        + giaddr
        + mac.ljust(16, b"\x00")  # chaddr
        + bytes(192)  # sname, file
    )
    return header + MAGIC_COOKIE + options


def build_ring(
    size: int,
    clients: int,
    seed: int,
    first: str = LOOPBACK_CLIENTS,
    giaddr: bytes = bytes(4),
    mac_offset: int = 0,
) -> tuple[list[bytes], list[bytes]]:
    """`size` INFORMs cycling over `clients` clients, xid = seed + slot (distinct in the ring)."""
    requests = [
        build_inform((seed + slot) & 0xFFFFFFFF, slot % clients, first, giaddr, mac_offset)
        for slot in range(size)
    ]
    return requests, [request[4:8] for request in requests]


# --- an independent reader for the reply, used once before measuring ---------------------------


class InvalidReplyError(Exception):
    """The responder's answer is not the DHCPACK with options 43 and 120 being benchmarked."""


def reply_options(reply: bytes) -> dict[int, bytes]:
    """Options of a reply (repeated codes concatenated), without any ucdhcp code."""
    if len(reply) < 241 or reply[236:240] != MAGIC_COOKIE:
        raise InvalidReplyError(f"{len(reply)}-byte reply without a DHCP magic cookie")
    options: dict[int, bytes] = {}
    offset = 240
    while offset < len(reply) and reply[offset] != 255:
        if reply[offset] == 0:
            offset += 1
            continue
        if offset + 1 >= len(reply) or offset + 2 + reply[offset + 1] > len(reply):
            raise InvalidReplyError(f"option {reply[offset]} runs past the end of the reply")
        code, stop = reply[offset], offset + 2 + reply[offset + 1]
        options[code] = options.get(code, b"") + reply[offset + 2 : stop]
        offset = stop
    return options


def validate_reply(reply: bytes, request: bytes, *, strict: bool) -> dict[int, bytes]:
    """Check that `reply` is a DHCPACK to `request` carrying options 43 (MS-UC-Client) and 120.

    With `strict`, also check the echoed chaddr, ciaddr and option 61 (RFC 2131 §4.3.5).

    Raises:
        InvalidReplyError: what is wrong with it.
    """
    if reply[0] != 2:
        raise InvalidReplyError(f"op {reply[0]} is not BOOTREPLY")
    if reply[4:8] != request[4:8]:
        raise InvalidReplyError(f"xid {reply[4:8].hex()} does not match {request[4:8].hex()}")
    options = reply_options(reply)
    if options.get(53) != bytes((DHCPACK,)):
        raise InvalidReplyError(f"message type {options.get(53)!r} is not DHCPACK (5)")
    if 43 not in options or 120 not in options:
        raise InvalidReplyError(f"options 43 and 120 expected, got {sorted(options)}")
    if options[43][:2] != bytes((1, len(MS_UC_CLIENT))) or options[43][2:14] != MS_UC_CLIENT:
        raise InvalidReplyError(
            f"option 43 does not start with sub-option 1 MS-UC-Client: {options[43].hex()}"
        )
    if strict:
        if reply[28:44] != request[28:44] or reply[12:16] != request[12:16]:
            raise InvalidReplyError("chaddr or ciaddr not echoed")
        if options.get(61) != reply_options(request).get(61):
            raise InvalidReplyError("option 61 not echoed")
    return options


# --- the measurement --------------------------------------------------------------------------


@dataclass
class Window:
    """What stays in flight across the warm-up and the measured phase."""

    requests: list[bytes]
    xids: list[bytes]
    pending: dict[bytes, int] = field(default_factory=dict)  # xid -> send time (ns), oldest first
    slot: int = 0


@dataclass
class Counts:
    sent: int = 0
    replies: int = 0
    stray: int = 0  # a reply whose xid is not outstanding (late after being counted lost)
    lost: int = 0  # no reply within the timeout
    idle_polls: int = 0  # reads that found nothing: the generator was waiting for the server
    refused: int = 0  # ICMP port unreachable came back: nothing listens (the server stopped)


def drive(
    client: Client,
    window: Window,
    inflight: int,
    deadline_ns: int,
    timeout_ns: int,
    latencies: list[int] | None,
) -> Counts:
    """The hot loop: keep `inflight` requests outstanding until `deadline_ns`. Over K sockets
    (--sockets K) request n leaves through socket n % K and each pass reads at most one reply
    from every socket: K source ports are K flows for SO_REUSEPORT to hash onto workers."""
    sends, recvs, clock = client.sends, client.recvs, time.perf_counter_ns
    requests, xids, pending = window.requests, window.xids, window.pending
    pop = pending.pop
    record = latencies.append if latencies is not None else None
    mask, ways = len(requests) - 1, len(sends)
    slot = window.slot
    counts = Counts()
    sent = replies = stray = 0
    now = clock()
    while now < deadline_ns:
        try:
            while len(pending) < inflight:
                sends[slot % ways](requests[slot])
                pending[xids[slot]] = now
                slot = (slot + 1) & mask
                sent += 1
        except BlockingIOError:  # send buffer full: read first, send again on the next turn
            pass
        except ConnectionRefusedError:  # an ICMP error queued on the socket, reported by send
            counts.refused += 1
        got = False
        for recv in recvs:
            try:
                reply = recv(2048)
            except BlockingIOError:
                continue
            except ConnectionRefusedError:
                counts.refused += 1
                continue
            got = True
            now = clock()
            started = pop(reply[4:8], None)
            if started is None:
                stray += 1
                continue
            replies += 1
            if record is not None:
                record(now - started)
        if not got:
            now = clock()
            counts.idle_polls += 1
            counts.lost += _expire(pending, now - timeout_ns)
        elif not replies & 0x3FF:  # a busy socket never raises BlockingIOError: expire here too
            counts.lost += _expire(pending, now - timeout_ns)
    window.slot = slot
    counts.sent, counts.replies, counts.stray = sent, replies, stray
    return counts


def open_loop(
    client: Client,
    window: Window,
    rate: float,
    deadline_ns: int,
    timeout_ns: int,
    latencies: list[int] | None,
    busy: bool,
) -> tuple[Counts, int]:
    """Send on a fixed schedule (`rate` per second) whatever the replies do, until
    `deadline_ns`; read replies in between. Returns the counts and the largest lag of a send
    behind its schedule (ns). A request sent late is still sent (the schedule catches up), and
    its latency counts from when it was actually sent.

    `busy` polls the socket between sends (precise, one core at 100%); otherwise the loop
    sleeps in select() until the next send is due or a reply arrives (the soak's mode).
    """
    send, recv, clock = client.sends[0], client.recvs[0], time.perf_counter_ns
    fileno = client.socks[0].fileno()
    requests, xids, pending = window.requests, window.xids, window.pending
    pop = pending.pop
    record = latencies.append if latencies is not None else None
    mask = len(requests) - 1
    slot = window.slot
    interval = 1e9 / rate
    counts = Counts()
    sent = replies = stray = 0
    start = clock()
    due, lag = start, 0
    while True:
        now = clock()
        if now >= deadline_ns:
            break
        try:
            while due <= now:  # at most what the schedule says is due
                send(requests[slot])
                pending[xids[slot]] = now
                slot = (slot + 1) & mask
                sent += 1
                lag = max(lag, now - due)
                due = start + int(sent * interval)
        except BlockingIOError:  # not on veth or lo; counted as lag, sent on the next turn
            pass
        except ConnectionRefusedError:
            counts.refused += 1
        if not busy:
            wait = max(0.0, min(due, deadline_ns) - clock()) / 1e9
            select.select([fileno], [], [], wait)
        while True:  # everything that has arrived
            try:
                reply = recv(2048)
            except BlockingIOError:
                counts.idle_polls += 1
                break
            except ConnectionRefusedError:
                counts.refused += 1
                break
            arrived = clock()
            started = pop(reply[4:8], None)
            if started is None:
                stray += 1
                continue
            replies += 1
            if record is not None:
                record(arrived - started)
        counts.lost += _expire(pending, clock() - timeout_ns)
    window.slot = slot
    counts.sent, counts.replies, counts.stray = sent, replies, stray
    return counts, lag


@dataclass
class StormResult:
    """A boot storm: `offered` distinct clients' INFORMs sent back to back, each once."""

    mode: str
    target: str
    offered: int
    sent: int
    answered: int
    lost: int
    duplicates: int
    send_s: float  # first to last send
    all_answered_s: float | None  # first send to the last answer, when every one was answered
    last_answer_s: float | None  # first send to the last answer that came
    offered_per_s: float
    answered_per_s: float  # answered / last_answer_s
    validated: str


def storm(client: Client, requests: list[bytes], quiet_s: float, limit_s: float) -> StormResult:
    """Send every request once as fast as the socket takes them, reading replies between
    bursts of 32; then wait until all are answered, no reply came for `quiet_s`, or `limit_s`
    passed since the first send."""
    send, recv, clock = client.sends[0], client.recvs[0], time.perf_counter_ns
    index = {request[4:8]: position for position, request in enumerate(requests)}
    answered_at: dict[bytes, int] = {}
    first: tuple[bytes, bytes] | None = None
    duplicates = 0
    start = clock()
    hard_deadline = start + int(limit_s * 1e9)
    sent = 0

    def read_available() -> None:
        nonlocal first, duplicates
        while True:
            try:
                reply = recv(2048)
            except (BlockingIOError, ConnectionRefusedError):
                return
            xid = reply[4:8]
            if xid not in index:
                continue
            if xid in answered_at:
                duplicates += 1
                continue
            answered_at[xid] = clock()
            if first is None:
                first = (reply, requests[index[xid]])

    while sent < len(requests) and clock() < hard_deadline:
        try:
            for _ in range(32):
                if sent == len(requests):
                    break
                send(requests[sent])
                sent += 1
        except BlockingIOError:
            pass
        read_available()
    sent_at = clock()
    last_seen = clock()
    while len(answered_at) < sent and clock() < hard_deadline:
        before = len(answered_at)
        select.select([client.socks[0].fileno()], [], [], 0.01)
        read_available()
        if len(answered_at) > before:
            last_seen = clock()
        elif clock() - last_seen > quiet_s * 1e9:
            break
    validated = "no reply"
    if first is not None:
        validate_reply(first[0], first[1], strict=True)
        validated = "strict (first reply)"
    last = max(answered_at.values(), default=None)
    last_s = None if last is None else (last - start) / 1e9
    every = len(answered_at) == len(requests)
    return StormResult(
        mode="storm",
        target=client.target,
        offered=len(requests),
        sent=sent,
        answered=len(answered_at),
        lost=len(requests) - len(answered_at),
        duplicates=duplicates,
        send_s=round((sent_at - start) / 1e9, 4),
        all_answered_s=round(last_s, 4) if every and last_s is not None else None,
        last_answer_s=None if last_s is None else round(last_s, 4),
        offered_per_s=round(sent / max(1e-9, (sent_at - start) / 1e9), 1),
        answered_per_s=round(len(answered_at) / last_s, 1) if last_s else 0.0,
        validated=validated,
    )


def poll_until_ready(
    client: Client, build: Callable[[int], bytes], limit_s: float
) -> dict[str, Any]:
    """Send an INFORM every ~2 ms (each with a new xid) until one is answered or `limit_s`
    passes; print nothing until then. Returns CLOCK_MONOTONIC of the first answer, so another
    process (run.py) can subtract the moment it started the server."""
    send, recv, fileno = client.sends[0], client.recvs[0], client.socks[0].fileno()
    deadline = time.monotonic() + limit_s
    attempts = 0
    outstanding: dict[bytes, bytes] = {}
    while time.monotonic() < deadline:
        request = build(attempts)
        attempts += 1
        outstanding[request[4:8]] = request
        with contextlib.suppress(ConnectionRefusedError, BlockingIOError):
            send(request)
        select.select([fileno], [], [], 0.002)
        while True:
            try:
                reply = recv(2048)
            except BlockingIOError:
                break
            except ConnectionRefusedError:  # nothing listened yet when that request arrived
                continue
            answered = time.monotonic()
            request = outstanding.get(reply[4:8], b"")
            if request:
                validate_reply(reply, request, strict=False)
                return {"answered_monotonic": answered, "attempts": attempts, "validated": True}
    return {"answered_monotonic": None, "attempts": attempts, "validated": False}


def _expire(pending: dict[bytes, int], older_than: int) -> int:
    expired = 0
    while pending:
        oldest = next(iter(pending))
        if pending[oldest] > older_than:
            break
        del pending[oldest]
        expired += 1
    return expired


def drain(client: Client, window: Window, timeout_ns: int) -> tuple[int, int]:
    """After the deadline: collect what is still in flight. Returns (late replies, lost)."""
    deadline = time.perf_counter_ns() + timeout_ns
    late = 0
    while window.pending and time.perf_counter_ns() < deadline:
        got = False
        for recv in client.recvs:
            try:
                reply = recv(2048)
            except (BlockingIOError, ConnectionRefusedError):
                continue
            got = True
            late += window.pending.pop(reply[4:8], None) is not None
        if not got:
            time.sleep(0.0005)
    lost = len(window.pending)
    window.pending.clear()
    return late, lost


def percentiles(latencies: list[int]) -> dict[str, float]:
    """p50/p90/p99/max in microseconds (nearest rank)."""
    if not latencies:
        return {"p50_us": 0.0, "p90_us": 0.0, "p99_us": 0.0, "max_us": 0.0}
    ordered = sorted(latencies)
    last = len(ordered) - 1

    def at(fraction: float) -> float:
        return ordered[min(last, int(fraction * len(ordered)))] / 1000

    return {
        "p50_us": at(0.50),
        "p90_us": at(0.90),
        "p99_us": at(0.99),
        "max_us": ordered[-1] / 1000,
    }


def cpu_seconds(pid: int) -> float | None:
    """utime + stime of a process, from /proc (None when it is gone)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def core_busy_seconds(core: int) -> float | None:
    """Seconds core `core` spent not idle since boot, from /proc/stat (None if unknown)."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            line = next((row for row in stat if row.startswith(f"cpu{core} ")), None)
    except OSError:
        return None
    if line is None:
        return None
    ticks = [int(value) for value in line.split()[1:9]]
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")  # minus idle, iowait


# --- sockets ----------------------------------------------------------------------------------


def in_benchmark_namespace() -> bool:
    """True when this process runs in a network namespace run.py created (/run/netns/ucdbench*).

    (Comparing with PID 1's namespace is not possible here: /proc/1/ns is denied even to root.)
    """
    try:
        own = os.stat("/proc/self/ns/net")
        named = [entry for entry in os.scandir("/run/netns") if entry.name.startswith(NETNS_NAMES)]
        return any(
            (entry.stat().st_dev, entry.stat().st_ino) == (own.st_dev, own.st_ino)
            for entry in named
        )
    except OSError:  # cannot tell: assume not
        return False


def target_refused(address: str) -> str | None:
    """Why traffic to `address` is not allowed from here, or None when it is."""
    target = ipaddress.IPv4Address(address)
    if target in LOOPBACK:
        return None
    if target not in NETNS_NETWORK:
        return f"traffic is allowed only to {LOOPBACK} and, inside a netns, {NETNS_NETWORK}"
    if not in_benchmark_namespace():
        return f"{NETNS_NETWORK} is run.py's veth: allowed only inside its network namespaces"
    return None


def udp_socket(bind: tuple[str, int], connect: tuple[str, int] | None = None) -> socket.socket:
    """A non-blocking UDP socket with 4 MiB buffers, bound to `bind`, connected to `connect`."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, SOCKET_BUFFER)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SOCKET_BUFFER)
    sock.bind(bind)
    if connect is not None:
        sock.connect(connect)
    sock.setblocking(False)
    return sock


@dataclass
class Client:
    """The generator's socket(s) and how to send and read through each."""

    socks: list[socket.socket]
    sends: list[Callable[[bytes], int]]
    recvs: list[Callable[[int], bytes]]
    target: str
    addressees: phones.Addressees | None = None  # --phones: who each reply must go to

    def close(self) -> None:
        for sock in self.socks:
            sock.close()


def open_clients(target: tuple[str, int] | None, count: int = 1, bind_port: int = 0) -> Client:
    """`count` sockets on ephemeral ports (never 68, so the server answers at the source port),
    each connected to `target` (None: to itself, the self-loop).

    With `bind_port` (68 for Kea): one socket bound to 0.0.0.0:`bind_port`, not connected. Kea
    answers an INFORM at ciaddr:68 whatever the source port, so the replies are addressed to the
    clients' ciaddrs (which run.py makes local to the client namespace with a `local` route): a
    connected socket, its local address fixed to the veth address, would not see them.
    """
    if bind_port:
        if target is None or count != 1:
            raise ValueError("--bind-port needs a target and one socket")
        sock = udp_socket(("0.0.0.0", bind_port))
        sendto = sock.sendto
        name = f"{target[0]}:{target[1]} from port {bind_port}"
        return Client([sock], [lambda data: sendto(data, target)], [sock.recv], name)
    remote = target is not None and ipaddress.IPv4Address(target[0]) not in LOOPBACK
    socks = []
    for _ in range(count):  # remote: bound to 0.0.0.0, the kernel chooses the veth address
        sock = udp_socket(("0.0.0.0" if remote else "127.0.0.1", 0))
        sock.connect(sock.getsockname() if target is None else target)
        socks.append(sock)
    name = socks[0].getpeername()
    return Client(socks, [s.send for s in socks], [s.recv for s in socks], f"{name[0]}:{name[1]}")


def open_relay(target: tuple[str, int], giaddr: str) -> Client:
    """A relay's sockets (see --giaddr): requests leave from port 67 on a socket connected to
    `target`; the replies, addressed to each phone's ciaddr:68, are read on 0.0.0.0:68.
    `socks[0]` is the one that receives (what the loops select() on)."""
    sender = udp_socket(("0.0.0.0", RELAY_PORTS[0]), target)
    receiver = udp_socket(("0.0.0.0", RELAY_PORTS[1]))
    name = f"{target[0]}:{target[1]} from relay {giaddr} (port 67), answers at ciaddr:68"
    return Client([receiver, sender], [sender.send], [receiver.recv], name)


def open_phones(
    args: argparse.Namespace, requests: list[bytes], seed: int
) -> tuple[Client, list[bytes]]:
    """--phones: the ring's requests as the phones' own frames (phones.py), and a Client whose
    one AF_PACKET socket sends them and reads the replies off the wire, each checked against
    the phone that asked (`Client.addressees`)."""
    server_mac = phones.parse_mac(args.server_mac)
    server = ipaddress.IPv4Address(args.address).packed
    frames, macs, addresses = [], [], []
    for request in requests:
        mac, ciaddr = request[28:34], request[12:16]
        frames.append(phones.phone_frame(request, mac, ciaddr, server_mac, server, args.port))
        macs.append(mac)
        addresses.append(ciaddr)
    addressees = phones.Addressees(seed, macs, addresses)
    sock = phones.open_link(args.phones)
    name = f"{args.address}:{args.port} as phones on {args.phones} (UDP 68, own MAC and ciaddr)"
    client = Client([sock], [sock.send], [addressees.reader(sock)], name, addressees)
    return client, frames


def client_for(args: argparse.Namespace, target: tuple[str, int] | None) -> Client:
    """The relay's sockets with --giaddr, else `open_clients`."""
    if args.giaddr and target is not None:
        return open_relay(target, args.giaddr)
    return open_clients(target, args.sockets, args.bind_port)


def giaddr_bytes(args: argparse.Namespace) -> bytes:
    return ipaddress.IPv4Address(args.giaddr or "0.0.0.0").packed


def first_reply(
    client: Client, request: bytes, timeout: float, payload: bytes | None = None
) -> bytes:
    """Send one request through the first socket and wait for its reply (bounded by `timeout`);
    `payload`: the DHCP message of `request` when that is a whole frame (--phones).

    Raises:
        InvalidReplyError: no reply in time, or nothing listens at the target.
    """
    sock, recv = client.socks[0], client.recvs[0]
    xid = (request if payload is None else payload)[4:8]
    deadline = time.monotonic() + timeout
    try:
        client.sends[0](request)
        while (left := deadline - time.monotonic()) > 0:
            if not select.select([sock], [], [], left)[0]:
                continue
            try:
                reply = recv(2048)
            except BlockingIOError:
                continue
            if reply[4:8] == xid:
                return reply
    except ConnectionRefusedError:
        raise InvalidReplyError(f"nothing listens at {client.target}") from None
    raise InvalidReplyError(f"no reply within {timeout} s: is the responder running?")


# --- one run ------------------------------------------------------------------------------------


@dataclass
class Result:
    mode: str
    target: str
    inflight: int
    duration_s: float
    replies_per_s: float
    sent: int
    replies: int
    lost: int
    stray: int
    late: int
    idle_polls: int  # empty reads while measuring; ~0 means the generator itself was saturated
    refused: int  # ECONNREFUSED while measuring: the target went away
    p50_us: float
    p90_us: float
    p99_us: float
    max_us: float
    loadgen_cpu: float  # fraction of one core used by this process while measuring
    server_cpu: float | None  # same for --watch-pid (summed over every one given)
    server_cpu_us_per_reply: float | None  # server CPU time per reply: robust to a shared core
    core_busy: float | None  # fraction of --watch-core busy (the server and anything else)
    validated: str
    sockets: int = 1
    misaddressed: int = 0  # --phones: replies to another MAC, IP or port than the phone's
    rate: float | None = None  # open-loop: the schedule, requests/s
    send_lag_max_us: float | None = None  # open-loop: the latest a send came after its time


def _cpu_total(pids: list[int]) -> float | None:
    if not pids:
        return None
    times = [cpu_seconds(pid) for pid in pids]
    return None if None in times else sum(t for t in times if t is not None)


def run(args: argparse.Namespace) -> Result:
    ring_seed = int.from_bytes(os.urandom(4), "big") & 0xFFFC0000
    payloads, xids = build_ring(
        RING_SIZE, args.clients, ring_seed, args.client_net, giaddr_bytes(args), args.mac_offset
    )
    if args.phones:
        client, requests = open_phones(args, payloads, ring_seed)
    else:
        requests = payloads
        client = client_for(args, None if args.mode == "self-loop" else (args.address, args.port))
    window = Window(requests, xids)
    validated = "skipped"
    if args.mode != "self-loop" and not args.no_validate:
        reply = first_reply(client, requests[-1], 2.0, payloads[-1])
        validate_reply(reply, payloads[-1], strict=args.strict)
        validated = "strict" if args.strict else "ack-43-120"
    del payloads
    timeout_ns = int(args.timeout * 1e9)
    latencies: list[int] = []
    watched = args.watch_pid or []
    lag: int | None = None

    def loop(deadline: int, record: list[int] | None) -> Counts:
        nonlocal lag
        if args.mode != "open-loop":
            return drive(client, window, args.inflight, deadline, timeout_ns, record)
        counts, lag = open_loop(
            client, window, args.rate, deadline, timeout_ns, record, args.wait == "busy"
        )
        return counts

    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        loop(time.perf_counter_ns() + int(args.warmup * 1e9), None)
        server0 = _cpu_total(watched)
        core0 = core_busy_seconds(args.watch_core) if args.watch_core is not None else None
        cpu0 = time.process_time()
        start = time.perf_counter_ns()
        counts = loop(start + int(args.duration * 1e9), latencies)
        elapsed = (time.perf_counter_ns() - start) / 1e9
        cpu = (time.process_time() - cpu0) / elapsed
        server1 = _cpu_total(watched)
        core1 = core_busy_seconds(args.watch_core) if args.watch_core is not None else None
        late, lost = drain(client, window, timeout_ns)
    finally:
        gc.enable()
        client.close()
    server_cpu = None if server0 is None or server1 is None else (server1 - server0) / elapsed
    core_busy = None if core0 is None or core1 is None else (core1 - core0) / elapsed
    return Result(
        mode=args.mode,
        target=client.target,
        inflight=args.inflight,
        duration_s=round(elapsed, 3),
        replies_per_s=round(counts.replies / elapsed, 1),
        sent=counts.sent,
        replies=counts.replies,
        lost=counts.lost + lost,
        stray=counts.stray,
        late=late,
        idle_polls=counts.idle_polls,
        refused=counts.refused,
        loadgen_cpu=round(cpu, 3),
        server_cpu=None if server_cpu is None else round(server_cpu, 3),
        server_cpu_us_per_reply=None
        if server_cpu is None or not counts.replies
        else round(server_cpu * elapsed / counts.replies * 1e6, 2),
        core_busy=None if core_busy is None else round(core_busy, 3),
        validated=validated,
        sockets=len(client.sends),
        misaddressed=0 if client.addressees is None else client.addressees.misaddressed,
        rate=args.rate if args.mode == "open-loop" else None,
        send_lag_max_us=None if lag is None else round(lag / 1000, 1),
        **percentiles(latencies),
    )


def run_storm(args: argparse.Namespace) -> StormResult:
    """--mode storm: --count distinct clients (chaddr, ciaddr, xid), one INFORM each."""
    seed = int.from_bytes(os.urandom(4), "big") & 0xFFFC0000
    giaddr = giaddr_bytes(args)
    requests = [
        build_inform((seed + client) & 0xFFFFFFFF, client, args.client_net, giaddr)
        for client in range(args.count)
    ]
    client = client_for(args, (args.address, args.port))
    gc.collect()
    gc.disable()
    try:
        return storm(client, requests, quiet_s=args.timeout, limit_s=args.duration)
    finally:
        gc.enable()
        client.close()


def run_ready(args: argparse.Namespace) -> dict[str, Any]:
    """--mode ready: say "polling" on stdout, then poll until the first answer (--duration)."""
    seed = int.from_bytes(os.urandom(4), "big") & 0xFFFC0000
    client = open_clients((args.address, args.port), 1, args.bind_port)
    print(json.dumps({"polling": time.monotonic()}), flush=True)
    try:
        return poll_until_ready(
            client,
            lambda attempt: build_inform(seed + attempt, READY_CLIENT, args.client_net),
            args.duration,
        )
    finally:
        client.close()


def render(result: Result) -> str:
    schedule = "" if result.rate is None else f", open loop at {result.rate:,.0f}/s"
    lines = [
        f"{result.mode} -> {result.target}: {result.replies_per_s:,.0f} replies/s"
        f" over {result.duration_s} s, {result.inflight} in flight{schedule}",
        f"  sent {result.sent:,}  replies {result.replies:,}  lost {result.lost}"
        f"  stray {result.stray}  late {result.late}  refused {result.refused}"
        f"  misaddressed {result.misaddressed}"
        f"  reply check: {result.validated}",
        f"  latency p50 {result.p50_us:.0f} us  p90 {result.p90_us:.0f} us"
        f"  p99 {result.p99_us:.0f} us  max {result.max_us:.0f} us"
        + ("" if result.send_lag_max_us is None else f"  send lag max {result.send_lag_max_us} us"),
        f"  cpu: loadgen {result.loadgen_cpu:.0%} (empty reads {result.idle_polls:,})"
        + ("" if result.server_cpu is None else f"  server {result.server_cpu:.0%}")
        + (
            ""
            if result.server_cpu_us_per_reply is None
            else f" = {result.server_cpu_us_per_reply:.1f} us/reply"
        )
        + ("" if result.core_busy is None else f"  its core busy {result.core_busy:.0%}"),
    ]
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--mode",
        choices=("reply", "open-loop", "self-loop", "probe", "storm", "ready"),
        default="reply",
    )
    parser.add_argument(
        "--address", default="127.0.0.1", help="target: 127.0.0.0/8, or 10.77.0.0/16 in a netns"
    )
    parser.add_argument(
        "--client-net", default=LOOPBACK_CLIENTS, help="ciaddr of client 0 (then +1 per client)"
    )
    parser.add_argument("--port", type=int, default=6767)
    parser.add_argument("--inflight", type=int, default=64, help="requests kept outstanding")
    parser.add_argument(
        "--duration",
        type=float,
        default=5.0,
        help="measured seconds (max 600; open-loop 3600); storm/ready/probe: the time limit",
    )
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds before measuring")
    parser.add_argument(
        "--timeout", type=float, default=0.5, help="a reply later is lost (s); storm: quiet time"
    )
    parser.add_argument("--clients", type=int, default=1000, help="distinct chaddr/ciaddr")
    parser.add_argument("--strict", action="store_true", help="also check chaddr/ciaddr/61 echo")
    parser.add_argument("--no-validate", action="store_true", help="skip the first-reply check")
    parser.add_argument(
        "--watch-pid",
        type=int,
        action="append",
        help="report this process's CPU use too (repeat: the sum, e.g. for workers)",
    )
    parser.add_argument("--watch-core", type=int, help="report how busy this core was")
    parser.add_argument("--json", metavar="PATH", help="write the result as JSON ('-': stdout)")
    parser.add_argument(
        "--sockets",
        type=int,
        default=1,
        help="reply mode: spread requests over K sockets (K source ports: K flows for"
        " SO_REUSEPORT)",
    )
    parser.add_argument(
        "--bind-port",
        type=int,
        default=0,
        help="send from this port, unconnected (68 for Kea, which answers at ciaddr:68)",
    )
    parser.add_argument("--rate", type=float, default=5000.0, help="open-loop: requests/s")
    parser.add_argument(
        "--wait",
        choices=("busy", "block"),
        default="busy",
        help="open-loop: poll between sends (busy) or sleep in select (block, the soak)",
    )
    parser.add_argument("--count", type=int, default=20000, help="storm: distinct clients")
    parser.add_argument(
        "--giaddr",
        help=f"act as a relay with this address on the phones' subnet ({RELAYED_NETWORK}):"
        " send from port 67, read the answers to each ciaddr on port 68",
    )
    parser.add_argument(
        "--phones",
        metavar="INTERFACE",
        help="send as the phones themselves: each request a frame from its own MAC and"
        " ciaddr:68 on INTERFACE (AF_PACKET), replies read there in promiscuous mode and checked"
        " (phones.py); reply and open-loop modes, inside run.py's client namespace only",
    )
    parser.add_argument("--server-mac", help="--phones: the server interface's MAC")
    parser.add_argument(
        "--mac-offset", type=int, default=0, help="chaddr of client i is 00:04:13 + (i + this)"
    )
    args = parser.parse_args(argv)
    refused = target_refused(args.address)
    if refused is not None:
        parser.error(refused)
    longest = 3600 if args.mode == "open-loop" else 600
    if not 0 < args.duration <= longest or not 0 <= args.warmup <= 60:
        parser.error(f"--duration must be in (0, {longest}] and --warmup in [0, 60]")
    if not 1 <= args.inflight <= RING_SIZE // 4 or not 1 <= args.clients <= 65536:
        parser.error("--inflight must be 1..32768 and --clients 1..65536")
    if not 1 <= args.count <= 65536 or not 1 <= args.sockets <= 256:
        parser.error("--count must be 1..65536 and --sockets 1..256")
    if args.sockets > 1 and (args.mode != "reply" or args.bind_port):
        parser.error("--sockets > 1 is for --mode reply without --bind-port")
    if not 0 < args.rate <= 1_000_000:
        parser.error("--rate must be in (0, 1000000]")
    last_client = max(args.clients, args.count, READY_CLIENT + 1)
    if int(ipaddress.IPv4Address(args.client_net)) + last_client > 0xFFFFFFFF:
        parser.error("--client-net + --clients runs past 255.255.255.255")
    if not 0 <= args.mac_offset <= (1 << 24) - args.clients:
        parser.error("--mac-offset + --clients must fit in 3 bytes")
    for check, wanted in ((relay_refused, args.giaddr), (phones_refused, args.phones)):
        refused = check(args) if wanted else None
        if refused is not None:
            parser.error(refused)
    return args


def phones_refused(args: argparse.Namespace) -> str | None:
    """Why --phones cannot be used with these arguments, or None. Frames go straight onto an
    interface: only inside run.py's client namespace, from and to its veth network."""
    if args.mode not in ("reply", "open-loop") or args.giaddr or args.bind_port:
        return "--phones is for --mode reply or open-loop, without --giaddr or --bind-port"
    if args.sockets > 1 or not args.server_mac:
        return "--phones needs --server-mac and one socket"
    if not in_benchmark_namespace():
        return "--phones sends raw frames: allowed only inside run.py's network namespaces"
    first = ipaddress.IPv4Address(args.client_net)
    if first not in NETNS_NETWORK or first + args.clients - 1 not in NETNS_NETWORK:
        return f"--phones: the phones' ciaddrs (--client-net) must be in {NETNS_NETWORK}"
    return None


def relay_refused(args: argparse.Namespace) -> str | None:
    """Why --giaddr cannot be used with these arguments, or None. The server answers each
    phone at its ciaddr: only run.py's routed phone subnet may be named, so the replies never
    leave its namespaces."""
    if ipaddress.IPv4Address(args.address) in LOOPBACK:
        return "--giaddr needs run.py's namespaces (the replies go to each ciaddr, not to lo)"
    if args.bind_port or args.sockets > 1 or args.mode not in ("reply", "open-loop", "storm"):
        return "--giaddr is for --mode reply, open-loop or storm, without --bind-port/--sockets"
    first = ipaddress.IPv4Address(args.client_net)
    last = first + max(args.clients, args.count) - 1
    giaddr = ipaddress.IPv4Address(args.giaddr)
    if not all(address in RELAYED_NETWORK for address in (first, last, giaddr)):
        return f"--giaddr and the phones' ciaddrs (--client-net) must be in {RELAYED_NETWORK}"
    if first <= giaddr <= last:
        return "--giaddr must not be one of the phones' ciaddrs"
    return None


def probe(args: argparse.Namespace) -> dict[str, str]:
    """One request (xid 0x0BADCAFE, client 7) and the reply, as hex: for run.py's preflight.

    Retries (a new send every 0.2 s) for up to --duration seconds when nothing answers yet, so
    it also tells when a peer that prints no readiness line is ready."""
    request = build_inform(0x0BADCAFE, 7, args.client_net)
    deadline = time.monotonic() + min(args.duration, 30.0)
    while True:
        client = open_clients((args.address, args.port), 1, args.bind_port)
        try:
            reply = first_reply(client, request, 0.2)
            break
        except InvalidReplyError:
            if time.monotonic() >= deadline:
                raise
        finally:
            client.close()
    return {"request": request.hex(), "reply": reply.hex()}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        if args.mode == "probe":
            print(json.dumps(probe(args)))
            return 0
        if args.mode in ("storm", "ready"):
            outcome = asdict(run_storm(args)) if args.mode == "storm" else run_ready(args)
            print(json.dumps(outcome), flush=True)
            return 0
        result = run(args)
    except InvalidReplyError as error:
        print(f"loadgen: refusing to benchmark: {error}", file=sys.stderr)
        return 1
    if args.json == "-":
        print(json.dumps(asdict(result)))
        print(render(result), file=sys.stderr)
    else:
        print(render(result))
        if args.json:
            with open(args.json, "w", encoding="utf-8") as out:
                json.dump(asdict(result), out, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
