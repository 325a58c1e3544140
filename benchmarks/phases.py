"""run.py's measurements beyond the throughput table (netns mode), and the summaries and tables
every measurement shares:

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
from typing import Any

import loadgen
from harness import (
    NETNS_PORTS,
    SERVER_ADDRESS,
    UCDHCP_DEFAULT_CONFIG,
    Bench,
    Server,
    find_event,
    find_events,
    loadgen_command,
    memory_kib,
    ucdhcp_config,
    ucdhcp_server,
    udp_counters,
)

DEFAULT_PORT = 67  # ucdhcp's default [server] port
WORKER_SOCKETS = 32  # source ports of the generator in the workers rows: 32 flows to hash


# --- summaries and tables -------------------------------------------------------------------------


def summarise(
    runs: dict[str, list[dict[str, Any]]], references: dict[str, str]
) -> list[dict[str, Any]]:
    """Per target: medians over its rounds (worst lag and max, best p99, total lost) and, for
    each `references` label -> target, the median of the per-round replies/s ratios and of
    the per-round server CPU per reply ratios (immune to a shared core)."""
    summary = []
    for name, results in runs.items():

        def median(key: str, of: list[dict[str, Any]] = results) -> float | None:
            values = [result[key] for result in of]
            return None if None in values else statistics.median(values)

        rates = [result["replies_per_s"] for result in results]
        lags = [result["send_lag_max_us"] for result in results]
        entry: dict[str, Any] = {
            "target": name,
            "rounds": rates,
            "spread": f"{min(rates) / 1000:.0f}k-{max(rates) / 1000:.0f}k",
            "rate": results[0]["rate"],
            "p99_min_us": min(result["p99_us"] for result in results),
            "max_us": max(result["max_us"] for result in results),
            "lost": sum(result["lost"] for result in results),
            "misaddressed": sum(result.get("misaddressed", 0) for result in results),
            "send_lag_max_us": None if None in lags else max(lags),
            "per_round": "  " + ", ".join(f"{r['p50_us']:.0f}/{r['p99_us']:.0f}" for r in results),
        }
        for key in ("replies_per_s", "p50_us", "p90_us", "p99_us", "duration_s", "idle_polls"):
            entry[key] = median(key)
        for key in ("server_cpu", "core_busy", "loadgen_cpu"):
            entry[key] = median(key)
        entry["cpu_us_per_reply"] = median("server_cpu_us_per_reply")
        for label, reference in references.items():
            pairs = list(zip(results, runs.get(reference, []), strict=False))
            ratios = [run["replies_per_s"] / ref["replies_per_s"] for run, ref in pairs]
            cpu = [
                ref["server_cpu_us_per_reply"] / run["server_cpu_us_per_reply"]
                for run, ref in pairs
                if run["server_cpu_us_per_reply"] and ref["server_cpu_us_per_reply"]
            ]
            entry[f"ratio_vs_{label}"] = statistics.median(ratios) if ratios else None
            entry[f"{label}_ratios"] = [round(ratio, 3) for ratio in ratios]
            entry[f"cpu_ratio_vs_{label}"] = statistics.median(cpu) if cpu else None
        summary.append(entry)
    return summary


def optional(value: Any, spec: str) -> str:
    """`value` formatted ("x": a ratio), or "-" when not measured."""
    if value is None:
        return "-"
    return f"{value:.2f}x" if spec == "x" else format(value, spec)


def table(
    entries: list[dict[str, Any]], first: tuple[str, int], columns: list[tuple[str, int, str, str]]
) -> list[str]:
    """A header, a rule and one line per entry; `columns`: (title, width, key, format spec)."""
    head = f"{first[0]:<{first[1]}}" + "".join(f"{title:>{width}}" for title, width, *_ in columns)
    lines = [head, "-" * len(head)]
    for entry in entries:
        cells = "".join(f"{optional(entry[key], spec):>{width}}" for _, width, key, spec in columns)
        lines.append(f"{entry['target']:<{first[1]}}{cells}")
    return lines


# --- latency at a fixed rate ----------------------------------------------------------------------


def latency_rounds(
    bench: Bench, targets: dict[str, tuple[Server, str]], args: argparse.Namespace
) -> dict[str, list[dict[str, Any]]]:
    """Each target (name -> server and harness.PATHS path) at --latency-rate requests/s, open
    loop, --repeat interleaved rounds."""

    def command(name: str, server: Server | None) -> list[str]:
        assert server is not None
        return loadgen_command(
            "open-loop", bench.topology, server,
            "--rate", str(args.latency_rate), "--wait", "busy",
            "--duration", str(args.duration), "--warmup", str(args.warmup),
            "--watch-pid", str(server.pid), "--watch-core", str(args.server_core),
            "--json", "-", *(["--strict"] if server.kind == "ucdhcp" else []),
            path=targets[name][1],
        )  # fmt: skip

    servers: dict[str, Server | None] = {name: server for name, (server, _) in targets.items()}
    return bench.rounds("latency", servers, command, args.repeat, args.duration + args.warmup + 60)


def render_latency(summary: list[dict[str, Any]]) -> list[str]:
    return [
        f"latency at {summary[0]['rate']:,.0f} requests/s, open loop (median of rounds; best p99:"
        " the quietest round; lag max: the generator's worst delay behind its schedule)",
        *table(
            summary,
            ("target", 34),
            [
                ("replies/s", 10, "replies_per_s", ",.0f"),
                ("p50 us", 8, "p50_us", ".0f"),
                ("p90 us", 8, "p90_us", ".0f"),
                ("p99 us", 8, "p99_us", ".0f"),
                ("best p99", 9, "p99_min_us", ".0f"),
                ("max us", 8, "max_us", ".0f"),
                ("lost", 5, "lost", "d"),
                ("lag max", 8, "send_lag_max_us", ".0f"),
                ("cpu us/rep", 11, "cpu_us_per_reply", ".2f"),
                ("  p50/p99 per round", 0, "per_round", "s"),
            ],
        ),
    ]


# --- start-up, memory and the boot storm ----------------------------------------------------------


def startup_and_storm(bench: Bench, args: argparse.Namespace) -> list[dict[str, Any]]:
    """--repeat fresh ucdhcp processes with the default config: ready time, idle RSS, a storm
    of --storm-clients INFORMs, RSS and counters after it."""
    rounds = []
    for index in range(args.repeat):
        server = ucdhcp_server(
            f"ucdhcp-default-{index}",
            UCDHCP_DEFAULT_CONFIG,
            bench.work,
            port=DEFAULT_PORT,  # the prober polls it before the process exists
        )
        ready = bench.start_with_prober(server)
        entry = {"ready": ready, **storm_once(bench, server, args)}
        rounds.append(entry)
        print(f"  start-up/storm round {index + 1}/{args.repeat}: {storm_line(entry)}", flush=True)
    return rounds


def storm_with_buffer(bench: Bench, args: argparse.Namespace) -> dict[str, Any]:
    """Diagnostic, NOT the default config: the same storm against ucdhcp whose only change
    from the default is `[server] receive_buffer = --storm-buffer`: is the socket queue all
    that loses requests?"""
    text = f"[server]\nreceive_buffer = {args.storm_buffer}\n\n{UCDHCP_DEFAULT_CONFIG}"
    server = ucdhcp_server("ucdhcp-big-buffer", text, bench.work)
    bench.start(server)
    entry = {"receive_buffer_setting": args.storm_buffer, **storm_once(bench, server, args)}
    print(f"  storm, receive_buffer = {args.storm_buffer:,}: {storm_line(entry)}", flush=True)
    return entry


def storm_once(bench: Bench, server: Server, args: argparse.Namespace) -> dict[str, Any]:
    """One storm against a running server, then stop it; RSS, UDP counters, its counters."""
    idle = memory_kib(server.pid)
    buffers = socket_buffers(bench, server.port)
    udp_before, cpu_before = udp_counters(server.pid), loadgen.cpu_seconds(server.pid)
    command = loadgen_command(
        "storm", bench.topology, server,
        "--count", str(args.storm_clients), "--duration", "30", "--timeout", "2",
        relayed=True,
    )  # fmt: skip
    storm = bench.loadgen(command, 90, "storm")
    udp_after, cpu_after = udp_counters(server.pid), loadgen.cpu_seconds(server.pid)
    after = memory_kib(server.pid)
    bench.stop(server)
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


def storm_line(entry: dict[str, Any]) -> str:
    storm, ready = entry["storm"], entry.get("ready")
    counters = entry["server_counters"]
    replies = sum((counters.get("replies") or {}).values())
    started = (
        ""
        if ready is None
        else f"ready {optional(ready['ready_s'], '.3f')} s after Popen ({ready['attempts']}"
        f" polls), idle RSS {entry['rss_idle_kib'].get('VmRSS', 0) / 1024:.1f} MiB; "
    )
    return (
        f"{started}storm {storm['answered']:,}/{storm['offered']:,} answered, lost"
        f" {storm['lost']:,}, sent in {storm['send_s']:.3f} s ({storm['offered_per_s']:,.0f}/s),"
        f" all answered at {optional(storm['all_answered_s'], '.3f')} s (last answer"
        f" {optional(storm['last_answer_s'], '.3f')} s, {storm['answered_per_s']:,.0f}/s);"
        f" socket overflow drops (UdpRcvbufErrors) {entry['udp_rcvbuf_errors']:,};"
        f" server: {replies:,} replies, ignored {counters.get('ignored') or 'none'};"
        f" receive buffer {entry['receive_buffer_bytes']} bytes;"
        f" RSS after {entry['rss_after_storm_kib'].get('VmRSS', 0) / 1024:.1f} MiB"
    )


def socket_buffers(bench: Bench, port: int) -> list[int]:
    """The receive buffer (skmem rb, bytes) of each UDP socket on `port` in the server
    namespace, from `ss -uamn`: what the default receive_buffer amounts to in the kernel."""
    command = bench.topology.server_side(0, ["ss", "-uamnH", "sport", "=", f":{port}"])
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=15, check=False)
    except (OSError, subprocess.SubprocessError):
        return []
    return [int(found) for found in re.findall(r"\brb(\d+)", out.stdout)]


# --- workers -------------------------------------------------------------------------------------


def workers_rounds(bench: Bench, args: argparse.Namespace) -> dict[str, Any]:
    """`serve --workers 1` and `--workers N` (the throughput config, logging off, bound to
    10.77.0.1), servers and generator all allowed on cores 0 and 1, interleaved rounds."""
    servers: dict[str, Server] = {}
    for count, key in ((1, "ucdhcp-workers-1"), (args.workers, "ucdhcp-workers-n")):
        # `--workers N` refuses the per-interface mode (each worker would answer a broadcast):
        # both rows bind the veth address instead, so they differ only in the worker count.
        config = ucdhcp_config(bench.topology, key, address=SERVER_ADDRESS)
        server = ucdhcp_server(
            key, config, bench.work, "--workers", str(count),
            cores="0,1", fixed_port=NETNS_PORTS[key],
            ready_event="workers_ready" if count > 1 else "server_started",
        )  # fmt: skip
        bench.start(server)
        print(f"  checked {server.checked}", flush=True)
        servers[f"ucdhcp --workers {count}"] = server

    def command(name: str, server: Server | None) -> list[str]:
        assert server is not None
        watched = [server.pid, *server.worker_pids]
        return loadgen_command(
            "reply", bench.topology, server,
            "--sockets", str(WORKER_SOCKETS), "--inflight", str(args.inflight),
            "--duration", str(args.duration), "--warmup", str(args.warmup), "--strict",
            "--json", "-",
            *[part for pid in watched for part in ("--watch-pid", str(pid))],
        )  # fmt: skip

    runs = bench.rounds(
        "workers", servers, command, args.repeat, args.duration + args.warmup + 60, cores="0,1"
    )
    split, memory = {}, {}
    for name, server in servers.items():
        memory[name] = [memory_kib(pid) for pid in server.worker_pids or [server.pid]]
        bench.stop(server)
        stopped = find_events(server.log_path, "server_stopped", whole=True)
        split[name] = [sum(event.get("replies", {}).values()) for event in stopped]
    summary = summarise(runs, {"one": next(iter(runs))})
    for entry in summary:
        counts = split.get(entry["target"], [])
        total = sum(counts) or 1
        entry["shares"] = "  " + " / ".join(f"{count / total:.0%}" for count in counts)
    return {
        "servers": {name: server.checked for name, server in servers.items()},
        "runs": runs,
        "replies_per_worker": split,
        "rss_kib": memory,
        "sockets": WORKER_SOCKETS,
        "summary": summary,
    }


def render_workers(report: dict[str, Any]) -> list[str]:
    return [
        f"--workers (servers and generator all on cores 0-1; generator: {report['sockets']}"
        " source ports)",
        *table(
            report["summary"],
            ("server", 24),
            [
                ("replies/s", 10, "replies_per_s", ",.0f"),
                ("min-max", 13, "spread", "s"),
                ("p50 us", 8, "p50_us", ".0f"),
                ("p99 us", 8, "p99_us", ".0f"),
                ("lost", 6, "lost", "d"),
                ("srv cpu", 9, "server_cpu", ".0%"),
                ("gen cpu", 8, "loadgen_cpu", ".0%"),
                ("cpu us/rep", 11, "cpu_us_per_reply", ".2f"),
                ("vs 1", 7, "ratio_vs_one", "x"),
                ("  replies per worker", 0, "shares", "s"),
            ],
        ),
    ]
