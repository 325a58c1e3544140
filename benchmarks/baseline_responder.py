"""The do-nothing uvloop responder: the baseline ucdhcp is compared with in the same run.

It answers every datagram with a fixed, pre-built 369-byte DHCPACK (protocol.md §7) into which
only the request's xid is copied, so the load generator can match it. That is the least work a
Python responder on uvloop can do per packet: one callback, one 3-piece join, one sendto.
`--echo` sends the request back instead. Pin it with `taskset -c 0`. It listens on 127.0.0.0/8,
or on run.py's veth address (10.77.0.0/16) when started inside a network namespace.

Prints one JSON line `{"event": "server_started", "port": ...}` when ready (like ucdhcp), and
one `server_stopped` line with its counters on SIGTERM/SIGINT.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import socket
import sys

import uvloop
from loadgen import target_refused

# protocol.md §7: the reply to phone 00:04:13:aa:bb:cc, options 53, 54, 61, 43, 120, End.
OPTION_43 = bytes.fromhex(
    "010C4D532D55432D436C69656E74020568747470730312706F6F6C30312E636F6E746F736F2E636F6D"
    "040334343305252F4365727450726F762F4365727450726F766973696F6E696E67536572766963652E737663"
)
OPTION_120 = bytes.fromhex("0006706F6F6C303107636F6E746F736F03636F6D00")


def build_reply(server_id: bytes) -> tuple[bytes, bytes]:
    """The §7 DHCPACK split around its xid: (bytes 0-3, bytes 8-368)."""
    mac = bytes.fromhex("000413aabbcc")
    head = bytes((2, 1, 6, 0))
    tail = (
        bytes(4)  # secs, flags
        + bytes((127, 1, 0, 1))  # ciaddr
        + bytes(12)  # yiaddr, siaddr, giaddr
        + mac.ljust(16, b"\x00")
        + bytes(192)
        + bytes.fromhex("63825363")
        + bytes((53, 1, 5, 54, 4))
        + server_id
        + bytes((61, 7, 1))
        + mac
        + bytes((43, len(OPTION_43)))
        + OPTION_43
        + bytes((120, len(OPTION_120)))
        + OPTION_120
        + b"\xff"
    )
    assert len(head) + 4 + len(tail) == 369
    return head, tail


class FixedReply(asyncio.DatagramProtocol):
    """Answer each datagram with the pre-built reply carrying its xid (or echo it)."""

    def __init__(self, head: bytes, tail: bytes, echo: bool) -> None:
        self.head, self.tail, self.echo = head, tail, echo
        self.transport: asyncio.DatagramTransport | None = None
        self.received = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.received += 1
        reply = data if self.echo else self.head + data[4:8] + self.tail
        self.transport.sendto(reply, addr)  # type: ignore[union-attr]

    def error_received(self, exc: Exception) -> None:  # e.g. ECONNREFUSED from a gone client
        pass


async def serve(address: str, port: int, receive_buffer: int, echo: bool) -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:  # as ucdhcp: SO_RCVBUFFORCE (root) ignores net.core.rmem_max
        sock.setsockopt(socket.SOL_SOCKET, getattr(socket, "SO_RCVBUFFORCE", 33), receive_buffer)
    except OSError:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    sock.bind((address, port))
    sock.setblocking(False)
    loop = asyncio.get_running_loop()
    head, tail = build_reply(socket.inet_aton(address))
    transport, protocol = await loop.create_datagram_endpoint(
        lambda: FixedReply(head, tail, echo), sock=sock
    )
    stopped = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopped.set)
    _event("server_started", address=address, port=sock.getsockname()[1], echo=echo)
    try:
        await stopped.wait()
    finally:
        transport.close()
        _event("server_stopped", received=protocol.received)


def _event(name: str, **fields: object) -> None:
    print(json.dumps({"event": name, **fields}), flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--address", default="127.0.0.1", help="127.0.0.0/8 (or netns veth)")
    parser.add_argument("--port", type=int, default=0, help="0: any free port (printed)")
    parser.add_argument(
        "--receive-buffer", type=int, default=32 << 20, help="as ucdhcp's default (since 4ab319c)"
    )
    parser.add_argument("--echo", action="store_true", help="send the request back instead")
    args = parser.parse_args(argv)
    refused = target_refused(args.address)
    if refused is not None:
        parser.error(refused)
    uvloop.run(serve(args.address, args.port, args.receive_buffer, args.echo))
    return 0


if __name__ == "__main__":
    sys.exit(main())
