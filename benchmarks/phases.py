"""run.py's measurements beyond the throughput table (netns mode):

- latency at a fixed open-loop rate (loadgen --mode open-loop: sends on a schedule whatever
  the replies do; busy-polls between sends), per server, in interleaved rounds;
- start-up and boot storm against ucdhcp with the DEFAULT config: a prober polls port 67 with
  INFORMs from before the process starts until the first answer; then 20,000 INFORMs from
  20,000 distinct phones (chaddr, ciaddr, xid) behind one relay (giaddr set, each phone's own
  ciaddr in a remote subnet, answered at ciaddr:68; harness.RELAYED_NETWORK) as fast as the
  generator sends them, each answer counted; RSS and the namespace's UDP RcvbufErrors around it;
  a fresh process per round;
- `serve --workers N` against `--workers 1`, the generator spreading its requests over
  several source ports (SO_REUSEPORT hashes each flow to one worker), everything allowed on
  both cores.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
from pathlib import Path
from typing import Any

import loadgen
from harness import (
    BIN,
    NETNS_PORTS,
    SERVER_ADDRESS,
    UCDHCP_DEFAULT_CONFIG,
    UCDHCP_NETNS_CONFIG,
    Processes,
    Server,
    Topology,
    find_event,
    find_events,
    loadgen_command,
    memory_kib,
    run_loadgen,
    serving,
    start_server,
    start_with_prober,
    udp_counters,
)

DEFAULT_PORT = 67  # ucdhcp's default [server] port
WORKER_SOCKETS = 32  # source ports of the generator in the workers rows: 32 flows to hash


# --- latency at a fixed rate ----------------------------------------------------------------------


def latency_rounds(
    servers: list[Server], args: argparse.Namespace, processes: Processes, topology: Topology
) -> dict[str, list[dict[str, Any]]]:
    """Each server at --latency-rate requests/s, open loop, --repeat interleaved rounds."""
    runs: dict[str, list[dict[str, Any]]] = {server.name: [] for server in servers}
    for round_index in range(args.repeat):
        for server in servers:
            command = loadgen_command(
                "open-loop", topology, server,
                "--rate", str(args.latency_rate), "--wait", "busy",
                "--duration", str(args.duration), "--warmup", str(args.warmup),
                "--watch-pid", str(server.pid), "--watch-core", str(args.server_core),
                "--json", "-",
            )  # fmt: skip
            if server.kind == "ucdhcp":
                command.append("--strict")
            with serving(server, processes, topology, args.server_core, args.loadgen_core):
                command[command.index("--watch-pid") + 1] = str(server.pid)
                result = run_loadgen(
                    processes,
                    topology,
                    args.loadgen_core,
                    command,
                    args.duration + args.warmup + 60,
                    f"latency {server.name}",
                )
            runs[server.name].append(result)
            print(
                f"  latency round {round_index + 1}/{args.repeat} {server.name:<18}"
                f" {result['replies_per_s']:>8,.0f}/s  p50 {result['p50_us']:>6.0f} us"
                f"  p99 {result['p99_us']:>6.0f} us  lost {result['lost']}"
                f"  send lag max {result['send_lag_max_us']:.0f} us",
                flush=True,
            )
    return runs


def latency_summary(runs: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Median over the rounds of p50 and of p99 (each taken separately)."""
    summary = []
    for name, results in runs.items():
        summary.append(
            {
                "target": name,
                "rate": results[0]["rate"],
                "replies_per_s": statistics.median(r["replies_per_s"] for r in results),
                "p50_us": statistics.median(r["p50_us"] for r in results),
                "p90_us": statistics.median(r["p90_us"] for r in results),
                "p99_us": statistics.median(r["p99_us"] for r in results),
                "p99_min_us": min(r["p99_us"] for r in results),
                "p50_rounds": [r["p50_us"] for r in results],
                "p99_rounds": [r["p99_us"] for r in results],
                "max_us": max(r["max_us"] for r in results),
                "lost": sum(r["lost"] for r in results),
                "send_lag_max_us": max(r["send_lag_max_us"] for r in results),
                "server_cpu_us_per_reply": statistics.median(
                    r["server_cpu_us_per_reply"] or 0.0 for r in results
                ),
            }
        )
    return summary


# --- start-up, memory and the boot storm ----------------------------------------------------------


def startup_and_storm(
    args: argparse.Namespace, processes: Processes, work: Path, topology: Topology
) -> list[dict[str, Any]]:
    """--repeat fresh ucdhcp processes with the default config: ready time, idle RSS, a storm
    of --storm-clients INFORMs, RSS and counters after it."""
    config = work / "ucdhcp-default.toml"
    config.write_text(UCDHCP_DEFAULT_CONFIG, encoding="utf-8")
    rounds = []
    for round_index in range(args.repeat):
        server = Server(
            "ucdhcp-default",
            [str(BIN / "ucdhcp"), "serve", "-c", str(config)],
            work / f"ucdhcp-default-{round_index}.log",
            port=DEFAULT_PORT,  # the prober polls it before the process exists
        )
        ready = start_with_prober(server, processes, topology, args.server_core, args.loadgen_core)
        entry = {"ready": ready, **storm_once(server, args, processes, topology)}
        rounds.append(entry)
        storm = entry["storm"]
        print(
            f"  start-up/storm round {round_index + 1}/{args.repeat}: ready in"
            f" {_seconds(ready['ready_s'])} ({ready['attempts']} polls), RSS idle"
            f" {entry['rss_idle_kib'].get('VmRSS', 0) / 1024:.1f} MiB; storm answered"
            f" {storm['answered']:,}/{storm['offered']:,} (sent in {storm['send_s']:.3f} s,"
            f" last answer at {_seconds(storm['last_answer_s'])}), lost {storm['lost']:,},"
            f" socket overflow drops {entry['udp_rcvbuf_errors']:,}",
            flush=True,
        )
    return rounds


def storm_with_buffer(
    args: argparse.Namespace, processes: Processes, work: Path, topology: Topology
) -> dict[str, Any]:
    """Diagnostic, NOT the default config: the same storm against ucdhcp whose only change
    from the default is `[server] receive_buffer = --storm-buffer`: is the socket queue all
    that loses requests?"""
    config = work / "ucdhcp-big-buffer.toml"
    text = f"[server]\nreceive_buffer = {args.storm_buffer}\n\n{UCDHCP_DEFAULT_CONFIG}"
    config.write_text(text, encoding="utf-8")
    server = Server(
        "ucdhcp-big-buffer",
        [str(BIN / "ucdhcp"), "serve", "-c", str(config)],
        work / "ucdhcp-big-buffer.log",
    )
    start_server(server, processes, args.server_core, topology)
    entry = {
        "receive_buffer_setting": args.storm_buffer,
        **storm_once(server, args, processes, topology),
    }
    storm = entry["storm"]
    print(
        f"  storm with receive_buffer = {args.storm_buffer:,} (diagnostic): answered"
        f" {storm['answered']:,}/{storm['offered']:,}, all answered at"
        f" {_seconds(storm['all_answered_s'])}, socket overflow drops"
        f" {entry['udp_rcvbuf_errors']:,}",
        flush=True,
    )
    return entry


def storm_once(
    server: Server, args: argparse.Namespace, processes: Processes, topology: Topology
) -> dict[str, Any]:
    """One storm against a running server, then stop it; RSS, UDP counters, its counters."""
    idle = memory_kib(server.pid)
    buffers = socket_buffers(topology, server.port)
    udp_before, cpu_before = udp_counters(server.pid), loadgen.cpu_seconds(server.pid)
    command = loadgen_command(
        "storm", topology, server,
        "--count", str(args.storm_clients), "--duration", "30", "--timeout", "2",
        relayed=True,
    )  # fmt: skip
    storm = run_loadgen(processes, topology, args.loadgen_core, command, 90, "storm")
    udp_after, cpu_after = udp_counters(server.pid), loadgen.cpu_seconds(server.pid)
    after = memory_kib(server.pid)
    processes.stop(server.process)  # type: ignore[arg-type]
    stopped = find_event(server.log_path, "server_stopped") or {}
    cpu = None if cpu_before is None or cpu_after is None else cpu_after - cpu_before
    return {
        "checked": server.checked,
        "receive_buffer_bytes": buffers,
        "rss_idle_kib": idle,
        "rss_after_storm_kib": after,
        "storm": storm,
        "udp_rcvbuf_errors": udp_after.get("RcvbufErrors", 0) - udp_before.get("RcvbufErrors", 0),
        "udp_in_datagrams": udp_after.get("InDatagrams", 0) - udp_before.get("InDatagrams", 0),
        "server_cpu_s": None if cpu is None else round(cpu, 3),
        "server_counters": {
            k: v for k, v in stopped.items() if k not in ("timestamp", "level", "event")
        },
    }


def socket_buffers(topology: Topology, port: int) -> list[int]:
    """The receive buffer (skmem rb, bytes) of each UDP socket on `port` in the server
    namespace, from `ss -uamn`: what the default receive_buffer amounts to in the kernel."""
    command = topology.server_side(0, ["ss", "-uamnH", "sport", "=", f":{port}"])
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=15, check=False)
    except (OSError, subprocess.SubprocessError):
        return []
    return [int(found) for found in re.findall(r"\brb(\d+)", out.stdout)]


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f} s"


# --- workers -------------------------------------------------------------------------------------


def workers_rounds(
    args: argparse.Namespace, processes: Processes, work: Path, topology: Topology
) -> dict[str, Any]:
    """`serve --workers 1` and `--workers N` (the throughput config, logging off, bound to
    10.77.0.1), servers and generator all allowed on cores 0 and 1, interleaved rounds."""
    servers = []
    for count, key in ((1, "ucdhcp-workers-1"), (args.workers, "ucdhcp-workers-n")):
        config = work / f"{key}.toml"
        # `--workers N` refuses the per-interface mode (each worker would answer a broadcast):
        # both rows bind the veth address instead, so they differ only in the worker count.
        text = UCDHCP_NETNS_CONFIG.format(requests="false", port=NETNS_PORTS[key])
        config.write_text(
            text.replace('address = "0.0.0.0"', f'address = "{SERVER_ADDRESS}"', 1),
            encoding="utf-8",
        )
        server = Server(
            f"ucdhcp --workers {count}",
            [str(BIN / "ucdhcp"), "serve", "-c", str(config), "--workers", str(count)],
            work / f"{key}.log",
            cores="0,1",
            fixed_port=NETNS_PORTS[key],
            ready_event="workers_ready" if count > 1 else "server_started",
        )
        start_server(server, processes, args.server_core, topology)
        print(f"  checked {server.checked}", flush=True)
        servers.append(server)
    runs: dict[str, list[dict[str, Any]]] = {server.name: [] for server in servers}
    for round_index in range(args.repeat):
        for server in servers:
            watched = [server.pid, *server.worker_pids]
            command = loadgen_command(
                "reply", topology, server,
                "--sockets", str(WORKER_SOCKETS), "--inflight", str(args.inflight),
                "--duration", str(args.duration), "--warmup", str(args.warmup),
                "--strict", "--json", "-",
                *[part for pid in watched for part in ("--watch-pid", str(pid))],
            )  # fmt: skip
            result = run_loadgen(
                processes, topology, "0,1", command, args.duration + args.warmup + 60, server.name
            )
            runs[server.name].append(result)
            print(
                f"  workers round {round_index + 1}/{args.repeat} {server.name:<20}"
                f" {result['replies_per_s']:>10,.0f}/s  server CPU {result['server_cpu']:.0%}"
                f"  loadgen CPU {result['loadgen_cpu']:.0%}  lost {result['lost']}",
                flush=True,
            )
    memory = {s.name: [memory_kib(pid) for pid in s.worker_pids or [s.pid]] for s in servers}
    split = {}
    for server in servers:
        processes.stop(server.process)  # type: ignore[arg-type]
        stopped = find_events(server.log_path, "server_stopped")
        split[server.name] = [sum(event.get("replies", {}).values()) for event in stopped]
    return {
        "servers": {server.name: server.checked for server in servers},
        "runs": runs,
        "replies_per_worker": split,
        "rss_kib": memory,
        "sockets": WORKER_SOCKETS,
    }


def workers_summary(report: dict[str, Any]) -> list[dict[str, Any]]:
    names = list(report["runs"])
    first = report["runs"][names[0]]
    summary = []
    for name in names:
        runs = report["runs"][name]
        ratios = [
            run["replies_per_s"] / base["replies_per_s"]
            for run, base in zip(runs, first, strict=True)
        ]
        summary.append(
            {
                "target": name,
                "replies_per_s": statistics.median(run["replies_per_s"] for run in runs),
                "rounds": [run["replies_per_s"] for run in runs],
                "server_cpu": statistics.median(run["server_cpu"] or 0.0 for run in runs),
                "loadgen_cpu": statistics.median(run["loadgen_cpu"] for run in runs),
                "cpu_us_per_reply": statistics.median(
                    run["server_cpu_us_per_reply"] or 0.0 for run in runs
                ),
                "p50_us": statistics.median(run["p50_us"] for run in runs),
                "p99_us": statistics.median(run["p99_us"] for run in runs),
                "lost": sum(run["lost"] for run in runs),
                "ratio_vs_one": statistics.median(ratios),
                "ratios_per_round": [round(ratio, 3) for ratio in ratios],
                "replies_per_worker": report["replies_per_worker"].get(name, []),
            }
        )
    return summary
