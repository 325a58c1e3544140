"""Soak: ucdhcp (default config) under a steady open-loop rate for a long time, its RSS
sampled every 10 s, to show that memory stays flat.

  .venv/bin/python benchmarks/soak.py                      # 2,000 INFORMs/s for 600 s
  .venv/bin/python benchmarks/soak.py --rate 5000 --duration 1800

Strategy: the same netns + veth set-up as run.py (harness.session: the same PID checks and the
same teardown: every process by its PID, then both namespaces, also on Ctrl-C or SIGTERM).
ucdhcp runs with the DEFAULT config (only the site is given: port 67, per-interface socket,
every [limits] default), pinned to core 0. The generator is a relay
of 1000 phones, each with its own ciaddr (harness.RELAYED_NETWORK), answered at ciaddr:68: at
2k/s, 2/s per phone, no default limit is reached (one generator sending as itself would meet
requests_per_source, 100/s). The generator (loadgen.py --mode open-loop --wait block) sends on a
fixed schedule whatever the replies do and sleeps in select() between sends, so it costs a few
percent of core 1, not 100%: the soak can run next to other work. This script reads VmRSS
from /proc/PID/status at start (idle), then every --interval seconds, and prints the first
sample under load, the last, the largest, and whether the growth stays within --flat-kib.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (
    UCDHCP_DEFAULT_CONFIG,
    Bench,
    environment,
    find_event,
    header,
    loadgen_command,
    memory_kib,
    save,
    session,
    ucdhcp_server,
)
from phases import optional


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=2000.0, help="INFORMs per second")
    parser.add_argument("--duration", type=float, default=600.0, help="seconds under load")
    parser.add_argument("--interval", type=float, default=10.0, help="seconds between samples")
    parser.add_argument(
        "--flat-kib",
        type=int,
        default=1024,
        help="'flat' when the last sample is at most this far above the first under load",
    )
    parser.add_argument("--server-core", type=int, default=0)
    parser.add_argument("--loadgen-core", type=int, default=1)
    parser.add_argument("--json", metavar="PATH", help="also write the results here")
    args = parser.parse_args(argv)
    if not 10 <= args.duration <= 3600 or not 1 <= args.interval <= 600:
        parser.error("--duration must be in [10, 3600] and --interval in [1, 600]")
    if not 0 < args.rate <= 50000:
        parser.error("--rate must be in (0, 50000]")
    if os.geteuid() != 0:
        parser.error("needs root (network namespaces)")
    return args


def soak(bench: Bench, args: argparse.Namespace) -> dict[str, Any]:
    env = environment(bench.topology)  # at the start: the code measured is the code loaded now
    server = ucdhcp_server("ucdhcp-default", UCDHCP_DEFAULT_CONFIG, bench.work)
    bench.start(server)
    print(f"{bench.topology.describe()}\n  {server.checked}", flush=True)
    command = loadgen_command(
        "open-loop", bench.topology, server,
        "--rate", str(args.rate), "--wait", "block", "--duration", str(args.duration),
        "--warmup", "0", "--strict", "--watch-pid", str(server.pid), "--json", "-",
        relayed=True,
    )  # fmt: skip
    samples = [{"t_s": 0.0, **memory_kib(server.pid)}]
    print(f"  t=0 s (idle) VmRSS {samples[0].get('VmRSS', 0) / 1024:.1f} MiB", flush=True)
    generator = bench.spawn_loadgen(command)
    start = time.monotonic()
    deadline = start + args.duration + 60  # the generator ends by itself well before this
    next_sample = start + args.interval
    while generator.poll() is None and time.monotonic() < deadline:
        time.sleep(max(0.0, min(next_sample - time.monotonic(), 1.0)))
        now = time.monotonic()
        if now >= next_sample and now - start <= args.duration:
            sample = {"t_s": round(now - start, 1), **memory_kib(server.pid)}
            samples.append(sample)
            print(f"  t={sample['t_s']:.0f} s VmRSS {sample.get('VmRSS', 0) / 1024:.2f} MiB",
                  flush=True)  # fmt: skip
            next_sample += args.interval
    result = bench.finish_loadgen(generator, 30, "soak")
    final = memory_kib(server.pid)
    bench.stop(server)
    stopped = find_event(server.log_path, "server_stopped") or {}
    return {
        "samples": samples,
        "final": final,
        "loadgen": result,
        "server_counters": {k: v for k, v in stopped.items() if k not in ("timestamp", "level")},
        "server": server.checked,
        "environment": env,
        "settings": {"rate": args.rate, "duration": args.duration, "interval": args.interval},
    }


def summary(report: dict[str, Any], args: argparse.Namespace) -> list[str]:
    loaded = [s for s in report["samples"][1:] if "VmRSS" in s]
    idle = report["samples"][0].get("VmRSS", 0)
    result = report["loadgen"]
    lines = [
        *header(report["environment"]),
        f"soak: {args.rate:,.0f} INFORMs/s for {result['duration_s']:.0f} s against ucdhcp"
        f" (default config): {result['replies']:,} replies, lost {result['lost']},"
        f" p50 {result['p50_us']:.0f} us, p99 {result['p99_us']:.0f} us,"
        f" server CPU {optional(result['server_cpu_us_per_reply'], '.1f')} us/reply",
    ]
    if not loaded:
        return [*lines, "no RSS sample under load"]
    first, last = loaded[0]["VmRSS"], loaded[-1]["VmRSS"]
    peak = max(s["VmRSS"] for s in loaded)
    growth = last - first
    flat = growth <= args.flat_kib
    lines.append(
        f"RSS (VmRSS): idle {idle / 1024:.2f} MiB, first under load (t={loaded[0]['t_s']:.0f} s)"
        f" {first / 1024:.2f} MiB, last (t={loaded[-1]['t_s']:.0f} s) {last / 1024:.2f} MiB,"
        f" max {peak / 1024:.2f} MiB; peak VmHWM {report['final'].get('VmHWM', 0) / 1024:.2f} MiB;"
        f" {len(loaded)} samples"
    )
    lines.append(
        f"{'FLAT' if flat else 'NOT FLAT'}: last - first = {growth:+,} KiB"
        f" (flat: <= {args.flat_kib:,} KiB), max - first = {peak - first:+,} KiB"
    )
    counters = report["server_counters"]
    if counters:
        replies = sum(counters.get("replies", {}).values())
        lines.append(
            f"ucdhcp counters: {replies:,} replies, ignored {counters.get('ignored') or 'none'},"
            f" send errors {counters.get('send_errors') or 'none'}"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    report = session(
        "soak", True, lambda bench: soak(bench, args), args.server_core, args.loadgen_core
    )
    text = "\n".join(summary(report, args))
    print(f"\n{text}")
    save("soak", report, text, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
