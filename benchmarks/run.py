"""The benchmark, in one command: ucdhcp against a do-nothing uvloop responder, dnsmasq and Kea,
measured in the same run so that the ratios survive a noisy machine, on the path phones take.

  .venv/bin/python benchmarks/run.py              # netns + veth (default), 3 rounds x 5 s, ~6 min
  .venv/bin/python benchmarks/run.py --loopback   # ucdhcp and baseline on 127.0.0.1 only
  .venv/bin/python benchmarks/run.py --quick      # smoke run, 1 round of 1.5 s, ~1.5 min
  .venv/bin/python benchmarks/run.py --storm-only --repeat 1   # start-up + boot storm, ~15 s

Strategy: every server is started once, pinned to core 0 (Kea only for its own measurements, see
peers.py); the load generator runs pinned to core 1, one fresh process per measurement. In netns
mode (the default, as the lab-notes reference figures were measured) the servers run in one
network namespace and the generator in another, joined by a veth pair that this script creates
and deletes; with --loopback they all share 127.0.0.1 in the current namespace.

The headline rows take the phone's path (netns mode): thousands of phones on the veth's subnet,
each INFORM a frame from the phone's own MAC and ciaddr:68, answered at ciaddr:68 on the link
and read off the wire in promiscuous mode (loadgen.py --phones, phones.py), for phones the
server's kernel knows (a neighbour entry) and phones it does not. The baseline and the peers
answer through their kernel's UDP socket, so they are measured on the known phones. Then
relayed phones (giaddr, answered at ciaddr:68 through the relay), then a tool's port (an
ephemeral source port, answered there: not what phones get), then the UDP generator's ceiling.
The throughput rows are measured in interleaved rounds (every row once, then again), so a slow
spell on the machine hits every row alike; each row reports its median round and the ratios
are medians of the per-round ratios. Then (netns mode)
latency at a fixed open-loop rate, start-up time, RSS, a 20,000-client boot storm against the
default config, and `serve --workers N` against one worker (phases.py); the targets (README.md,
"Targets (phone's path)") are printed as met / not met, and a PNG is written (plot.py, when
matplotlib is installed).
Every process started here is stopped by its PID and both namespaces are deleted, also on
Ctrl-C, SIGTERM or an error (harness.session).
"""

from __future__ import annotations

import argparse
import datetime
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import loadgen
import peers
import phases
from harness import (
    HERE,
    KNOWN_PHONES,
    PHONES,
    RESULTS,
    UNKNOWN_PHONES,
    Bench,
    Server,
    environment,
    find_event,
    header,
    loadgen_command,
    memory_kib,
    neighbours,
    save,
    session,
    ucdhcp_config,
    ucdhcp_server,
)
from phases import optional, summarise, table

# Targets (benchmarks/README.md, "Targets"), all on the phone's path (from UDP 68, answered at
# ciaddr:68 on the link): ucdhcp >= 0.6x the do-nothing uvloop responder (the first target),
# then >= 0.8x that responder and >= 2.0x dnsmasq --quiet-dhcp (logging off), >= 1.0x dnsmasq
# --quiet-dhcp with one log event per request; latency at 5k/s open loop no worse than
# dnsmasq's; a 20,000-client boot storm fully answered with the default config; RSS <= 40 MB
# serving; ready in < 1 s; --workers N scaling where cores allow; and the phone's path >= 0.9x
# the tool's path (an ephemeral port, answered there).
TARGET_RATIO = 0.6
TARGET_BASELINE = 0.8
TARGET_DNSMASQ = 2.0
TARGET_LOGGING_DNSMASQ = 1.0
TARGET_TOOL = 0.9
TARGET_RSS_MB = 40
TARGET_READY_S = 1.0
# The rows, in the order of a round. The phone's path first: phones the server's kernel knows
# (the peers and the baseline answer through that kernel, so they are measured on these), then
# phones it does not know; relayed phones; a tool's port; the generator's ceiling.
BASELINE, UCDHCP, UCDHCP_UNKNOWN, UCDHCP_LOGGING = (
    "baseline uvloop, phones known",
    "ucdhcp, phones known",
    "ucdhcp, phones unknown",
    "ucdhcp + request log, phones known",
)
DNSMASQ_QUIET, DNSMASQ_LOGGING, KEA = (
    "dnsmasq --quiet-dhcp, phones known",
    "dnsmasq logging, phones known",
    "kea-dhcp4 2.2, phones known",
)
UCDHCP_RELAYED = "ucdhcp, relayed phones"
UCDHCP_TOOL, BASELINE_TOOL = (
    "ucdhcp: tool's path (not what phones get)",
    "baseline: tool's path (not what phones get)",
)
CEILING = "loadgen ceiling (UDP self-loop)"
WIDTH = 44
SETTINGS = (
    "duration", "repeat", "warmup", "inflight", "latency_rate", "storm_clients", "storm_buffer",
    "workers",
)  # fmt: skip


# --- the rows -------------------------------------------------------------------------------------


@dataclass
class Row:
    name: str
    meaning: str
    server: Server | None = None  # None: the generator's self-loop
    path: str = "known"  # harness.PATHS: how the generator sends and where it is answered


def make_rows(bench: Bench, notes: list[str], with_peers: bool) -> list[Row]:
    topology, work = bench.topology, bench.work
    baseline_command = [sys.executable, str(HERE / "baseline_responder.py"), "--port", "0"]
    baseline_command += ["--address", topology.target]
    baseline = Server("baseline", baseline_command, work / "baseline.log", kind="baseline")
    ucdhcp = ucdhcp_server("ucdhcp", ucdhcp_config(topology, "ucdhcp"), work)
    logging_config = ucdhcp_config(topology, "ucdhcp-logging", requests=True)
    logging = ucdhcp_server("ucdhcp-logging", logging_config, work)
    if topology.server_ns is None:  # loopback: no link, so a tool's port only
        return [
            Row(
                BASELINE_TOOL,
                "do-nothing uvloop responder, from an ephemeral port",
                baseline,
                "tool",
            ),
            Row(UCDHCP_TOOL, "logging.requests = false, from an ephemeral port", ucdhcp, "tool"),
            Row(CEILING, "generator talking to itself on lo: its limit", None, "tool"),
        ]
    rows = [
        Row(BASELINE, "do-nothing uvloop, fixed 369-byte ACK sendto(ciaddr:68)", baseline),
        Row(UCDHCP, "ucdhcp serve, logging.requests = false", ucdhcp),
        Row(
            UCDHCP_UNKNOWN, "the same server; no neighbour entry for the phones", ucdhcp, "unknown"
        ),
        Row(UCDHCP_LOGGING, "logging.requests = true, requests_rate = 0, JSON to a file", logging),
    ]
    if with_peers:
        rows += peer_rows(work, notes)
    return [
        *rows,
        Row(
            UCDHCP_RELAYED,
            "the same server; phones behind a relay (giaddr), port 67",
            ucdhcp,
            "relayed",
        ),
        Row(UCDHCP_TOOL, "the same server; from an ephemeral port, answered there", ucdhcp, "tool"),
        Row(BASELINE_TOOL, "the same baseline; from an ephemeral port", baseline, "tool"),
        Row(CEILING, "UDP generator talking to itself on lo: its limit", None, "tool"),
    ]


def peer_rows(work: Path, notes: list[str]) -> list[Row]:
    rows: list[Row] = []
    absent = peers.missing()
    for peer, install in absent.items():
        notes.append(
            f"WARNING: {peer} is NOT installed ({install}): its rows are SKIPPED and every"
            f" ratio or target against it is not measured"
        )
    if "dnsmasq" not in absent:
        rows.append(
            Row(DNSMASQ_QUIET, "dnsmasq, exported config, --quiet-dhcp", peers.dnsmasq(work, True))
        )
        rows.append(
            Row(
                DNSMASQ_LOGGING,
                "dnsmasq, exported config, 2 lines per request to a file",
                peers.dnsmasq(work, quiet=False),
            )
        )
    if "kea" not in absent:
        rows.append(Row(KEA, "kea-dhcp4, exported config, WARN to a file", peers.kea(work)))
    return rows


def throughput_rounds(
    bench: Bench, rows: list[Row], args: argparse.Namespace
) -> dict[str, list[dict[str, Any]]]:
    paths = {row.name: row.path for row in rows}

    def command(name: str, server: Server | None) -> list[str]:
        extra = ["--duration", str(args.duration), "--warmup", str(args.warmup)]
        extra += ["--inflight", str(args.inflight), "--json", "-"]
        if server is None:
            return loadgen_command("self-loop", bench.topology, None, *extra)
        extra += ["--watch-pid", str(server.pid), "--watch-core", str(args.server_core)]
        if server.kind == "ucdhcp":
            extra.append("--strict")
        return loadgen_command("reply", bench.topology, server, *extra, path=paths[name])

    targets = {row.name: row.server for row in rows}
    timeout = args.duration + args.warmup + 60
    return bench.rounds("throughput", targets, command, args.repeat, timeout)


def render_throughput(summary: list[dict[str, Any]]) -> list[str]:
    return table(
        summary,
        ("target", WIDTH),
        [
            ("replies/s", 10, "replies_per_s", ",.0f"),
            ("min-max", 13, "spread", "s"),
            ("p50 us", 8, "p50_us", ".0f"),
            ("p99 us", 8, "p99_us", ".0f"),
            ("lost", 5, "lost", "d"),
            ("gen cpu", 8, "loadgen_cpu", ".0%"),
            ("srv cpu", 8, "server_cpu", ".0%"),
            ("core", 6, "core_busy", ".0%"),
            ("cpu us/rep", 11, "cpu_us_per_reply", ".2f"),
            ("vs base", 8, "ratio_vs_baseline", "x"),
            ("cpu", 7, "cpu_ratio_vs_baseline", "x"),
            ("vs dnsmasq", 11, "ratio_vs_dnsmasq", "x"),
            ("cpu", 7, "cpu_ratio_vs_dnsmasq", "x"),
            ("vs tool", 8, "ratio_vs_tool", "x"),
            ("cpu", 7, "cpu_ratio_vs_tool", "x"),
            ("misaddr", 8, "misaddressed", "d"),
        ],
    )


# --- preflight: the traffic is what we claim it is ------------------------------------------------


def preflight(bench: Bench, servers: list[Server]) -> list[str]:
    """Dissect one request and each server's reply with scapy, independently of our own reader;
    the peers' options 43 and 120 must be byte for byte ucdhcp's. Peers are probed with
    retries (up to 15 s): their answer is also how we know they are ready."""
    request = loadgen.build_inform(0x0BADCAFE, 7, bench.topology.clients)
    notes = []
    try:  # imported here: scapy takes a second to load and is only needed for this check
        from scapy.layers.dhcp import BOOTP, DHCP  # noqa: PLC0415
    except ImportError:
        notes.append("scapy not importable: dissection skipped (our own reader still checks)")
        dissect = False
    else:
        dissect = True
        options = _scapy_options(BOOTP(request)[DHCP].options)
        assert options["message-type"] == 8, options  # DHCPINFORM
        assert options["vendor_class_id"] == b"MS-UC-Client", options
        assert list(options["param_req_list"]) == [1, 3, 6, 15, 42, 43, 120], options
        assert options["client_id"] == b"\x01" + loadgen.client_mac(7), options
        notes.append(
            f"request: {len(request)}-byte DHCPINFORM, ciaddr {BOOTP(request).ciaddr}, "
            f"options {sorted(options)} (scapy)"
        )
    reference: dict[int, bytes] | None = None
    for server in servers:
        wait = 15.0 if server.fixed_port and server.ready_event == "" else 5.0
        sent, reply = bench.probe(server, wait)
        assert sent == request, "the probe sent another request than the one dissected"
        strict = server.kind == "ucdhcp"
        found = loadgen.validate_reply(reply, request, strict=strict)
        if server.kind == "ucdhcp" and reference is None:
            reference = found
        same = ""
        if server.kind in ("dnsmasq", "kea") and reference is not None:
            for code in (43, 120):
                if found[code] != reference[code]:
                    raise AssertionError(
                        f"{server.name}: option {code} {found[code].hex()} differs from"
                        f" ucdhcp's {reference[code].hex()}: not the same job"
                    )
            same = ", options 43 and 120 byte-identical to ucdhcp's"
        dissected = ""
        if dissect:
            packet = BOOTP(reply)
            scapy_found = _scapy_options(packet[DHCP].options)
            assert packet.op == 2 and scapy_found["message-type"] == 5, scapy_found  # DHCPACK
            dissected = f", options {sorted(map(str, scapy_found))} (scapy)"
        notes.append(
            f"{server.name}: {len(reply)}-byte DHCPACK with 43 (MS-UC-Client) and 120{dissected}"
            + (", chaddr/ciaddr/61 echoed" if strict else "")
            + same
        )
    return notes


def _scapy_options(options: list[Any]) -> dict[Any, Any]:
    # scapy gives (name, value...) tuples, or (code, bytes) for codes it has no name for.
    return {entry[0]: entry[1] for entry in options if isinstance(entry, tuple)}


# --- the report -----------------------------------------------------------------------------------


MET = {True: "met", False: "NOT met"}


def verdict(summary: list[dict[str, Any]], mode: str) -> list[str]:
    by_name = {entry["target"]: entry for entry in summary}
    ours = by_name.get(UCDHCP) or by_name[UCDHCP_TOOL]
    base = by_name.get(BASELINE) or by_name[BASELINE_TOOL]
    ceiling = by_name[CEILING]
    lines = [
        f"[{mode}] {ours['target']} / {base['target']} = {ours['ratio_vs_baseline']:.2f}"
        f" replies/s (rounds {ours['baseline_ratios']}),"
        f" {optional(ours['cpu_ratio_vs_baseline'], '.2f')} by server CPU per reply",
        "server CPU per reply: "
        + ", ".join(
            f"{name} {optional(by_name[name]['cpu_us_per_reply'], '.1f')} us"
            for name in by_name
            if name != CEILING
        ),
    ]
    headroom = ceiling["replies_per_s"] / base["replies_per_s"]
    lines.append(
        f"UDP generator ceiling (self-loop on lo"
        f"{' in the client netns' if mode == 'netns' else ''}) is {headroom:.1f}x"
        f" the baseline rate; {paced_by(base)}"
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
    misaddressed = [e["target"] for e in summary if e.get("misaddressed")]
    if misaddressed:
        lines.append(
            "WARNING: replies to another MAC, IP or port than the phone's (not counted as"
            f" replies) in: {', '.join(misaddressed)}"
        )
    return lines


def _both(entry: dict[str, Any] | None, reference: str, target: float, what: str) -> str:
    if entry is None:
        return f"not measured: {what} (target {target}x): row missing"
    ratio, cpu = entry[f"ratio_vs_{reference}"], entry[f"cpu_ratio_vs_{reference}"]
    if ratio is None:
        return f"not measured: {what} (target {target}x): reference row missing"
    by_cpu = "-" if cpu is None else f"{cpu:.2f}x"
    verdict_cpu = "-" if cpu is None else MET[cpu >= target]
    return (
        f"{MET[ratio >= target]} by replies/s, {verdict_cpu} by CPU per reply: measured"
        f" {ratio:.2f}x replies/s, {by_cpu} CPU per reply (target {what} >= {target}x)"
    )


THROUGHPUT_TARGETS = (
    # (label, row, reference, target): README.md's throughput targets, phone's path first
    ("phones known vs dnsmasq --quiet-dhcp (known)", UCDHCP, "dnsmasq", TARGET_DNSMASQ),
    ("phones unknown vs dnsmasq --quiet-dhcp (known)", UCDHCP_UNKNOWN, "dnsmasq", TARGET_DNSMASQ),
    ("phones known vs do-nothing (known)", UCDHCP, "baseline", TARGET_BASELINE),
    ("phones unknown vs do-nothing (known)", UCDHCP_UNKNOWN, "baseline", TARGET_BASELINE),
    ("phones known vs the tool's path", UCDHCP, "tool", TARGET_TOOL),
    ("phones unknown vs the tool's path", UCDHCP_UNKNOWN, "tool", TARGET_TOOL),
    ("request log, phones known vs dnsmasq --quiet-dhcp", UCDHCP_LOGGING, "dnsmasq", 1.0),
    ("phones known vs do-nothing (first target)", UCDHCP, "baseline", TARGET_RATIO),
)


def targets(report: dict[str, Any]) -> list[str]:
    """Every target, met / not met, with the measured figure."""
    by_name = {entry["target"]: entry for entry in report["summary"]}
    lines = [
        f"throughput, ucdhcp {label}: " + _both(by_name.get(row), reference, target, label)
        for label, row, reference, target in THROUGHPUT_TARGETS
    ]
    lines += latency_lines({e["target"]: e for e in report.get("latency_summary") or []})
    lines += phone_lines(report)
    lines += storm_targets(report)
    workers = (report.get("workers") or {}).get("summary") or []
    if len(workers) == 2:
        one, many = workers
        lines.append(
            f"--workers scaling (tool's path): measured {many['ratio_vs_one']:.2f}x the"
            f" replies/s of one worker (per round {many['one_ratios']})"
            f" ({many['target']}: {many['replies_per_s']:,.0f}/s vs {one['replies_per_s']:,.0f}/s,"
            f" server CPU {many['server_cpu']:.0%} vs {one['server_cpu']:.0%}, CPU per reply"
            f" {many['cpu_us_per_reply']:.1f} vs {one['cpu_us_per_reply']:.1f} us) on 2 cores"
            " shared with the generator: "
            + (
                "scales"
                if many["ratio_vs_one"] >= 1.3
                else "NOT shown here: two cores cannot hold two workers and the generator"
            )
        )
    return lines


def latency_lines(latency: dict[str, dict[str, Any]]) -> list[str]:
    """p50 and p99 at the open-loop rate, ucdhcp (phones known, unknown) vs dnsmasq-quiet."""
    theirs = latency.get(DNSMASQ_QUIET)
    ours = [latency[name] for name in (UCDHCP, UCDHCP_UNKNOWN) if name in latency]
    if theirs is None or not ours:
        return ["latency: not measured (needs netns mode, dnsmasq and --latency-rate > 0)"]
    lines = []
    for entry in ours:
        noisy = max(entry["send_lag_max_us"], theirs["send_lag_max_us"]) > 1000
        lines.append(
            f"latency at {entry['rate']:,.0f}/s open loop, {entry['target']} vs"
            f" {theirs['target']}: p50 {MET[entry['p50_us'] <= theirs['p50_us']]}"
            f" ({entry['p50_us']:.0f} vs {theirs['p50_us']:.0f} us); p99"
            f" {MET[entry['p99_us'] <= theirs['p99_us']]} (median round,"
            f" {entry['p99_us']:.0f} vs {theirs['p99_us']:.0f} us),"
            f" {MET[entry['p99_min_us'] <= theirs['p99_min_us']]} (best round,"
            f" {entry['p99_min_us']:.0f} vs {theirs['p99_min_us']:.0f} us) (target: no worse)"
            + (
                "; caution: in some round the generator fell >1 ms behind its schedule (other"
                " processes had the cores): compare the best rounds too"
                if noisy
                else ""
            )
        )
    return lines


def phone_lines(report: dict[str, Any]) -> list[str]:
    """What the phone rows rest on: every reply went to the phone that asked, and the unknown
    phones stayed unknown to the server's kernel."""
    found = report.get("neighbours")
    if not found:
        return []
    unknown = found["unknown_phones"]
    wrong = sum(entry.get("misaddressed", 0) for entry in report["summary"])
    return [
        f"phone rows: {MET[wrong == 0]}: {wrong} replies to another MAC, IP or port than the"
        " phone's (target 0)",
        f"unknown phones stayed unknown: {MET[not unknown]}: {len(unknown)} neighbour entries"
        f" for them in the server's namespace at the end ({found['known_phones']} for the"
        f" {found['phones']} known phones)" + (f": {unknown[:3]}" if unknown else ""),
    ]


def latency_targets(rows: list[Row]) -> dict[str, tuple[Server, str]]:
    """The latency table's rows: the phone's path (and each server once)."""
    wanted = (BASELINE, UCDHCP, UCDHCP_UNKNOWN, UCDHCP_LOGGING, DNSMASQ_QUIET, KEA)
    return {row.name: (row.server, row.path) for row in rows if row.name in wanted and row.server}


def storm_targets(report: dict[str, Any]) -> list[str]:
    """The boot storm, RSS and start-up targets, met / not met."""
    storms = report.get("startup_storm") or []
    if not storms:
        return ["boot storm, RSS, start-up: not measured (netns mode only)"]
    answered = [entry["storm"]["answered"] for entry in storms]
    offered = storms[0]["storm"]["offered"]
    times = [entry["storm"]["all_answered_s"] for entry in storms]
    lines = [
        f"boot storm through one relay, default config: {MET[min(answered) == offered]}:"
        f" measured {', '.join(f'{a:,}' for a in answered)} of {offered:,} answered per round"
        f" (time to answer all: {', '.join('-' if t is None else f'{t:.2f} s' for t in times)};"
        f" lost {', '.join(str(e['storm']['lost']) for e in storms)}) (target: all)"
    ]
    rss = max(entry["rss_after_storm_kib"].get("VmRSS", 0) for entry in storms)
    serving = report.get("memory_kib", {}).get("ucdhcp", {}).get("VmRSS", 0)
    worst = max(rss, serving)
    mib, mb = worst / 1024, worst * 1024 / 1e6
    lines.append(
        f"RSS serving: {MET[mb <= TARGET_RSS_MB]} (MB = 10^6 bytes),"
        f" {MET[mib <= TARGET_RSS_MB]} (MB read as MiB): measured {mib:.1f} MiB = {mb:.1f} MB"
        + (f" (ucdhcp logging off after the rounds {serving / 1024:.1f} MiB," if serving else " (")
        + f" default config after the storm {rss / 1024:.1f} MiB) (target <= {TARGET_RSS_MB} MB)"
    )
    ready = [entry["ready"]["ready_s"] for entry in storms]
    known = [value for value in ready if value is not None]
    ok = len(known) == len(ready) and max(known) < TARGET_READY_S
    lines.append(
        f"ready (process start to first answer): {MET[ok]}: measured"
        f" {', '.join('-' if v is None else f'{v:.3f} s' for v in ready)}"
        f" (target < {TARGET_READY_S:.0f} s)"
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
    for name, size in report.get("peer_log_bytes", {}).items():
        lines.append(f"{name}: log file {size:,} bytes")
    return lines


def memory_lines(report: dict[str, Any]) -> list[str]:
    lines = []
    for name, fields in report.get("memory_kib", {}).items():
        if fields:
            lines.append(
                f"  {name:<16} VmRSS {fields['VmRSS'] / 1024:6.1f} MiB"
                f" (anon {fields.get('RssAnon', 0) / 1024:.1f},"
                f" file {fields.get('RssFile', 0) / 1024:.1f})"
                f"  peak {fields['VmHWM'] / 1024:6.1f} MiB"
            )
    return ["RSS after serving the rounds (VmRSS from /proc/PID/status):", *lines] if lines else []


def storm_lines(report: dict[str, Any]) -> list[str]:
    storms = report.get("startup_storm") or []
    lines = ["start-up and boot storm (ucdhcp, DEFAULT config, a fresh process per round):"]
    lines += [f"  round {i}: {phases.storm_line(entry)}" for i, entry in enumerate(storms, 1)]
    extra = report.get("storm_diagnostic") or {}
    if extra:
        lines.append(
            f"  diagnostic, NOT the default: receive_buffer = {extra['receive_buffer_setting']:,}:"
            f" {phases.storm_line(extra)}"
        )
    return lines if storms else []


# --- the whole run --------------------------------------------------------------------------------


def run(bench: Bench, args: argparse.Namespace) -> dict[str, Any]:
    topology = bench.topology
    print(topology.describe(), flush=True)
    env = environment(topology)  # at the start: the code measured is the code loaded now
    netns = topology.server_ns is not None
    notes: list[str] = []
    rows = make_rows(bench, notes, with_peers=netns and not args.no_peers)
    if not netns:
        notes.append("loopback mode: dnsmasq, Kea, latency, storm, start-up and workers skipped")
    for note in notes:
        print(note, flush=True)
    servers = list({row.server.name: row.server for row in rows if row.server}.values())
    for server in servers:
        if server.kind == "kea":
            peers.check_kea(server, topology, args.server_core)
        bench.start(server)
    print(
        f"servers on core {args.server_core}: "
        + ", ".join(f"{s.name} pid {s.pid} port {s.port}" for s in servers)
    )
    for server in servers:
        print(f"  checked {server.checked}")
    for note in preflight(bench, servers):
        print(f"  preflight {note}", flush=True)
    for server in servers:
        if server.transient:  # from now on started for its own measurements only
            bench.stop(server)
            print(f"  {server.name}: stopped; it runs only while it is measured", flush=True)
    runs = throughput_rounds(bench, rows, args)
    latency: dict[str, list[dict[str, Any]]] = {}
    if netns and args.latency_rate > 0:
        latency = phases.latency_rounds(bench, latency_targets(rows), args)
    memory = {
        server.name: server.last_memory if server.transient else memory_kib(server.pid)
        for server in servers
    }
    stopped = {}
    for server in servers:
        bench.stop(server)
        event = find_event(server.log_path, "server_stopped")
        if event is not None:
            stopped[server.name] = {
                k: v for k, v in event.items() if k not in ("timestamp", "level")
            }
    peer_logs = {
        server.name: peers.dnsmasq_log(server).stat().st_size
        for server in servers
        if server.kind == "dnsmasq" and peers.dnsmasq_log(server).exists()
    }
    storm: list[dict[str, Any]] = []
    storm_diagnostic: dict[str, Any] = {}
    workers: dict[str, Any] = {}
    if netns:  # a phase that fails is reported, and the figures measured so far are kept
        try:
            storm = phases.startup_and_storm(bench, args)
            if args.storm_buffer:
                storm_diagnostic = phases.storm_with_buffer(bench, args)
        except (RuntimeError, OSError, subprocess.SubprocessError) as error:
            notes.append(f"WARNING: start-up/storm phase failed: {error}")
            print(notes[-1], flush=True)
        try:
            if args.workers:
                workers = phases.workers_rounds(bench, args)
        except (RuntimeError, OSError, subprocess.SubprocessError) as error:
            notes.append(f"WARNING: workers phase failed: {error}")
            print(notes[-1], flush=True)
    if netns:
        unknown = neighbours(topology.server_ns or "", UNKNOWN_PHONES, PHONES)
        known = neighbours(topology.server_ns or "", KNOWN_PHONES, PHONES)
    else:
        unknown, known = [], []
    baseline = BASELINE if netns else BASELINE_TOOL  # loopback has no link, so no phones
    references = {"baseline": baseline, "dnsmasq": DNSMASQ_QUIET, "tool": UCDHCP_TOOL}
    summary = summarise(runs, references)
    request_log = bench.work / "ucdhcp-logging.log"
    for row, entry in zip(rows, summary, strict=True):
        entry["meaning"] = row.meaning
    return {
        "environment": env,
        "notes": notes,
        "server_processes": {server.name: server.checked for server in servers},
        "settings": {key: vars(args)[key] for key in SETTINGS},
        "summary": summary,
        "server_counters": stopped,
        "request_log_bytes": request_log.stat().st_size if request_log.exists() else 0,
        "peer_log_bytes": peer_logs,
        "latency_summary": summarise(latency, {}) if latency else [],
        "memory_kib": memory,
        "startup_storm": storm,
        "storm_diagnostic": storm_diagnostic,
        "workers": workers,
        # the server kernel's neighbour entries at the end: the unknown phones must have none
        "neighbours": {"unknown_phones": unknown, "known_phones": len(known), "phones": PHONES}
        if netns
        else {},
        "runs": runs,
        "latency_runs": latency,
    }


def run_storm_only(bench: Bench, args: argparse.Namespace) -> dict[str, Any]:
    """--storm-only: the start-up and boot storm phase alone (and the diagnostic storm)."""
    print(bench.topology.describe(), flush=True)
    env = environment(bench.topology)
    storm = phases.startup_and_storm(bench, args)
    diagnostic = phases.storm_with_buffer(bench, args) if args.storm_buffer else {}
    return {
        "environment": env,
        "notes": ["--storm-only: start-up and boot storm only"],
        "settings": {key: vars(args)[key] for key in SETTINGS},
        "startup_storm": storm,
        "storm_diagnostic": diagnostic,
    }


def render(report: dict[str, Any], args: argparse.Namespace) -> str:
    parts = [
        "",
        *header(report["environment"]),
        f"{args.repeat} round(s)"
        + ("" if args.storm_only else f" x {args.duration} s, {args.inflight} in flight")
        + f", servers on core {args.server_core}, loadgen on core {args.loadgen_core}",
        *report["notes"],
    ]
    if args.storm_only:
        parts += ["", *storm_lines(report), "", "targets:"]
        return "\n".join(parts + [f"  {line}" for line in storm_targets(report)])
    parts += [
        "",
        *render_throughput(report["summary"]),
        "",
        *verdict(report["summary"], report["environment"]["mode"]),
        *counters(report),
    ]
    if report["latency_summary"]:
        parts += ["", *phases.render_latency(report["latency_summary"])]
    parts += ["", *memory_lines(report)]
    if report["startup_storm"]:
        parts += ["", *storm_lines(report)]
    if report["workers"]:
        parts += ["", *phases.render_workers(report["workers"])]
    parts += ["", "targets:", *(f"  {line}" for line in targets(report))]
    return "\n".join(parts)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=5.0, help="measured seconds per run")
    parser.add_argument("--repeat", type=int, default=3, help="rounds; each row reports the median")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds before each measurement")
    parser.add_argument("--inflight", type=int, default=64, help="requests kept outstanding")
    parser.add_argument("--quick", action="store_true", help="smoke run: 1 round of 1.5 s")
    parser.add_argument("--server-core", type=int, default=0)
    parser.add_argument("--loadgen-core", type=int, default=1)
    parser.add_argument(
        "--latency-rate",
        type=float,
        default=5000.0,
        help="open-loop requests/s for the latency table (0: skip)",
    )
    parser.add_argument(
        "--storm-clients", type=int, default=20000, help="boot storm size (distinct clients)"
    )
    parser.add_argument(
        "--storm-buffer",
        type=int,
        default=0,
        help="diagnostic: the storm again with this [server] receive_buffer (default 0: skip)",
    )
    parser.add_argument(
        "--workers", type=int, default=2, help="compare `serve --workers N` with 1 (0: skip)"
    )
    parser.add_argument("--no-peers", action="store_true", help="skip dnsmasq and Kea")
    parser.add_argument(
        "--storm-only",
        action="store_true",
        help="only start-up and the boot storm (--repeat rounds, netns), no throughput table",
    )
    parser.add_argument("--no-plot", action="store_true", help="do not write the PNG")
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
        help="everything on 127.0.0.1 in the current namespace (no peers, no extra phases)",
    )
    parser.set_defaults(mode="netns")
    args = parser.parse_args(argv)
    if args.quick:
        args.duration, args.repeat, args.warmup = 1.5, 1, 0.5
    if not 0 < args.duration <= 120 or not 1 <= args.repeat <= 20:
        parser.error("--duration must be in (0, 120] and --repeat in 1..20")
    if not 0 <= args.latency_rate <= 200_000 or not 1 <= args.storm_clients <= 60000:
        parser.error("--latency-rate must be in [0, 200000] and --storm-clients in 1..60000")
    if args.workers == 1 or not 0 <= args.workers <= 16:
        parser.error("--workers must be 0 (skip) or 2..16")
    if args.storm_only and args.mode != "netns":
        parser.error("--storm-only needs --netns (the storm runs between namespaces)")
    if args.mode == "netns" and (os.geteuid() != 0 or shutil.which("ip") is None):
        parser.error("--netns needs root and iproute2 (ip); use --loopback otherwise")
    return args


def write_plot(report: dict[str, Any], stamp: str) -> str:
    try:
        import plot  # noqa: PLC0415

        path = RESULTS / f"plot-{stamp}.png"
        plot.plot(report, path)
    except ImportError:
        return "plot skipped: matplotlib is not installed (.venv/bin/pip install matplotlib)"
    shutil.copyfile(path, HERE / "throughput.png")
    return f"plot: {path} (copied to {HERE / 'throughput.png'})"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    measure = run_storm_only if args.storm_only else run
    report = session(
        "benchmark",
        args.mode == "netns",
        lambda bench: measure(bench, args),
        args.server_core,
        args.loadgen_core,
    )
    text = render(report, args)
    print(text)
    save(f"run-{args.mode}", report, text, args.json)
    if not args.no_plot and not args.storm_only:
        print(write_plot(report, datetime.datetime.now().strftime("%Y%m%d-%H%M%S")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
