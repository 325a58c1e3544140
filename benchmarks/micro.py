"""Micro-benchmark: nanoseconds per packet of each step of ucdhcp's hot path for the
protocol.md §7 INFORM, next to a minimal parse of the same bytes and the do-nothing responder's
callback, all in one run.

No sockets: the server's callback sends through a socket stand-in whose sendto does nothing,
so the figures are the Python cost per packet; the rest of a packet's time in the live server
is uvloop and the kernel (see README.md). Public names of ucdhcp only, and its own logging
set-up (`configure_logging`), writing to /dev/null.

  .venv/bin/python benchmarks/micro.py [--seconds 0.35] [--json PATH]
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from baseline_responder import FixedReply, build_reply

from ucdhcp.config.loading import build_policy, parse_config
from ucdhcp.config.model import LoggingSection
from ucdhcp.core.limits import Limits, LimitSettings
from ucdhcp.core.responder import Arrival, Reply, Responder
from ucdhcp.runtime.logs import configure_logging
from ucdhcp.runtime.protocol import Handling, ResponderProtocol
from ucdhcp.runtime.request_log import RequestLog, describe
from ucdhcp.runtime.sender import ReplySender
from ucdhcp.runtime.stats import Statistics
from ucdhcp.wire.message import parse_message
from ucdhcp.wire.reply import encode_reply

MAGIC_COOKIE = bytes.fromhex("63825363")
SOURCE = ("10.1.2.50", 68)
ACK = 5  # DHCP message type of the reply (encode_reply takes a plain int)
PARAMETERS = 55
RESPOND, PARSE, ENCODE = "Responder.respond", "parse_message", "encode_reply (alone)"
GENERAL = "Responder.respond, general path (lean=False)"

# protocol.md §7: phone 10.1.2.50, MAC 00:04:13:aa:bb:cc, xid 0x12345678, no relay.
INFORM = (
    bytes.fromhex("010106001234567800000000")  # op htype hlen hops, xid, secs, flags
    + bytes((10, 1, 2, 50))  # ciaddr
    + bytes(12)  # yiaddr, siaddr, giaddr
    + bytes.fromhex("000413aabbcc").ljust(16, b"\x00")  # chaddr
    + bytes(192)  # sname, file
    + MAGIC_COOKIE
    + bytes.fromhex("3501083d0701000413aabbcc")  # 53 INFORM, 61 client id
    + bytes((60, 12))
    + b"MS-UC-Client"
    + bytes.fromhex("37070103060f2a2b78")  # 55: 1 3 6 15 42 43 120
    + b"\xff"
)

CONFIG: dict[str, object] = {
    "server": {"address": "10.1.2.10", "port": 67},
    "sites": [
        {"name": "headquarters", "subnets": ["10.1.2.0/24"], "sip_servers": ["pool01.contoso.com"]}
    ],
}


def minimal_parse(datagram: bytes) -> dict[int, bytes]:
    """The least a Python responder must do: check the header, frame the TLVs into a dict."""
    if len(datagram) < 240 or datagram[236:240] != MAGIC_COOKIE or datagram[0] != 1:
        raise ValueError("not a DHCP request")
    options, offset, end = {}, 240, len(datagram)
    while offset < end:
        code = datagram[offset]
        if code == 255:
            break
        if code == 0:
            offset += 1
            continue
        stop = offset + 2 + datagram[offset + 1]
        options[code] = datagram[offset + 2 : stop]
        offset = stop
    return options


class NullSocket:
    """Stands in for the UDP socket (ReplySender) and uvloop's transport: sendto only counts."""

    def __init__(self) -> None:
        self.sent = 0

    def sendto(self, data: bytes, addr: object = None) -> None:
        self.sent += 1


def per_call_ns(function: Callable[[], object], seconds: float, rounds: int = 7) -> float:
    """Median over `rounds` of the mean time per call, each round about seconds/rounds long."""
    calls = 1000
    started = time.perf_counter_ns()
    for _ in range(calls):
        function()
    once = max(1, time.perf_counter_ns() - started) / calls
    calls = max(1000, int(seconds / rounds * 1e9 / once))
    samples = []
    for _ in range(rounds):
        started = time.perf_counter_ns()
        for _ in range(calls):
            function()
        samples.append((time.perf_counter_ns() - started) / calls)
    return statistics.median(samples)


def protocol(
    responder: Responder, arrival: Arrival, request_log: RequestLog | None = None
) -> ResponderProtocol:
    """The server's callback object as the service builds it, sending into a NullSocket."""
    stats = Statistics()
    sender = ReplySender(NullSocket(), stats)  # type: ignore[arg-type]
    callback = ResponderProtocol(Handling(responder, stats, request_log), arrival, sender)
    callback.connection_made(NullSocket())  # type: ignore[arg-type]
    return callback


def cases() -> list[tuple[str, Callable[[], object]]]:
    policy = build_policy(parse_config(CONFIG))
    # As the service runs it: the per-client reply limit counts each reply (default 20/s per
    # chaddr, reset every second by a timer); set out of reach so no call here is refused.
    # The highest count a cell holds is 0xFFFF: `windowed` starts a new window every 2**15
    # calls, as the service's timer would, or every later call would be refused.
    limits = Limits(LimitSettings(replies_per_client=10**9))
    responder = Responder(policy, limits)
    general = Responder(
        policy,
        Limits(LimitSettings(replies_per_client=10**9)),
        lean=False,
    )

    def windowed(function: Callable[[], object]) -> Callable[[], object]:
        calls = 0

        def call() -> object:
            nonlocal calls
            calls += 1
            if not calls & 0x7FFF:
                limits.new_window()
                assert general.limits is not None
                general.limits.new_window()
            return function()

        return call

    arrival = Arrival(server_id=bytes((10, 1, 2, 10)))
    outcome = responder.respond(INFORM, SOURCE, arrival)
    assert type(outcome) is Reply and len(outcome.payload) == 369, outcome
    import ucdhcp  # noqa: PLC0415

    print(f"ucdhcp {ucdhcp.__version__} ({ucdhcp.build()})", file=sys.stderr)
    request = parse_message(INFORM)
    chosen = policy.option_set(outcome.site, outcome.profile, request.option(PARAMETERS) or b"")
    assert chosen is not None and len(chosen.tlvs) == 2, chosen  # 43 and 120, in 55's order
    broadcast = outcome.destination.set_broadcast_flag

    def encode() -> bytes | None:
        return encode_reply(
            request, ACK, arrival.server_id, chosen.tlvs, broadcast=broadcast, joined=chosen.joined
        )

    assert encode() == outcome.payload
    stats = Statistics()
    quiet = protocol(responder, arrival)
    # As the service does with logging.requests = true and requests_rate = 0: every request.
    configure_logging("json")
    request_log = RequestLog.configured(LoggingSection(requests=True, requests_rate=0).settings())
    assert request_log is not None
    logging = protocol(responder, arrival, request_log)
    fields = describe(outcome, SOURCE)[1]
    baseline = FixedReply(*build_reply(bytes((10, 1, 2, 10))), echo=False)
    baseline.connection_made(NullSocket())  # type: ignore[arg-type]
    return [
        (
            "baseline: FixedReply.datagram_received",
            lambda: baseline.datagram_received(INFORM, SOURCE),
        ),
        ("minimal parse (header + TLV dict)", lambda: minimal_parse(INFORM)),
        (PARSE, lambda: parse_message(INFORM)),
        (ENCODE, encode),
        (RESPOND, windowed(lambda: responder.respond(INFORM, SOURCE, arrival))),
        (
            GENERAL,
            windowed(lambda: general.respond(INFORM, SOURCE, arrival)),
        ),
        ("Statistics.record", lambda: stats.record(outcome)),
        (
            "server callback, logging off",
            windowed(lambda: quiet.datagram_received(INFORM, SOURCE)),
        ),
        (
            "server callback, logging on",
            windowed(lambda: logging.datagram_received(INFORM, SOURCE)),
        ),
        ("  of which describe()", lambda: describe(outcome, SOURCE)),
        (
            "  of which the JSON line (logs.py's writer)",
            lambda: request_log.write("info", "reply_sent", dict(fields)),
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=0.35, help="per case (max 10)")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    args = parser.parse_args(argv)
    seconds = min(max(args.seconds, 0.01), 10.0)
    gc.collect()
    gc.freeze()
    # The log lines go where the server's would go, stdout, here /dev/null (one write each).
    with open(os.devnull, "w") as null, contextlib.redirect_stdout(null):
        results = {name: per_call_ns(function, seconds) for name, function in cases()}
    items = list(results.items())
    decide = results[GENERAL] - results[PARSE] - results[ENCODE]  # from public calls only
    name = "decide (general respond - parse - encode)"
    results = dict([*items[:4], (name, decide), *items[4:]])
    minimal = results["minimal parse (header + TLV dict)"]
    print(f"{'step (protocol.md §7 INFORM, 276 bytes)':<46}{'ns/packet':>10}{'x minimal':>11}")
    for name, ns in results.items():
        print(f"{name:<46}{ns:>10,.0f}{ns / minimal:>11.1f}")
    if args.json:
        Path(args.json).write_text(json.dumps({"steps_ns": results}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
