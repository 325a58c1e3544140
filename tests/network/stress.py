"""Run inside a test namespace: a bounded flood of DHCP requests, or a phone that probes.

    stress.py flood --server A --rate R --seconds S --kind K [--subnet 10.1.0.0/16]
    stress.py probe --server A --ciaddr C --mac M --seconds S [--interval 0.1] [--new-phone]

`flood` sends INFORMs as fast as `--rate` allows for `--seconds` (both bounded), each with a
new chaddr and, by kind:
  unused-ciaddr  a ciaddr that is an unused address of the phone subnet (the ARP attack)
  distinct       a new ciaddr too, all in the phone subnet (the limits' sketches)
  oversized-61   an option 61 so large that neither 43 nor 120 fits beside its echo
  victim        ciaddr = --victim for every request (reflection)
With `--spoof-source` each request's IP source is its ciaddr (sent through a raw socket), as
an attacker defeating a source-address reply rule or a per-source limit would do. With
`--giaddr G` each request claims to come through relay G (sent from port 67, as a relay
does); `--count N` stops after N requests (a boot storm: `--rate` high, each phone once).
It prints one JSON line: {"sent": N, "seconds": T}.

`probe` is the legitimate phone: a valid INFORM every `--interval` (new xid, and with
`--new-phone` a new chaddr each time: a phone that is booting), from port 68 on its own address,
and prints {"sent": N, "answered": [latency seconds or null, ...]}: null = no answer in 2 s.
"""

import argparse
import contextlib
import ipaddress
import json
import os
import select
import socket
import struct
import sys
import time

MAX_SECONDS = 30.0
MAX_RATE = 200_000
COOKIE = bytes.fromhex("63825363")
PARAMETERS = bytes((55, 3, 1, 43, 120))
VENDOR = bytes((60, 12)) + b"MS-UC-Client"


def inform(
    xid: int,
    chaddr: bytes,
    ciaddr: bytes,
    client_id: bytes | None = None,
    giaddr: bytes = bytes(4),
) -> bytes:
    hops = 0 if giaddr == bytes(4) else 1
    header = struct.pack("!BBBBIHH4s4s4s4s", 1, 1, 6, hops, xid, 0, 0, ciaddr, bytes(4), bytes(4),
                         giaddr)  # fmt: skip
    header += chaddr.ljust(16, b"\x00") + bytes(192) + COOKIE
    identifier = client_id if client_id is not None else bytes((61, 7, 1)) + chaddr
    return header + bytes((53, 1, 8)) + identifier + VENDOR + PARAMETERS + b"\xff"


def spoofed(payload: bytes, source: bytes, destination: bytes) -> bytes:
    """IPv4 + UDP headers from `source`:68 to `destination`:67. The kernel fills in the IP
    checksum (raw(7)); a UDP checksum of 0 means none (RFC 768)."""
    udp = struct.pack("!HHHH", 68, 67, 8 + len(payload), 0)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 28 + len(payload), 0, 0, 64, 17, 0, source,
                     destination)  # fmt: skip
    return ip + udp + payload


def flood(args: argparse.Namespace) -> None:
    seconds, rate = min(args.seconds, MAX_SECONDS), min(args.rate, MAX_RATE)
    subnet = ipaddress.IPv4Network(args.subnet)
    first, size = int(subnet.network_address) + 256, subnet.num_addresses - 512  # not the phones
    if args.spoof_source:
        sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    else:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        port = 67 if args.giaddr else args.port  # a relay sends from 67 (RFC 2131 §4.1)
        sock.bind(("0.0.0.0", port))  # 68: as a client does; 0: an ephemeral port
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    target = (args.server, 67)
    server = socket.inet_aton(args.server)
    victim = socket.inet_aton(args.victim) if args.victim else None
    giaddr = socket.inet_aton(args.giaddr) if args.giaddr else bytes(4)
    count = args.count or 1 << 62
    oversized = bytes((61, 255)) + bytes(255) + bytes((61, 25)) + bytes(25)  # echo: 284 bytes
    sent, started = 0, time.monotonic()
    deadline = started + seconds
    while True:
        now = time.monotonic()
        if now >= deadline:
            break
        due = min(int((now - started) * rate) + 1, count)
        if sent >= count:
            break
        while sent < due:
            n = sent
            chaddr = b"\x02\x99" + n.to_bytes(4, "big")
            if args.kind == "victim":
                assert victim is not None
                ciaddr = victim
            else:
                ciaddr = (first + n % size).to_bytes(4, "big")
            client_id = oversized if args.kind == "oversized-61" else None
            # OSError: our own send buffer is full, the flood is as fast as it can be
            payload = inform(0x5A000000 | (n & 0xFFFFFF), chaddr, ciaddr, client_id, giaddr)
            if args.spoof_source:
                payload = spoofed(payload, ciaddr, server)
            with contextlib.suppress(OSError):
                sock.sendto(payload, target)
            sent += 1
        time.sleep(0.0005)
    print(json.dumps({"sent": sent, "seconds": time.monotonic() - started}), flush=True)


def probe(args: argparse.Namespace) -> None:
    seconds = min(args.seconds, MAX_SECONDS)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    sock.bind(("0.0.0.0", 68))
    ciaddr = socket.inet_aton(args.ciaddr)
    mac = bytes.fromhex(args.mac.replace(":", ""))
    sent_at: dict[int, float] = {}
    latency: dict[int, float] = {}
    started = time.monotonic()
    next_send, count = started, 0
    print(json.dumps({"ready": True}), flush=True)
    while True:
        now = time.monotonic()
        if now >= started + seconds + 2.0:
            break
        if now >= next_send and now < started + seconds:
            xid = 0x7E000000 | count
            chaddr = (b"\x02\x77" + count.to_bytes(4, "big")) if args.new_phone else mac
            sock.sendto(inform(xid, chaddr, ciaddr), (args.server, 67))
            sent_at[xid] = now
            count += 1
            next_send += args.interval
        ready, _, _ = select.select([sock], [], [], max(0.0, min(next_send - now, 0.05)))
        if ready:
            data = sock.recv(4096)
            if len(data) >= 8 and data[0] == 2:
                xid = int.from_bytes(data[4:8], "big")
                if xid in sent_at and xid not in latency:
                    latency[xid] = time.monotonic() - sent_at[xid]
    answered = [latency[xid] if latency.get(xid, 99.0) <= 2.0 else None for xid in sorted(sent_at)]
    print(json.dumps({"sent": count, "answered": answered}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="mode", required=True)
    f = sub.add_parser("flood")
    f.add_argument("--server", required=True)
    f.add_argument("--rate", type=float, required=True)
    f.add_argument("--seconds", type=float, required=True)
    f.add_argument("--kind", choices=["unused-ciaddr", "distinct", "oversized-61", "victim"])
    f.add_argument("--subnet", default="10.1.0.0/16")
    f.add_argument("--victim")
    f.add_argument("--port", type=int, default=0)
    f.add_argument("--spoof-source", action="store_true")
    f.add_argument("--giaddr")
    f.add_argument("--count", type=int, default=0)
    p = sub.add_parser("probe")
    p.add_argument("--server", required=True)
    p.add_argument("--ciaddr", required=True)
    p.add_argument("--mac", required=True)
    p.add_argument("--seconds", type=float, required=True)
    p.add_argument("--interval", type=float, default=0.1)
    p.add_argument("--new-phone", action="store_true")
    args = parser.parse_args()
    flood(args) if args.mode == "flood" else probe(args)
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
