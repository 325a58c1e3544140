"""Step 4: each option 42 server answers an NTP query (RFC 5905 client mode, one 48-byte
packet over UDP 123), with its stratum and the offset of this machine's clock from it.

Strategy: the request carries a random transmit timestamp and an answer counts only if it
echoes it as its origin timestamp (RFC 5905 §8), so a stray or spoofed datagram is not taken
for the server's answer.
"""

import os
import select
import socket
import struct
import time
from dataclasses import dataclass

from .checklist import Check, Step, fail, ok, warn

NTP_PORT = 123
NTP_EPOCH = 2208988800  # seconds from 1900-01-01 (NTP era 0) to 1970-01-01
MODE_CLIENT = 3
MODE_SERVER = 4
VERSION = 4
LEAP_UNSYNCHRONISED = 3
MAX_OFFSET = 60.0  # seconds; beyond this, certificates and sign-in tokens start to fail
_PACKET = struct.Struct("!BBbb4s4s4s8s8s8s8s")  # RFC 5905 §7.3, without extensions


class NtpError(ValueError):
    """Not an NTP server answer to our request."""


@dataclass(frozen=True, slots=True)
class NtpAnswer:
    leap: int
    stratum: int
    reference: str  # reference ID: a kiss code at stratum 0, else an address or source name
    offset: float  # seconds: server clock minus this machine's
    delay: float  # round trip, seconds


def encode_request(transmit: bytes) -> bytes:
    """A client-mode request; `transmit` is the 8-byte transmit timestamp to be echoed."""
    first = (0 << 6) | (VERSION << 3) | MODE_CLIENT  # LI 0, VN 4, mode 3
    return _PACKET.pack(
        first, 0, 0, 0, bytes(4), bytes(4), bytes(4), bytes(8), bytes(8), bytes(8), transmit
    )


def decode_response(data: bytes, transmit: bytes, sent: float, received: float) -> NtpAnswer:
    """The server's answer to the request carrying `transmit`, with `sent`/`received` the local
    clock (Unix seconds) around the exchange.

    Raises:
        NtpError: too short, not a server-mode packet, or not an answer to this request.
    """
    if len(data) < _PACKET.size:
        raise NtpError(f"{len(data)} bytes, shorter than an NTP packet")
    first, stratum, _, _, _, _, reference, _, origin, receive, transmitted = _PACKET.unpack_from(
        data
    )
    if first & 0x07 != MODE_SERVER:
        raise NtpError(f"mode {first & 0x07}, not a server answer")
    if origin != transmit:
        raise NtpError("origin timestamp is not the request's")
    t2, t3 = _seconds(receive), _seconds(transmitted)
    return NtpAnswer(
        leap=first >> 6,
        stratum=stratum,
        reference=_reference(stratum, reference),
        offset=((t2 - sent) + (t3 - received)) / 2,  # RFC 5905 §8
        delay=(received - sent) - (t3 - t2),
    )


def _seconds(timestamp: bytes) -> float:
    whole, fraction = struct.unpack("!II", timestamp)
    return float(whole - NTP_EPOCH + fraction / 2**32)


def _reference(stratum: int, reference: bytes) -> str:
    if stratum <= 1:  # a kiss code (stratum 0) or a reference clock's name
        return reference.rstrip(b"\x00").decode("ascii", "replace")
    return ".".join(str(byte) for byte in reference)


def query(server: str, timeout: float) -> NtpAnswer:
    """One request to `server`:123; answers that do not match are ignored until `timeout`.

    Raises:
        TimeoutError: no matching answer in time.
        OSError: the request cannot be sent or the server refuses it (ICMP unreachable).
    """
    transmit = os.urandom(8)  # unpredictable, as RFC 5905 §9.1 advises for the origin check
    deadline = time.monotonic() + timeout
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.connect((server, NTP_PORT))
        sent = time.time()
        sock.send(encode_request(transmit))
        while (wait := deadline - time.monotonic()) > 0:
            if not select.select([sock], [], [], wait)[0]:
                break
            data = sock.recv(1024)
            received = time.time()
            try:
                return decode_response(data, transmit, sent, received)
            except NtpError:
                continue
    raise TimeoutError(f"no answer within {timeout:g} s")


def check_ntp(servers: tuple[str, ...], timeout: float) -> list[Check]:
    if not servers:
        return [
            warn(
                Step.TIME,
                "no option 42 (NTP servers): PIN sign-in needs the phone's clock set",
                "add ntp_servers to the site (option 42), or publish SRV _ntp._udp.<SIP domain>",
            )
        ]
    return [_check_one(server, timeout) for server in servers]


def _check_one(server: str, timeout: float) -> Check:
    fix = f"start NTP on {server} (UDP 123) and allow the phones' network, or correct option 42"
    try:
        answer = query(server, timeout)
    except TimeoutError as error:
        return fail(Step.TIME, f"NTP {server}: {error}", fix)
    except OSError as error:
        return fail(Step.TIME, f"NTP {server}: {error.strerror or error}", fix)
    shown = f"NTP {server}: stratum {answer.stratum}, offset {answer.offset:+.3f} s"
    if answer.stratum == 0 or answer.leap == LEAP_UNSYNCHRONISED:
        return fail(
            Step.TIME,
            f"NTP {server} is not synchronised (stratum {answer.stratum}, {answer.reference})",
            f"give {server} a time source (or a local reference clock)",
        )
    if abs(answer.offset) > MAX_OFFSET:
        return warn(Step.TIME, shown, f"check the clocks of {server} and of this machine")
    return ok(Step.TIME, shown)
