"""A throwaway sketch, not a design: how fast can the common INFORM be answered in pure Python?

It handles one shape only (INFORM, not relayed, no option 52/57/82/118, vendor class served,
site by ciaddr) and is checked to produce byte-identical replies to Responder.respond for the
protocol.md §7 INFORM and for the load generator's clients. Its time per packet is the floor
that the optimisations suggested in README.md aim at; everything it skips stays in the
general path.

  .venv/bin/python benchmarks/sketch_lean_respond.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from loadgen import build_inform
from micro import CONFIG, INFORM, SOURCE, minimal_parse, per_call_ns

from ucdhcp.config import build_policy, parse_config
from ucdhcp.core.policy import Policy, Profile, Site
from ucdhcp.core.responder import Arrival, Reply, Responder

COOKIE = bytes.fromhex("63825363")
ZERO = bytes(4)
MESSAGE_TYPE, VENDOR_CLASS, CLIENT_ID, PARAMETERS = 53, 60, 61, 55  # ints, not enum lookups
UNUSUAL = frozenset((52, 57, 82, 118))  # overload, max size, relay info, subnet selection


class LeanReply:
    __slots__ = ("address", "payload", "port", "profile", "site")

    def __init__(self, payload: bytes, address: str, port: int, site: Site, profile: Profile):
        self.payload, self.address, self.port = payload, address, port
        self.site, self.profile = site, profile


class LeanResponder:
    """Pre-encoded pieces per (site, profile, option 55) memoised; header copied as bytes."""

    def __init__(self, policy: Policy, server_id: bytes) -> None:
        self.policy = policy
        self.routes = policy._routes
        self.vendor_classes = dict(policy.vendor_classes)
        self.fixed = bytes(8) + bytes(192) + COOKIE  # yiaddr, siaddr | sname, file, cookie
        self.ack = bytes((53, 1, 5, 54, 4)) + server_id
        self.bodies: dict[tuple[int, Profile, bytes], bytes] = {}

    def respond(self, data: bytes, source: tuple[str, int]) -> LeanReply | None:
        options = frame(data)
        if options is None or data[0] != 1 or options.get(MESSAGE_TYPE) != b"\x08":
            return None  # the general path decides (and counts) everything else
        vendor_class = options.get(VENDOR_CLASS)
        profile = None if vendor_class is None else self.vendor_classes.get(vendor_class)
        if profile is None or data[24:28] != ZERO or not UNUSUAL.isdisjoint(options):
            return None
        site = self.site_for(int.from_bytes(data[12:16], "big"))
        if site is None:
            return None
        body = self.body(site, profile, options.get(PARAMETERS, b""))
        client_id = options.get(CLIENT_ID)
        echoed = b"" if client_id is None else bytes((61, len(client_id))) + client_id
        if not body or 250 + len(echoed) + len(body) > 576:  # nothing to send, or too big
            return None
        payload = b"".join(
            (b"\x02", data[1:3], b"\x00", data[4:8], b"\x00\x00", data[10:16], self.fixed[:8],
             data[24:44], self.fixed[8:], self.ack, echoed, body, b"\xff")
        )  # fmt: skip
        if len(payload) < 300:
            payload += bytes(300 - len(payload))
        return LeanReply(payload, source[0], source[1], site, profile)

    def site_for(self, address: int) -> Site | None:
        for network, mask, site in self.routes:
            if address & mask == network:
                return site
        return self.policy.default_site

    def body(self, site: Site, profile: Profile, requested: bytes) -> bytes:
        key = (id(site), profile, requested)
        body = self.bodies.get(key)
        if body is None:
            available = site.options.get(profile, {})
            body = b"".join(available[c] for c in dict.fromkeys(requested) if c in available)
            self.bodies[key] = body
        return body


def frame(data: bytes) -> dict[int, bytes] | None:
    end = len(data)
    if end < 240 or data[236:240] != COOKIE or data[2] > 16:
        return None
    options: dict[int, bytes] = {}
    offset = 240
    while offset < end:
        code = data[offset]
        if code == 0:
            offset += 1
            continue
        if code == 255:
            return options
        if offset + 1 >= end or (stop := offset + 2 + data[offset + 1]) > end:
            return None
        value = data[offset + 2 : stop]
        options[code] = value if code not in options else options[code] + value
        offset = stop
    return options


def main() -> int:
    policy = build_policy(parse_config(CONFIG))
    server_id = bytes((10, 1, 2, 10))
    responder, arrival = Responder(policy), Arrival(server_id)
    lean = LeanResponder(policy, server_id)
    checked = 0
    for request, source in [(INFORM, SOURCE)]:
        expected = responder.respond(request, source, arrival)
        got = lean.respond(request, source)
        assert type(expected) is Reply and got is not None and got.payload == expected.payload
        checked += 1
    site = {"name": "bench", "subnets": ["127.0.0.0/8"], "sip_servers": ["pool01.contoso.com"]}
    bench_policy = build_policy(parse_config({**CONFIG, "sites": [site]}))
    bench, bench_lean = Responder(bench_policy), LeanResponder(bench_policy, server_id)
    for client in range(0, 1000, 37):
        request = build_inform(client * 7919, client)
        expected = bench.respond(request, ("127.0.0.1", 40000), arrival)
        got = bench_lean.respond(request, ("127.0.0.1", 40000))
        assert type(expected) is Reply and got is not None and got.payload == expected.payload
        checked += 1
    print(f"byte-identical replies: {checked} requests checked")
    rows = {
        "minimal parse (header + TLV dict)": per_call_ns(lambda: minimal_parse(INFORM), 0.3),
        "Responder.respond": per_call_ns(lambda: responder.respond(INFORM, SOURCE, arrival), 0.3),
        "lean sketch respond": per_call_ns(lambda: lean.respond(INFORM, SOURCE), 0.3),
    }
    for name, ns in rows.items():
        print(f"{name:<40}{ns:>8,.0f} ns/packet")
    return 0


if __name__ == "__main__":
    sys.exit(main())
