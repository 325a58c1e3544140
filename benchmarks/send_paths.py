"""Micro-benchmark: microseconds per reply of the ways a phone's answer (ciaddr:68 on the link)
can leave, measured in one run on a veth between two network namespaces this script creates
and deletes. Root only (namespaces, packet sockets).

  python benchmarks/send_paths.py [--count 100000] [--json PATH]

Rows (a 300-byte reply each time, to a phone whose MAC is or is not in the kernel's table):
- "UDP sendto, neighbour known": what any responder pays to answer a known phone through the
  kernel (the do-nothing baseline's path, and the tool's path of run.py); the floor.
- "before: ...": the frame path up to 2026-11-29 (IPv4 and UDP checksums summed in Python, a
  SIOCGARP ioctl per reply, sendto() naming the interface, which makes Python look its index
  up with another ioctl).
- "now: ...": ReplySender's FrameSocket, bound (send() names nothing), the UDP checksum left
  to the kernel or device (PACKET_VNET_HDR), the MAC from the mirrored ARP table (a dict).
- "now, checksum in Python": the same without PACKET_VNET_HDR (the fallback).
- "dnsmasq's way": write an ARP entry for the phone (SIOCSARP), then UDP sendto.

The script sends only inside its namespaces, a bounded number of frames per row.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from fcntl import ioctl
from pathlib import Path

from harness import Namespaces, ip

from ucdhcp.runtime.sender import FrameSocket, checksum, open_frame_socket

SERVER, PHONE, KNOWN = "10.77.0.1", "10.77.0.2", "10.77.0.3"
PHONE_MAC = bytes.fromhex("020000770002")
DEVICE = "bench0"
_SIOCGARP, _SIOCSARP, _ATF_COM = 0x8954, 0x8955, 0x02
_ARPREQ = struct.Struct("=H2x4s8xH6s8xi16x16s")  # arpreq: pa, ha (family + 6 bytes), flags, dev
_IPV4_UDP = struct.Struct("!BBHHHBBH4s4sHHHH")


def old_packet(payload: bytes, source: bytes, destination: bytes, port: int) -> bytes:
    """The frame path's packet as built until 2026-11-29 (both checksums over bytes)."""
    length = 8 + len(payload)
    pseudo = struct.pack("!4s4sBBH", source, destination, 0, 17, length)
    udp_sum = checksum(pseudo + struct.pack("!HHHH", 67, port, length, 0) + payload)
    header = _IPV4_UDP.pack(
        0x45, 0, 20 + length, 0, 0x4000, 64, 17, 0, source, destination, 67, port, length, udp_sum
    )
    ip_sum = checksum(header[:20])
    return header[:10] + ip_sum.to_bytes(2, "big") + header[12:] + payload


def timed(count: int, step: Callable[[], object]) -> float:
    started = time.perf_counter()
    for _ in range(count):
        step()
    return (time.perf_counter() - started) / count * 1e6


@contextlib.contextmanager
def namespaces() -> Iterator[str]:
    """A server and a phone namespace (harness.py's) on one veth, the phone KNOWN to the
    server's kernel; yields the server's namespace."""
    lab = Namespaces(prefix="ucsend")
    try:
        server, phone = lab.add("s", "p")
        ip("-n", server, "link", "add", DEVICE, "type", "veth", "peer", "name", "p0",
           "netns", phone)  # fmt: skip
        ip("-n", server, "addr", "add", f"{SERVER}/24", "dev", DEVICE)
        ip("-n", phone, "addr", "add", f"{PHONE}/24", "dev", "p0")
        ip("-n", server, "link", "set", DEVICE, "up")
        ip("-n", phone, "link", "set", "p0", "up")
        mac = PHONE_MAC.hex(":")
        ip("-n", server, "neigh", "replace", KNOWN, "lladdr", mac, "dev", DEVICE, "nud",
           "permanent")  # fmt: skip
        yield server
    finally:
        lab.close()


def measure(count: int) -> dict[str, float]:
    payload = bytes(range(256)) + bytes(44)
    source, known, unknown = (socket.inet_aton(a) for a in (SERVER, KNOWN, "10.77.0.99"))
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, DEVICE.encode())
    udp.bind((SERVER, 67))
    udp.setblocking(False)
    opened = open_frame_socket(DEVICE)
    assert opened is not None and opened.kernel_checksum
    # `now` reads `frames` when called: rebound below to a socket without the kernel checksum.
    frames = opened
    loose = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, 0)
    mirror = {known: PHONE_MAC}
    query = _ARPREQ.pack(socket.AF_INET, unknown, 0, b"", 0, DEVICE.encode())

    def before() -> None:
        with contextlib.suppress(OSError):  # ENXIO: no entry, so chaddr
            ioctl(udp, _SIOCGARP, query)
        packet = old_packet(payload, source, unknown, 68)
        loose.sendto(packet, (DEVICE, 0x0800, 0, 0, PHONE_MAC))

    def now() -> None:
        mac = mirror.get(unknown) or PHONE_MAC
        frames.send(frames.frame(mac, payload, source, unknown, 68))

    written = iter(range(1 << 30))

    def dnsmasq_way() -> None:
        address = socket.inet_aton(f"10.77.0.{10 + next(written) % 200}")
        entry = _ARPREQ.pack(
            socket.AF_INET, address, 1, PHONE_MAC, _ATF_COM, DEVICE.encode()
        )  # ARPHRD_ETHER
        ioctl(udp, _SIOCSARP, entry)
        udp.sendto(payload, (socket.inet_ntoa(address), 68))

    rows = {
        "UDP sendto, neighbour known (the floor)": lambda: udp.sendto(payload, (KNOWN, 68)),
        "before: checksums in Python + SIOCGARP + sendto(interface name)": before,
        "now: bound frame socket, kernel checksum, mirrored MAC": now,
    }
    results = {name: timed(count, step) for name, step in rows.items()}
    plain = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    plain.bind((DEVICE, 0))
    frames = FrameSocket(plain, DEVICE, frames.mac, kernel_checksum=False)
    results["now, checksum in Python (no PACKET_VNET_HDR)"] = timed(count, now)
    results["dnsmasq's way: SIOCSARP entry + UDP sendto"] = timed(min(count, 20000), dnsmasq_way)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--inside", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        print("send_paths.py needs root (network namespaces, packet sockets)", file=sys.stderr)
        return 2
    if args.inside is None:
        with namespaces() as server:
            command = ["ip", "netns", "exec", server, sys.executable, __file__, "--inside", "1"]
            command += ["--count", str(args.count)]
            if args.json:
                command += ["--json", str(args.json)]
            return subprocess.run(command, timeout=600, check=False).returncode
    results = measure(args.count)
    floor = results["UDP sendto, neighbour known (the floor)"]
    for name, micros in results.items():
        print(f"{micros:6.2f} us  {micros / floor:4.2f}x floor  {name}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
