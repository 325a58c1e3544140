"""Micro-benchmark: nanoseconds per packet of each step of ucdhcp's hot path for the
protocol.md §7 INFORM, next to a minimal parse of the same bytes, all in one run.

No sockets: the server's callback is driven with a transport whose sendto does nothing, so the
figures are the Python cost per packet; the rest of a packet's time in the live server is
uvloop and the kernel (see README.md).

  .venv/bin/python benchmarks/micro.py [--seconds 0.35] [--building-blocks] [--json PATH]
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import structlog

sys.path.insert(0, str(Path(__file__).resolve().parent))

from baseline_responder import FixedReply, build_reply

import ucdhcp.core.responder
from ucdhcp.config import build_policy, parse_config
from ucdhcp.core.limits import ReplyLimits
from ucdhcp.core.responder import Arrival, Reply, Responder, select_site
from ucdhcp.core.routing import reply_destination
from ucdhcp.runtime.protocol import ResponderProtocol
from ucdhcp.runtime.request_log import describe
from ucdhcp.runtime.stats import Statistics
from ucdhcp.wire.message import parse_message
from ucdhcp.wire.options import OptionCode, encode_option
from ucdhcp.wire.reply import encode_reply

MAGIC_COOKIE = bytes.fromhex("63825363")
SOURCE = ("10.1.2.50", 68)
ACK = 5  # DHCP message type of the reply (encode_reply takes a plain int)
PARAMETERS, VENDOR_CLASS = 55, 60
# The only private name used: the decision without the parse. Looked up, not imported, so a
# rename in src/ drops that one row (respond - parse is printed instead) rather than the script.
_DECIDE: Callable[..., object] | None = getattr(ucdhcp.core.responder, "_decide", None)

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
    + bytes.fromhex("3707010306 0f2a2b78".replace(" ", ""))  # 55: 1 3 6 15 42 43 120
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


class NullTransport:
    """Stands in for uvloop's UDPTransport: sendto only counts."""

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


def cases() -> list[tuple[str, Callable[[], object]]]:
    config = parse_config(CONFIG)
    policy = build_policy(config)
    # As the service runs it: the per-client reply limit counts each reply (default 20/s per
    # chaddr, reset every second by a timer); set out of reach so no call here is refused.
    limits = ReplyLimits(per_client=10**9, per_destination=0)
    responder = Responder(policy, limits)
    arrival = Arrival(server_id=bytes((10, 1, 2, 10)))
    outcome = responder.respond(INFORM, SOURCE, arrival)
    assert type(outcome) is Reply and len(outcome.payload) == 369, outcome
    request = parse_message(INFORM)
    vendor_class = request.option(VENDOR_CLASS)
    requested = request.option(PARAMETERS) or b""
    assert vendor_class is not None
    site, profile = outcome.site, outcome.profile
    chosen = policy.option_set(site, profile, requested)
    assert chosen is not None and len(chosen.tlvs) == 2, chosen  # 43 and 120, in 55's order
    destination = outcome.destination
    assert (
        encode_reply(
            request,
            ACK,
            arrival.server_id,
            chosen.tlvs,
            broadcast=destination.set_broadcast_flag,
            joined=chosen.joined,
        )
        == outcome.payload
    )
    stats = Statistics()
    relayed = policy.relayed_inform
    reply_fields = (outcome.payload, destination, site, profile, request)

    quiet = ResponderProtocol(responder, arrival, Statistics())
    quiet.connection_made(NullTransport())  # type: ignore[arg-type]
    structlog.configure(  # the server's JSON renderer, into memory instead of stdout
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
        logger_factory=structlog.PrintLoggerFactory(_Sink()),
        cache_logger_on_first_use=False,
    )
    logging = ResponderProtocol(responder, arrival, Statistics())
    logging.connection_made(NullTransport())  # type: ignore[arg-type]
    logging.request_log = structlog.get_logger("ucdhcp.requests").info

    head, tail = build_reply(bytes((10, 1, 2, 10)))
    baseline = FixedReply(head, tail, echo=False)
    baseline.connection_made(NullTransport())  # type: ignore[arg-type]
    log = structlog.get_logger("ucdhcp.requests")
    fields = describe(outcome, SOURCE)[1]

    decide: list[tuple[str, Callable[[], object]]] = []
    if _DECIDE is not None:
        decide_fn = _DECIDE
        decide = [
            (
                "decide + encode (_decide, parsed)",
                lambda: decide_fn(request, policy, SOURCE, arrival, limits),
            )
        ]
    return [
        (
            "baseline: FixedReply.datagram_received",
            lambda: baseline.datagram_received(INFORM, SOURCE),
        ),
        ("minimal parse (header + TLV dict)", lambda: minimal_parse(INFORM)),
        ("parse_message", lambda: parse_message(INFORM)),
        *decide,
        ("  of which Policy.profile_for (60)", lambda: policy.profile_for(vendor_class)),
        ("  of which select_site", lambda: select_site(request, policy, arrival)),
        (
            "  of which Policy.option_set (55)",
            lambda: policy.option_set(site, profile, request.option(PARAMETERS) or b""),
        ),
        ("  of which reply_destination", lambda: reply_destination(request, SOURCE, relayed)),
        ("  of which ReplyLimits.allow", lambda: limits.allow(request.chaddr, destination.address)),
        ("  of which Reply(...) construction", lambda: Reply(*reply_fields)),
        (
            "  of which encode_reply",
            lambda: encode_reply(
                request,
                ACK,
                arrival.server_id,
                chosen.tlvs,
                broadcast=destination.set_broadcast_flag,
                joined=chosen.joined,
            ),
        ),
        (
            "Responder.respond (parse+decide+encode)",
            lambda: responder.respond(INFORM, SOURCE, arrival),
        ),
        ("Statistics.record", lambda: stats.record(outcome)),
        ("server callback, logging off", lambda: quiet.datagram_received(INFORM, SOURCE)),
        ("server callback, logging on", lambda: logging.datagram_received(INFORM, SOURCE)),
        ("  of which describe()", lambda: describe(outcome, SOURCE)),
        ("  of which structlog info() to JSON", lambda: log.info("reply_sent", **fields)),
    ]


@dataclass(frozen=True, slots=True)
class _Frozen:
    address: str
    port: int
    kind: str


class _Plain:
    __slots__ = ("address", "kind", "port")

    def __init__(self, address: str, port: int, kind: str) -> None:
        self.address, self.port, self.kind = address, port, kind


def building_blocks() -> list[tuple[str, Callable[[], object]]]:
    """Costs of the Python constructs the hot path leans on, for the README's suggestions."""
    view = memoryview(INFORM)
    options = {60: b"MS-UC-Client"}
    client_id = INFORM[245:252]
    code, address, port, kind = 60, "10.1.2.50", 68, "ciaddr"
    routes = [(0x0A010200, 0xFFFFFF00, "site")]

    def first_route_generator(value: int) -> str | None:
        return next((site for net, mask, site in routes if value & mask == net), None)

    def first_route_loop(value: int) -> str | None:
        for net, mask, site in routes:
            if value & mask == net:
                return site
        return None

    return [
        ("options.get(OptionCode.VENDOR_CLASS)", lambda: options.get(OptionCode.VENDOR_CLASS)),
        ("options.get(VENDOR_CLASS) (module int)", lambda: options.get(code)),
        ("frozen slots dataclass, 3 fields", lambda: _Frozen(address, port, kind)),
        ("plain __slots__ class, 3 fields", lambda: _Plain(address, port, kind)),
        ("tuple, 3 fields", lambda: (address, port, kind)),
        ("bytes(memoryview[12:16])", lambda: bytes(view[12:16])),
        ("bytes slice datagram[12:16]", lambda: INFORM[12:16]),
        ("encode_option(61, client_id)", lambda: encode_option(61, client_id)),
        ("bytes((61, len)) + client_id", lambda: bytes((61, len(client_id))) + client_id),
        ("first match via next(generator)", lambda: first_route_generator(0x0A010232)),
        ("first match via for loop", lambda: first_route_loop(0x0A010232)),
    ]


class _Sink(io.StringIO):
    def write(self, text: str) -> int:  # keep memory flat
        return len(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=0.35, help="per case (max 10)")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    parser.add_argument(
        "--building-blocks", action="store_true", help="also time the constructs used (enum, ...)"
    )
    args = parser.parse_args(argv)
    seconds = min(max(args.seconds, 0.01), 10.0)
    gc.collect()
    gc.freeze()
    results = {name: per_call_ns(function, seconds) for name, function in cases()}
    if _DECIDE is None:  # no private _decide to time: the difference of two public calls
        respond, parse = (
            results["Responder.respond (parse+decide+encode)"],
            results["parse_message"],
        )
        items = list(results.items())
        results = dict(
            [*items[:3], ("decide + encode (respond - parse)", respond - parse), *items[3:]]
        )
    minimal = results["minimal parse (header + TLV dict)"]
    print(f"{'step (protocol.md §7 INFORM, 276 bytes)':<46}{'ns/packet':>10}{'x minimal':>11}")
    for name, ns in results.items():
        print(f"{name:<46}{ns:>10,.0f}{ns / minimal:>11.1f}")
    blocks = {}
    if args.building_blocks:
        blocks = {name: per_call_ns(function, seconds / 3) for name, function in building_blocks()}
        print(f"\n{'building block':<46}{'ns/call':>10}")
        for name, ns in blocks.items():
            print(f"{name:<46}{ns:>10,.0f}")
    if args.json:
        document = {"steps_ns": results, "building_blocks_ns": blocks}
        Path(args.json).write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
