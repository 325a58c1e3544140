"""Profile a live ucdhcp under load: where one packet's time goes.

  .venv/bin/pip install py-spy      # once; perf (linux-perf) is used too when installed
  .venv/bin/python benchmarks/profile_server.py [--seconds 5]

Strategy: ucdhcp (logging off) runs pinned to core 0 and the load generator to core 1, as in
run.py. Two samplers run one after the other on the server, never together:
  perf record   on-CPU samples by binary: Python interpreter, kernel, libc, uvloop. Honest about
                CPU even when another process shares the core.
  py-spy        Python stacks, grouped by the step of the hot path under datagram_received.
                It samples wall-clock time, so a server preempted inside a syscall (common on a
                shared core) inflates the sendto/recv share; the Python steps are compared with
                each other only, as a share of the Python time.
Each share is turned into microseconds with the server CPU time per reply that the load
generator measured over the same load.
"""

from __future__ import annotations

import argparse
import collections
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import BIN, HERE, RESULTS, UCDHCP_CONFIG, Processes, Server, start_server

# A sample belongs to the first step in this list with a frame below datagram_received.
STEPS = [
    ("parse_message", "parse"),
    ("encode_reply", "encode_reply"),
    ("select_site", "select_site"),
    ("Policy.option_set", "choose options (55)"),
    ("reply_destination", "reply_destination"),
    ("ReplyLimits.allow", "reply limits (per client)"),
    ("Policy.profile_for", "vendor class lookup"),
    ("__init__", "Reply(...) construction"),
    ("_decide", "_decide (own lines)"),
    ("Responder.respond", "respond (own lines)"),
    ("Statistics.record", "Statistics.record"),
    ("describe", "request logging"),
    ("sendto", "transport.sendto (uvloop + kernel)"),
]
OUTSIDE = "uvloop receive path + kernel recv"


def step_of(frames: list[str]) -> str:
    names = [frame.split(" (")[0] for frame in frames]
    if "ResponderProtocol.datagram_received" not in names:
        return OUTSIDE
    below = names[names.index("ResponderProtocol.datagram_received") + 1 :]
    if not below:
        return "datagram_received (own lines)"
    for marker, step in STEPS:
        if any(frame == marker or frame.endswith("." + marker) for frame in below):
            return step
    return "datagram_received (own lines)"


def pyspy_steps(raw: Path) -> collections.Counter[str]:
    counts: collections.Counter[str] = collections.Counter()
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if stack:
            counts[step_of(stack.split(";"))] += int(count)
    return counts


def perf_by_binary(data: Path) -> dict[str, float]:
    report = subprocess.run(
        ["perf", "report", "-i", str(data), "--sort", "dso", "--stdio", "-g", "none"],
        capture_output=True,
        text=True,
        check=False,
    )
    shares: dict[str, float] = {}
    for line in report.stdout.splitlines():
        parts = line.split()
        if line.startswith("#") or len(parts) < 2 or not parts[0].endswith("%"):
            continue
        if parts[1].endswith("%"):  # "children self object" when call graphs were recorded
            parts = parts[1:]
        shares[" ".join(parts[1:])] = float(parts[0].rstrip("%"))
    return shares


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="per sampler (max 60)")
    args = parser.parse_args(argv)
    seconds = min(max(args.seconds, 1.0), 60.0)
    pyspy = shutil.which("py-spy", path=str(BIN)) or shutil.which("py-spy")
    perf = shutil.which("perf")
    if pyspy is None:
        print("py-spy not found: .venv/bin/pip install py-spy", file=sys.stderr)
        return 1
    processes = Processes()
    try:
        with tempfile.TemporaryDirectory(prefix="ucdhcp-profile-") as tmp:
            work = Path(tmp)
            config = work / "quiet.toml"
            config.write_text(UCDHCP_CONFIG.format(requests="false"), encoding="utf-8")
            server = Server(
                "ucdhcp", [str(BIN / "ucdhcp"), "serve", "-c", str(config)], work / "quiet.log"
            )
            start_server(server, processes, 0)
            total = 1.0 + seconds * 2 + 1.0
            loadgen = processes.spawn(
                [
                    "taskset",
                    "-c",
                    "1",
                    sys.executable,
                    str(HERE / "loadgen.py"),
                    "--port",
                    str(server.port),
                    "--duration",
                    str(total),
                    "--warmup",
                    "0",
                    "--watch-pid",
                    str(server.pid),
                    "--watch-core",
                    "0",
                    "--json",
                    "-",
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(1.0)
            raw = work / "pyspy.txt"
            subprocess.run(
                [
                    "taskset",
                    "-c",
                    "1",
                    pyspy,
                    "record",
                    "-p",
                    str(server.pid),
                    "-d",
                    str(int(seconds)),
                    "-r",
                    "500",
                    "--native",
                    "-f",
                    "raw",
                    "-o",
                    str(raw),
                ],
                capture_output=True,
                check=True,
                timeout=seconds + 30,
            )
            binaries: dict[str, float] = {}
            if perf is not None:
                data = work / "perf.data"
                subprocess.run(
                    [
                        "taskset",
                        "-c",
                        "1",
                        perf,
                        "record",
                        "-F",
                        "999",
                        "-p",
                        str(server.pid),
                        "-o",
                        str(data),
                        "--",
                        "sleep",
                        str(seconds),
                    ],
                    capture_output=True,
                    check=True,
                    timeout=seconds + 30,
                )
                binaries = perf_by_binary(data)
            out, _ = loadgen.communicate(timeout=total + 60)
            processes.stop(loadgen)
            load = json.loads(out.decode().strip().splitlines()[-1])
            steps = pyspy_steps(raw)
    finally:
        processes.stop_all()
    text = report(load, binaries, steps)
    print(text)
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"profile-{time.strftime('%Y%m%d-%H%M%S')}.txt"
    path.write_text(text + "\n", encoding="utf-8")
    print(f"\nwritten to {path}")
    return 0


def report(
    load: dict[str, object], binaries: dict[str, float], steps: collections.Counter[str]
) -> str:
    per_reply = float(load["server_cpu_us_per_reply"] or 0.0)  # type: ignore[arg-type]
    lines = [
        f"load: {load['replies_per_s']:,.0f} replies/s while sampling,"
        f" server CPU {per_reply:.1f} us per reply (server had {load['server_cpu']:.0%}"
        f" of core 0, core busy {load['core_busy']:.0%})",
        "",
        "perf, on-CPU self time by binary:",
    ]
    for name, share in sorted(binaries.items(), key=lambda item: -item[1]):
        if share >= 0.1:
            lines.append(f"  {name:<44}{share:>6.1f}%  {share * per_reply / 100:>6.2f} us/packet")
    python_share = binaries.get("libpython3.11.so.1.0", 0.0) / 100
    python_steps = {
        k: v for k, v in steps.items() if k != OUTSIDE and not k.startswith("transport")
    }
    python_total = sum(python_steps.values()) or 1
    lines += [
        "",
        "py-spy, Python steps as a share of the Python samples"
        + (
            f" (us: share x {python_share * per_reply:.1f} us of interpreter time)"
            if python_share
            else ""
        )
        + ":",
    ]
    for name, count in sorted(python_steps.items(), key=lambda item: -item[1]):
        share = count / python_total
        micro = f"{share * python_share * per_reply:>6.2f} us" if python_share else ""
        lines.append(f"  {name:<44}{share:>6.1%}  {micro}")
    wall = sum(steps.values()) or 1
    lines += [
        "",
        "py-spy, wall-clock samples outside the Python steps (inflated on a shared core):",
    ]
    for name in (OUTSIDE, "transport.sendto (uvloop + kernel)"):
        lines.append(f"  {name:<44}{steps.get(name, 0) / wall:>6.1%}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
