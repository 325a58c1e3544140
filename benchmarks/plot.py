"""The PNG of a run.py result: replies/s per target (bars, min-max of the rounds as error bars)
and p50/p99 latency per target at the fixed open-loop rate.

  .venv/bin/python benchmarks/plot.py results/run-netns-STAMP.json [OUT.png]

matplotlib is not a project dependency: `.venv/bin/pip install matplotlib` (run.py skips the
plot with a note when it is missing).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

COLOURS = {
    "loadgen": "#bbbbbb",
    "baseline": "#888888",
    "ucdhcp": "#1f77b4",
    "dnsmasq": "#ff7f0e",
    "kea": "#2ca02c",
}


def _colour(target: str) -> str:
    return next((c for key, c in COLOURS.items() if target.startswith(key)), "#9467bd")


def plot(report: dict[str, Any], path: Path) -> None:
    import matplotlib  # noqa: PLC0415

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415
    import matplotlib.ticker  # noqa: PLC0415

    summary = [entry for entry in report["summary"] if entry.get("replies_per_s")]
    latency = report.get("latency_summary") or []
    env = report["environment"]
    figure, (left, right) = plt.subplots(
        1, 2, figsize=(12, 4.8), gridspec_kw={"width_ratios": [3, 2]}
    )
    names = [entry["target"] for entry in summary]
    rates = [entry["replies_per_s"] / 1000 for entry in summary]
    low = [rate - min(entry["rounds"]) / 1000 for rate, entry in zip(rates, summary, strict=True)]
    high = [max(entry["rounds"]) / 1000 - rate for rate, entry in zip(rates, summary, strict=True)]
    positions = range(len(names))
    left.bar(positions, rates, yerr=[low, high], color=[_colour(n) for n in names], capsize=3)
    for position, entry in zip(positions, summary, strict=True):
        label = f"{entry['replies_per_s'] / 1000:.0f}k"
        if entry.get("cpu_us_per_reply"):
            label += f"\n{entry['cpu_us_per_reply']:.1f} us"
        left.annotate(
            label,
            (position, entry["replies_per_s"] / 1000),
            textcoords="offset points",
            xytext=(0, 4),
            ha="center",
            fontsize=7,
        )
    left.set_xticks(
        list(positions), [_short(n) for n in names], fontsize=7, rotation=30, ha="right"
    )
    left.set_ylabel("replies/s (thousands), median of rounds")
    left.set_title(
        f"INFORM throughput, {report['settings']['inflight']} in flight"
        " (label: server CPU us/reply)",
        fontsize=9,
    )
    if latency:
        lnames = [entry["target"] for entry in latency]
        width = 0.38
        xs = list(range(len(lnames)))
        right.bar(
            [x - width / 2 for x in xs],
            [e["p50_us"] for e in latency],
            width,
            label="p50",
            color=[_colour(n) for n in lnames],
        )
        right.bar(
            [x + width / 2 for x in xs],
            [e["p99_us"] for e in latency],
            width,
            label="p99",
            color=[_colour(n) for n in lnames],
            alpha=0.5,
            hatch="//",
        )
        right.set_yscale("log")
        right.set_ylim(bottom=10, top=max(e["p99_us"] for e in latency) * 3)
        right.yaxis.set_major_formatter(matplotlib.ticker.ScalarFormatter())
        for x, entry in zip(xs, latency, strict=True):
            for offset, key in ((-width / 2, "p50_us"), (width / 2, "p99_us")):
                right.annotate(
                    f"{entry[key]:.0f}",
                    (x + offset, entry[key]),
                    textcoords="offset points",
                    xytext=(0, 2),
                    ha="center",
                    fontsize=7,
                )
        right.set_xticks(xs, [_short(n) for n in lnames], fontsize=7, rotation=30, ha="right")
        right.set_ylabel("latency, us (log)")
        right.set_title(
            f"latency at {latency[0]['rate']:,.0f} requests/s open loop (solid p50, hatched p99)",
            fontsize=9,
        )
    else:
        right.axis("off")
    figure.suptitle(
        f"ucdhcp @ {env['commit']} vs peers, {env['mode']} ({env['date'][:16]} UTC,"
        f" {env['cpus']} cores, Linux {env['kernel']})",
        fontsize=10,
    )
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)


SHORT = {
    "loadgen ceiling (self-loop)": "loadgen ceiling",
    "baseline uvloop responder": "do-nothing uvloop",
    "baseline": "do-nothing uvloop",
    "ucdhcp (logging off)": "ucdhcp",
    "ucdhcp (per-request logging)": "ucdhcp + request log",
    "ucdhcp-logging": "ucdhcp + request log",
    "dnsmasq --quiet-dhcp": "dnsmasq quiet",
    "dnsmasq-quiet": "dnsmasq quiet",
    "dnsmasq (default logging)": "dnsmasq + log",
    "dnsmasq-logging": "dnsmasq + log",
    "kea-dhcp4 2.2 (WARN logging)": "Kea 2.2",
    "kea": "Kea 2.2",
}


def _short(name: str) -> str:
    return SHORT.get(name, name)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args:
        print(__doc__, file=sys.stderr)
        return 2
    source = Path(args[0])
    out = Path(args[1]) if len(args) > 1 else source.with_suffix(".png")
    plot(json.loads(source.read_text(encoding="utf-8")), out)
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
