"""The probe's network side: pick the interface, open UDP 68 on it, send the INFORM with
back-off and collect every answer for its xid until the window closes.

Strategy: the socket is bound to 0.0.0.0:68 *and* to the device (SO_BINDTODEVICE), with
SO_BROADCAST: it then receives both unicast replies to ciaddr and broadcast ones, and can send
to 255.255.255.255 even in a namespace without a default route.
"""

import ipaddress
import os
import random
import select
import socket
import time
from dataclasses import dataclass
from pathlib import Path

from ...runtime.addresses import InterfaceAddress
from ...runtime.netlink import list_ipv4_addresses
from ...runtime.sockets import SocketSpec, udp_socket
from ...wire.message import CLIENT_PORT
from ..deployment import ToolError
from .inform import Answer, Inform, decode_answer, encode_inform, retransmit_schedule


@dataclass(frozen=True, slots=True)
class ProbeInterface:
    name: str
    address: ipaddress.IPv4Address
    network: ipaddress.IPv4Network
    mac: bytes


def choose_interface(
    name: str | None, server: ipaddress.IPv4Address | None = None
) -> ProbeInterface:
    """The named interface, else the one on the server's subnet, else the first non-loopback.

    Raises:
        ToolError: no such interface, or it has no IPv4 address.
    """
    try:
        addresses = list_ipv4_addresses()
    except OSError as error:
        raise ToolError(f"cannot list interfaces: {error.strerror or error}") from None
    chosen = _pick(addresses, name, server)
    if chosen is None:
        if name is not None:
            raise ToolError(f"interface {name} does not exist or has no IPv4 address")
        raise ToolError("no interface with an IPv4 address (other than loopback): use --interface")
    return ProbeInterface(
        chosen.interface, chosen.address, chosen.network, read_mac(chosen.interface)
    )


def _pick(
    addresses: list[InterfaceAddress], name: str | None, server: ipaddress.IPv4Address | None
) -> InterfaceAddress | None:
    if name is not None:
        return next((entry for entry in addresses if entry.interface == name), None)
    candidates = [entry for entry in addresses if not entry.is_loopback]
    on_link = [entry for entry in candidates if server is not None and server in entry.network]
    return next(iter(on_link or candidates), None)


def read_mac(interface: str) -> bytes:
    """The interface's MAC (sysfs), or a random locally administered one if it has none."""
    try:
        text = Path(f"/sys/class/net/{interface}/address").read_text(encoding="ascii").strip()
        mac = bytes.fromhex(text.replace(":", ""))
    except (OSError, ValueError):
        mac = b""
    if len(mac) != 6 or not any(mac):
        mac = bytes((0x02, *os.urandom(5)))
    return mac


def open_client_socket(interface: ProbeInterface, port: int = CLIENT_PORT) -> socket.socket:
    """UDP `port` on all addresses of `interface` only, allowed to broadcast.

    Raises:
        ToolError: missing privileges or the port is taken.
    """
    try:
        sock = udp_socket(SocketSpec("0.0.0.0", port, receive_buffer=0), interface=interface.name)
    except OSError as error:
        raise ToolError(f"cannot open UDP {port} on {interface.name}: {_why(error)}") from None
    sock.setblocking(True)  # as a plain socket is: the probe waits with select() first
    return sock


def _why(error: OSError) -> str:
    if isinstance(error, PermissionError):
        return "needs root (or CAP_NET_RAW and CAP_NET_BIND_SERVICE)"
    return error.strerror or str(error)


@dataclass(frozen=True, slots=True)
class Exchange:
    answers: tuple[Answer, ...]
    transmissions: int
    listened: float  # seconds


def exchange(
    sock: socket.socket,
    inform: Inform,
    destination: tuple[str, int],
    timeout: float,
    settle: float,
    rng: random.Random,
) -> Exchange:
    """Send `inform` on the RFC 2131 schedule and collect answers to its xid.

    Retransmission stops at the first answer carrying an FQDN; listening goes on for `settle`
    more seconds (other servers), never past `timeout`.

    Raises:
        ToolError: the datagram cannot be sent (no route to the server, interface down).
    """
    schedule = retransmit_schedule(timeout, rng)
    start = time.monotonic()
    deadline = start + timeout
    answers: list[Answer] = []
    sent = 0
    while True:
        now = time.monotonic()
        if sent < len(schedule) and now - start >= schedule[sent]:
            _send(sock, encode_inform(inform, int(now - start)), destination)
            sent += 1
            continue
        next_send = start + schedule[sent] if sent < len(schedule) else deadline
        wait = min(deadline, next_send) - now
        if wait <= 0 and now >= deadline:
            return Exchange(tuple(answers), sent, now - start)
        answer = _receive(sock, max(wait, 0.0), inform.xid, start)
        if answer is None:
            continue
        answers.append(answer)
        if answer.fqdns and len(schedule) > sent:
            del schedule[sent:]  # a phone stops asking once it has an FQDN
        if answer.fqdns:
            deadline = min(deadline, time.monotonic() + settle)


def _send(sock: socket.socket, datagram: bytes, destination: tuple[str, int]) -> None:
    try:
        sock.sendto(datagram, destination)
    except OSError as error:
        raise ToolError(
            f"cannot send to {destination[0]}:{destination[1]}: {_why(error)}"
        ) from None


def _receive(sock: socket.socket, wait: float, xid: int, start: float) -> Answer | None:
    readable, _, _ = select.select([sock], [], [], wait)
    if not readable:
        return None
    try:
        datagram, (address, port) = sock.recvfrom(4096)
    except OSError:  # ICMP errors from an earlier send surface here: not an answer
        return None
    return decode_answer(datagram, f"{address}:{port}", time.monotonic() - start, xid)
