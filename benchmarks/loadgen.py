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
  probe      one request and its reply, printed as JSON hex (run.py dissects them with scapy).
  self-loop  the socket is connected to itself, so every request comes straight back: the same
             loop with a zero-cost "server". Its rate is the generator's ceiling on this core.
  send-only  only sends, to a bound socket that is never read: the cost of the send path alone.

Examples:
  .venv/bin/python benchmarks/loadgen.py --port 6767 --duration 5
  ip netns exec NS .venv/bin/python benchmarks/loadgen.py --address 10.77.0.1 --port 67 \
      --client-net 10.77.1.0
  taskset -c 1 .venv/bin/python benchmarks/loadgen.py --mode self-loop --duration 2
"""

from __future__ import annotations

import argparse
import gc
import ipaddress
import json
import os
import socket
import sys
import time
from dataclasses import asdict, dataclass, field

LOOPBACK = ipaddress.IPv4Network("127.0.0.0/8")
NETNS_NETWORK = ipaddress.IPv4Network("10.77.0.0/16")  # run.py's veth; only inside a netns
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


# --- requests ---------------------------------------------------------------------------------


def client_mac(client: int) -> bytes:
    return CLIENT_OUI + client.to_bytes(3, "big")


def client_address(client: int, first: str = LOOPBACK_CLIENTS) -> bytes:
    """ciaddr of a client: `first` + client (127.1.x.y by default, in the benchmark site)."""
    return (int(ipaddress.IPv4Address(first)) + client).to_bytes(4, "big")


def build_inform(xid: int, client: int, first: str = LOOPBACK_CLIENTS) -> bytes:
    """A phone's DHCPINFORM laid out as protocol.md §7 (276 bytes), for one client of the pool;
    its ciaddr is `first` + client."""
    mac = client_mac(client)
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
        + bytes(12)  # yiaddr, siaddr, giaddr
        + mac.ljust(16, b"\x00")  # chaddr
        + bytes(192)  # sname, file
    )
    return header + MAGIC_COOKIE + options


def build_ring(
    size: int, clients: int, seed: int, first: str = LOOPBACK_CLIENTS
) -> tuple[list[bytes], list[bytes]]:
    """`size` INFORMs cycling over `clients` clients, xid = seed + slot (distinct in the ring)."""
    requests = [
        build_inform((seed + slot) & 0xFFFFFFFF, slot % clients, first) for slot in range(size)
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
    sock: socket.socket,
    window: Window,
    inflight: int,
    deadline_ns: int,
    timeout_ns: int,
    latencies: list[int] | None,
) -> Counts:
    """The hot loop: keep `inflight` requests outstanding until `deadline_ns`."""
    send, recv, clock = sock.send, sock.recv, time.perf_counter_ns
    requests, xids, pending = window.requests, window.xids, window.pending
    pop = pending.pop
    record = latencies.append if latencies is not None else None
    mask = len(requests) - 1
    slot = window.slot
    counts = Counts()
    sent = replies = stray = 0
    now = clock()
    while now < deadline_ns:
        try:
            while len(pending) < inflight:
                send(requests[slot])
                pending[xids[slot]] = now
                slot = (slot + 1) & mask
                sent += 1
        except BlockingIOError:  # send buffer full: read first, send again on the next turn
            pass
        except ConnectionRefusedError:  # an ICMP error queued on the socket, reported by send
            counts.refused += 1
        try:
            reply = recv(2048)
        except BlockingIOError:
            now = clock()
            counts.idle_polls += 1
            counts.lost += _expire(pending, now - timeout_ns)
            continue
        except ConnectionRefusedError:
            counts.refused += 1
            now = clock()
            counts.lost += _expire(pending, now - timeout_ns)
            continue
        now = clock()
        started = pop(reply[4:8], None)
        if started is None:
            stray += 1
            continue
        replies += 1
        if record is not None:
            record(now - started)
        if not replies & 0x3FF:  # a busy socket never raises BlockingIOError: expire here too
            counts.lost += _expire(pending, now - timeout_ns)
    window.slot = slot
    counts.sent, counts.replies, counts.stray = sent, replies, stray
    return counts


def _expire(pending: dict[bytes, int], older_than: int) -> int:
    expired = 0
    while pending:
        oldest = next(iter(pending))
        if pending[oldest] > older_than:
            break
        del pending[oldest]
        expired += 1
    return expired


def drain(sock: socket.socket, window: Window, timeout_ns: int) -> tuple[int, int]:
    """After the deadline: collect what is still in flight. Returns (late replies, lost)."""
    deadline = time.perf_counter_ns() + timeout_ns
    late = 0
    while window.pending and time.perf_counter_ns() < deadline:
        try:
            reply = sock.recv(2048)
        except (BlockingIOError, ConnectionRefusedError):
            time.sleep(0.0005)
            continue
        late += window.pending.pop(reply[4:8], None) is not None
    lost = len(window.pending)
    window.pending.clear()
    return late, lost


def send_only(sock: socket.socket, window: Window, deadline_ns: int) -> int:
    """Send as fast as possible until the deadline; nothing is read. Returns the count sent."""
    send, clock, requests = sock.send, time.perf_counter_ns, window.requests
    mask = len(requests) - 1
    slot = sent = 0
    while clock() < deadline_ns:
        try:
            for _ in range(64):
                send(requests[slot])
                slot = (slot + 1) & mask
                sent += 1
        except BlockingIOError:
            time.sleep(0.0001)
    return sent


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


def open_client(target: tuple[str, int] | None) -> socket.socket:
    """A non-blocking UDP socket on an ephemeral port, connected to `target` (None: itself).

    The port is never 68, so ucdhcp answers at the source port (routing.py, like dnsmasq).
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, SOCKET_BUFFER)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SOCKET_BUFFER)
    remote = target is not None and ipaddress.IPv4Address(target[0]) not in LOOPBACK
    sock.bind(("0.0.0.0" if remote else "127.0.0.1", 0))  # remote: the veth address is chosen
    sock.connect(sock.getsockname() if target is None else target)
    sock.setblocking(False)
    return sock


def first_reply(sock: socket.socket, request: bytes, timeout: float) -> bytes:
    """Send one request and wait for its reply (blocking, bounded by `timeout`).

    Raises:
        InvalidReplyError: no reply in time, or nothing listens at the target.
    """
    sock.setblocking(True)
    deadline = time.monotonic() + timeout
    try:
        sock.send(request)
        while (left := deadline - time.monotonic()) > 0:
            sock.settimeout(left)
            reply = sock.recv(2048)
            if reply[4:8] == request[4:8]:
                return reply
    except TimeoutError:
        pass
    except ConnectionRefusedError:
        raise InvalidReplyError(f"nothing listens at {sock.getpeername()}") from None
    finally:
        sock.setblocking(False)
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
    server_cpu: float | None  # same for --watch-pid, when given
    server_cpu_us_per_reply: float | None  # server CPU time per reply: robust to a shared core
    core_busy: float | None  # fraction of --watch-core busy (the server and anything else)
    validated: str


def run(args: argparse.Namespace) -> Result:
    ring_seed = int.from_bytes(os.urandom(4), "big") & 0xFFFC0000
    requests, xids = build_ring(RING_SIZE, args.clients, ring_seed, args.client_net)
    window = Window(requests, xids)
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # send-only: bound, never read
    sink.bind(("127.0.0.1", 0))
    targets = {
        "reply": (args.address, args.port),
        "self-loop": None,
        "send-only": sink.getsockname(),
    }
    sock = open_client(targets[args.mode])
    target = f"{sock.getpeername()[0]}:{sock.getpeername()[1]}"
    validated = "skipped"
    if args.mode == "reply" and not args.no_validate:
        validate_reply(first_reply(sock, requests[-1], 2.0), requests[-1], strict=args.strict)
        validated = "strict" if args.strict else "ack-43-120"
    timeout_ns = int(args.timeout * 1e9)
    latencies: list[int] = []
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        if args.mode == "send-only":
            start = time.perf_counter_ns()
            cpu0 = time.process_time()
            sent = send_only(sock, window, start + int(args.duration * 1e9))
            elapsed = (time.perf_counter_ns() - start) / 1e9
            cpu = (time.process_time() - cpu0) / elapsed
            counts, late, lost = Counts(sent=sent), 0, 0
            rate = sent / elapsed
            server_cpu = core_busy = None
        else:
            start = time.perf_counter_ns()
            drive(sock, window, args.inflight, start + int(args.warmup * 1e9), timeout_ns, None)
            server0 = cpu_seconds(args.watch_pid) if args.watch_pid else None
            core0 = core_busy_seconds(args.watch_core) if args.watch_core is not None else None
            cpu0 = time.process_time()
            start = time.perf_counter_ns()
            counts = drive(
                sock, window, args.inflight, start + int(args.duration * 1e9), timeout_ns, latencies
            )
            elapsed = (time.perf_counter_ns() - start) / 1e9
            cpu = (time.process_time() - cpu0) / elapsed
            server1 = cpu_seconds(args.watch_pid) if args.watch_pid else None
            core1 = core_busy_seconds(args.watch_core) if args.watch_core is not None else None
            server_cpu = (
                None if server0 is None or server1 is None else (server1 - server0) / elapsed
            )
            core_busy = None if core0 is None or core1 is None else (core1 - core0) / elapsed
            late, lost = drain(sock, window, timeout_ns)
            rate = counts.replies / elapsed
    finally:
        gc.enable()
        sock.close()
        sink.close()
    return Result(
        mode=args.mode,
        target=target,
        inflight=args.inflight,
        duration_s=round(elapsed, 3),
        replies_per_s=round(rate, 1),
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
        **percentiles(latencies),
    )


def render(result: Result) -> str:
    what = "sent/s" if result.mode == "send-only" else "replies/s"
    lines = [
        f"{result.mode} -> {result.target}: {result.replies_per_s:,.0f} {what}"
        f" over {result.duration_s} s, {result.inflight} in flight",
        f"  sent {result.sent:,}  replies {result.replies:,}  lost {result.lost}"
        f"  stray {result.stray}  late {result.late}  refused {result.refused}"
        f"  reply check: {result.validated}",
        f"  latency p50 {result.p50_us:.0f} us  p90 {result.p90_us:.0f} us"
        f"  p99 {result.p99_us:.0f} us  max {result.max_us:.0f} us",
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
        "--mode", choices=("reply", "self-loop", "send-only", "probe"), default="reply"
    )
    parser.add_argument(
        "--address", default="127.0.0.1", help="target: 127.0.0.0/8, or 10.77.0.0/16 in a netns"
    )
    parser.add_argument(
        "--client-net", default=LOOPBACK_CLIENTS, help="ciaddr of client 0 (then +1 per client)"
    )
    parser.add_argument("--port", type=int, default=6767)
    parser.add_argument("--inflight", type=int, default=64, help="requests kept outstanding")
    parser.add_argument("--duration", type=float, default=5.0, help="measured seconds (max 600)")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds before measuring")
    parser.add_argument("--timeout", type=float, default=0.5, help="a reply later is lost (s)")
    parser.add_argument("--clients", type=int, default=1000, help="distinct chaddr/ciaddr")
    parser.add_argument("--strict", action="store_true", help="also check chaddr/ciaddr/61 echo")
    parser.add_argument("--no-validate", action="store_true", help="skip the first-reply check")
    parser.add_argument("--watch-pid", type=int, help="report this process's CPU use too")
    parser.add_argument("--watch-core", type=int, help="report how busy this core was")
    parser.add_argument("--json", metavar="PATH", help="write the result as JSON ('-': stdout)")
    args = parser.parse_args(argv)
    refused = target_refused(args.address)
    if refused is not None:
        parser.error(refused)
    if not 0 < args.duration <= 600 or not 0 <= args.warmup <= 60:
        parser.error("--duration must be in (0, 600] and --warmup in [0, 60]")
    if not 1 <= args.inflight <= RING_SIZE // 4 or not 1 <= args.clients <= 65536:
        parser.error("--inflight must be 1..32768 and --clients 1..65536")
    if int(ipaddress.IPv4Address(args.client_net)) + args.clients > 0xFFFFFFFF:
        parser.error("--client-net + --clients runs past 255.255.255.255")
    return args


def probe(args: argparse.Namespace) -> dict[str, str]:
    """One request (xid 0x0BADCAFE, client 7) and the reply, as hex: for run.py's preflight."""
    request = build_inform(0x0BADCAFE, 7, args.client_net)
    sock = open_client((args.address, args.port))
    try:
        reply = first_reply(sock, request, 2.0)
    finally:
        sock.close()
    return {"request": request.hex(), "reply": reply.hex()}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        if args.mode == "probe":
            print(json.dumps(probe(args)))
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
