"""The throughput benchmark, in one command: ucdhcp against a do-nothing uvloop responder,
measured in the same run so that the ratio survives a noisy machine.

  .venv/bin/python benchmarks/run.py            # 5 s x 3 rounds per row, about 90 s
  .venv/bin/python benchmarks/run.py --quick    # smoke run, about 20 s

Strategy: every server is started once, pinned to core 0, on 127.0.0.1 and a port the kernel
chooses; the load generator runs pinned to core 1, one fresh process per measurement. The rows
are measured in interleaved rounds (ceiling, baseline, ucdhcp, ucdhcp+logging, then again), so
a slow spell on the machine hits every row alike; each row reports its median round and the
ratio is the median of the per-round ratios. Every process started here is stopped by its PID,
also on Ctrl-C. Nothing is asserted: the figures are printed and written to results/.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import datetime
import json
import os
import platform
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

[[sites]]
name = "bench"
subnets = ["127.0.0.0/8"]
sip_servers = ["pool01.contoso.com"]
"""


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


def start_server(server: Server, processes: Processes, core: int) -> None:
    """Start pinned to `core`, stdout into its log file; wait for `server_started`."""
    with server.log_path.open("wb") as log:
        server.process = processes.spawn(
            ["taskset", "-c", str(core), *server.command],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        event = _find_event(server.log_path, "server_started")
        if event is not None:
            server.port = int(event["port"])
            return
        if server.process.poll() is not None:
            break
        time.sleep(0.05)
    tail = server.log_path.read_text(errors="replace")[-2000:]
    raise RuntimeError(f"{server.name} did not start (exit {server.process.poll()}):\n{tail}")


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


def measure(row: Row, args: argparse.Namespace, processes: Processes) -> dict[str, Any]:
    command = [
        "taskset",
        "-c",
        str(args.loadgen_core),
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
        "--json",
        "-",
    ]
    if row.server is not None:
        command += ["--port", str(row.server.port), "--watch-pid", str(row.server.pid)]
        command += ["--watch-core", str(args.server_core)]
        if row.name.startswith("ucdhcp"):
            command.append("--strict")
    process = processes.spawn(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
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


def preflight(servers: list[Server]) -> list[str]:
    """Dissect one request and each server's reply with scapy, independently of our own reader."""
    try:  # imported here: scapy takes a second to load and is only needed for this check
        from scapy.layers.dhcp import BOOTP, DHCP  # noqa: PLC0415
    except ImportError:
        return ["scapy not importable: preflight dissection skipped"]
    request = loadgen.build_inform(0x0BADCAFE, 7)
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
        sock = loadgen.open_client(("127.0.0.1", server.port))
        try:
            reply = loadgen.first_reply(sock, request, 2.0)
        finally:
            sock.close()
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
        f"{'lost':>5}{'srv cpu':>8}{'core':>6}{'cpu us/rep':>11}{'ratio':>7}{'cpu ratio':>10}"
    )
    lines = [header, "-" * len(header)]
    for entry in summary:
        spread = f"{min(entry['rounds']) / 1000:.0f}k-{max(entry['rounds']) / 1000:.0f}k"
        lines.append(
            f"{entry['target']:<30}{entry['replies_per_s']:>10,.0f}{spread:>13}"
            f"{entry['p50_us']:>8.0f}{entry['p99_us']:>8.0f}{entry['lost']:>5}"
            f"{_optional(entry['server_cpu'], '.0%'):>8}{_optional(entry['core_busy'], '.0%'):>6}"
            f"{_optional(entry['cpu_us_per_reply'], '.2f'):>11}"
            f"{entry['ratio_vs_baseline']:>6.2f}x"
            f"{_optional(entry['cpu_ratio_vs_baseline'], '.2f', 'x'):>10}"
        )
    return "\n".join(lines)


def _optional(value: float | None, spec: str, unit: str = "") -> str:
    return "-" if value is None else format(value, spec) + unit


def verdict(summary: list[dict[str, Any]], send_only: dict[str, Any]) -> list[str]:
    by_name = {entry["target"]: entry for entry in summary}
    ucdhcp, base = by_name["ucdhcp (logging off)"], by_name["baseline uvloop responder"]
    ceiling = by_name["loadgen ceiling (self-loop)"]
    ratio, cpu_ratio = ucdhcp["ratio_vs_baseline"], ucdhcp["cpu_ratio_vs_baseline"]
    lines = [
        f"ucdhcp / baseline = {ratio:.2f} replies/s (rounds {ucdhcp['ratios_per_round']}),"
        f" {_optional(cpu_ratio, '.2f')} by server CPU per reply;"
        f" target >= {TARGET_RATIO}: {'met' if ratio >= TARGET_RATIO else 'NOT met'}",
        f"server CPU per reply: ucdhcp {_optional(ucdhcp['cpu_us_per_reply'], '.1f')} us,"
        f" baseline {_optional(base['cpu_us_per_reply'], '.1f')} us",
    ]
    headroom = ceiling["replies_per_s"] / base["replies_per_s"]
    busy = base["core_busy"] or 0.0
    paced_by = (
        f"the baseline server used {base['server_cpu']:.0%} of its core: it sets the pace"
        if (base["server_cpu"] or 0.0) >= 0.9
        else "core 0 was full (the server shared it): the server's core sets the pace"
        if busy >= 0.9
        else "WARNING core 0 had idle time: the generator may cap the baseline"
    )
    lines.append(
        f"generator ceiling is {headroom:.1f}x the baseline rate"
        f" (send-only {send_only['replies_per_s']:,.0f} datagrams/s); {paced_by}"
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
        if name == "ucdhcp-logging" and answered:
            lines[-1] += f"; {report['request_log_bytes'] / answered:.0f} log bytes per request"
    return lines


def environment() -> dict[str, Any]:
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
    args = parser.parse_args(argv)
    if args.quick:
        args.duration, args.repeat, args.warmup = 1.5, 1, 0.5
    if not 0 < args.duration <= 120 or not 1 <= args.repeat <= 20:
        parser.error("--duration must be in (0, 120] and --repeat in 1..20")
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


def make_rows(work: Path) -> list[Row]:
    def config(requests: bool) -> Path:
        path = work / f"ucdhcp-{'logging' if requests else 'quiet'}.toml"
        path.write_text(UCDHCP_CONFIG.format(requests=str(requests).lower()), encoding="utf-8")
        return path

    ucdhcp = str(BIN / "ucdhcp")
    baseline = [sys.executable, str(HERE / "baseline_responder.py"), "--port", "0"]
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


def run(args: argparse.Namespace, processes: Processes, work: Path) -> dict[str, Any]:
    rows = make_rows(work)
    servers = [row.server for row in rows if row.server is not None]
    for server in servers:
        start_server(server, processes, args.server_core)
    print(
        f"servers on core {args.server_core}: "
        + ", ".join(f"{s.name} pid {s.pid} port {s.port}" for s in servers)
    )
    for note in preflight(servers):
        print(f"  preflight {note}")
    for round_index in range(args.repeat):
        for row in rows:
            result = measure(row, args, processes)
            row.runs.append(result)
            print(
                f"  round {round_index + 1}/{args.repeat} {row.name:<30}"
                f" {result['replies_per_s']:>10,.0f}/s  p50 {result['p50_us']:>6.0f} us"
                f"  p99 {result['p99_us']:>6.0f} us  lost {result['lost']}",
                flush=True,
            )
    send_only = measure(Row("send-only", "", "send-only"), args, processes)
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
        "environment": environment(),
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
    RESULTS.mkdir(exist_ok=True)
    try:
        with interrupt_as_exception(), tempfile.TemporaryDirectory(prefix="ucdhcp-bench-") as tmp:
            report = run(args, processes, Path(tmp))
    except KeyboardInterrupt:
        print("\ninterrupted: stopping what this run started", file=sys.stderr)
        processes.stop_all()
        return 130
    except (RuntimeError, AssertionError, OSError) as error:
        processes.stop_all()
        print(f"benchmark failed: {error}", file=sys.stderr)
        return 1
    finally:
        processes.stop_all()
    table = render_table(report["summary"])
    lines = verdict(report["summary"], report["send_only"]) + counters(report)
    env = report["environment"]
    text = "\n".join(
        [
            f"\n{env['date']}  {env['cpus']} cpus ({env['cpu_model']}), Linux {env['kernel']},"
            f" Python {env['python']}, uvloop {env['uvloop']}, {env['ucdhcp']} @ {env['commit']}",
            f"{args.repeat} round(s) x {args.duration} s, {args.inflight} in flight,"
            f" servers on core {args.server_core}, loadgen on core {args.loadgen_core}",
            "",
            table,
            "",
            *lines,
        ]
    )
    print(text)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    for path in [RESULTS / f"run-{stamp}.json", *([Path(args.json)] if args.json else [])]:
        path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    (RESULTS / f"run-{stamp}.txt").write_text(text.lstrip() + "\n", encoding="utf-8")
    print(f"\nresults: {RESULTS / f'run-{stamp}.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
