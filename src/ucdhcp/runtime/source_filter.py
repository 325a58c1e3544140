"""Dropping the heaviest sources in the kernel while the receive queue is overloaded: a classic
BPF socket filter (SO_ATTACH_FILTER) on the listening sockets that lets through only one in
SAMPLE datagrams from each listed source address.

Strategy: shedding a source in Python still costs each of its datagrams a wake-up, a copy, an
address string and a callback (about 2.5 us compiled), which a flood from one host at the rate
one Python loop sends (300,000-400,000/s here) outruns on a shared core. The filter drops them
before they are queued, in the softirq that delivers them; the sample that gets through keeps
the source counted (limits.py), so it stays listed exactly as long as it stays over its share.
"""

import contextlib
import ctypes
import socket
import struct
from collections.abc import Iterable

SAMPLE = 64  # one datagram in SAMPLE from a filtered source still reaches the responder
MAX_SOURCES = 8  # the heaviest few: a flood spread over many sources is shed in Python
_SO_ATTACH_FILTER = 26  # Linux asm-generic/socket.h
_SO_DETACH_FILTER = 27
_SKF_NET_OFF = -0x100000  # loads relative to the IP header (linux/filter.h)
_SKF_AD_RANDOM = -0x1000 + 56  # ancillary load: a random u32
_LD_W_ABS, _JEQ_K, _JGT_K, _RET_K = 0x20, 0x15, 0x25, 0x06
_INSTRUCTION = struct.Struct("HBBI")  # struct sock_filter: code, jt, jf, k
_ACCEPT, _DROP = 0xFFFFFFFF, 0


def program(sources: Iterable[bytes]) -> bytes:
    """The BPF instructions: datagrams from `sources` (4-byte addresses) are dropped but one in
    SAMPLE, everything else accepted."""
    listed = list(sources)[:MAX_SOURCES]
    count = len(listed)
    code = [(_LD_W_ABS, 0, 0, (_SKF_NET_OFF + 12) & 0xFFFFFFFF)]  # IPv4 source address
    for index, address in enumerate(listed):
        # A match jumps to the sampling below; the jump counts the instructions in between.
        code.append((_JEQ_K, count - index, 0, int.from_bytes(address, "big")))
    code.append((_RET_K, 0, 0, _ACCEPT))
    code.append((_LD_W_ABS, 0, 0, _SKF_AD_RANDOM & 0xFFFFFFFF))
    code.append((_JGT_K, 1, 0, (1 << 32) // SAMPLE))  # above the threshold: drop
    code.append((_RET_K, 0, 0, _ACCEPT))
    code.append((_RET_K, 0, 0, _DROP))
    return b"".join(_INSTRUCTION.pack(*instruction) for instruction in code)


def attach(sock: socket.socket, sources: Iterable[bytes]) -> None:
    """Replace the socket's filter by one for `sources`. Raises OSError."""
    instructions = program(sources)
    buffer = ctypes.create_string_buffer(instructions, len(instructions))
    fprog = struct.pack("HL", len(instructions) // _INSTRUCTION.size, ctypes.addressof(buffer))
    sock.setsockopt(socket.SOL_SOCKET, _SO_ATTACH_FILTER, fprog)


def detach(sock: socket.socket) -> None:
    """Remove the socket's filter, if it has one."""
    with contextlib.suppress(OSError):  # ENOENT: no filter attached
        sock.setsockopt(socket.SOL_SOCKET, _SO_DETACH_FILTER, 0)
