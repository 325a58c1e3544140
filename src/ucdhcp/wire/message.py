"""Framing of a received BOOTP/DHCP message.

Strategy: the option TLVs are framed without copying anything: each code maps to the offset
of its value in the datagram (the length is the byte before it). Framing reads the datagram's
own bytes object (bytes indexing is native C when compiled; a memoryview is a generic object
there). A code seen more than once is concatenated (RFC 3396 §7) into `joined`, the rare case,
from memoryview slices of the datagram. Only values the decision needs are ever materialised,
and only when asked for. A Message refers to the datagram, so it is request-scoped and must
never be cached.
"""

import re
from collections.abc import Mapping
from enum import IntEnum
from types import MappingProxyType
from typing import Final

from .errors import DecodeError
from .options import OptionCode

HEADER_LENGTH: Final = 236  # RFC 2131 §2, Figure 1: fixed fields up to the end of `file`
MAGIC_COOKIE: Final = b"\x63\x82\x53\x63"  # RFC 2131 §3
SERVER_PORT: Final = 67  # RFC 2131 §4.1: servers and relays listen here
CLIENT_PORT: Final = 68  # RFC 2131 §4.1: clients listen here
OPTIONS_START: Final = HEADER_LENGTH + 4
SNAME = slice(44, 108)
FILE = slice(108, 236)
MAX_CHADDR: Final = 16
MAX_HOPS: Final = 16  # RFC 1542 §4.1.1: relays discard beyond this (protocol.md §10)
# No DHCP client sends more than an Ethernet frame's worth; refusing longer datagrams before
# framing bounds what one junk datagram can cost.
MAX_DATAGRAM: Final = 1500
MAX_INSTANCES: Final = 255  # of one option code: more is junk, not RFC 3396 splitting
_NOT_PAD: Final = re.compile(rb"[^\x00]")
_Repeats = dict[int, list[int]]  # code -> offset of each instance's value
_NONE_JOINED: Mapping[int, bytes] = MappingProxyType({})  # most messages repeat nothing
BROADCAST_FLAG: Final = 0x8000  # RFC 2131 §2, Figure 2
BROADCAST_BIT: Final = BROADCAST_FLAG >> 8  # the flag in the first byte of `flags`
FLAGS = slice(10, 12)
CIADDR = slice(12, 16)
GIADDR = slice(24, 28)
# The per-packet code slices with literal bounds (the slices above, spelled out): mypyc
# compiles `bytes[slice_object]` as an integer index, which raises TypeError.


class Op(IntEnum):
    BOOTREQUEST = 1
    BOOTREPLY = 2


# Plain ints, not enum members: these are read for every packet.
_BOOTREQUEST: Final = int(Op.BOOTREQUEST)
_BOOTREPLY: Final = int(Op.BOOTREPLY)
_PAD: Final = int(OptionCode.PAD)
_END: Final = int(OptionCode.END)
_OVERLOAD: Final = int(OptionCode.OVERLOAD)
_MESSAGE_TYPE: Final = int(OptionCode.MESSAGE_TYPE)
_MAX_MESSAGE_SIZE: Final = int(OptionCode.MAX_MESSAGE_SIZE)
_VENDOR_CLASS: Final = int(OptionCode.VENDOR_CLASS)
_PARAMETERS: Final = int(OptionCode.PARAMETER_REQUEST_LIST)
# Lengths RFC 2132 (and RFC 3011 for 118) fixes for the options the decision reads;
# anything else is malformed. Checked per instance while framing, and again on the
# concatenation of repeated ones.
_EXACT = {_MESSAGE_TYPE: 1, _MAX_MESSAGE_SIZE: 2, int(OptionCode.SUBNET_SELECTION): 4}
_MINIMUM = {
    _PARAMETERS: 1,
    _VENDOR_CLASS: 1,
    int(OptionCode.CLIENT_ID): 2,
    int(OptionCode.RELAY_AGENT_INFORMATION): 2,
}


def _length_table(lengths: Mapping[int, int]) -> bytes:
    table = bytearray(256)
    for code, length in lengths.items():
        table[code] = length
    return bytes(table)


# The same, indexed by code (0: no rule): one native byte read per option, no dict look-up.
_EXACT_LENGTH: Final = _length_table(_EXACT)
_MINIMUM_LENGTH: Final = _length_table(_MINIMUM)


class MessageType(IntEnum):
    DISCOVER = 1
    OFFER = 2
    REQUEST = 3
    DECLINE = 4
    ACK = 5
    NAK = 6
    RELEASE = 7
    INFORM = 8


class Message:
    """A framed request. Header fields the decision always needs are read once."""

    __slots__ = ("ciaddr", "data", "giaddr", "joined", "message_type", "offsets", "op")

    def __init__(self, data: bytes, offsets: dict[int, int], joined: Mapping[int, bytes]) -> None:
        self.data = data  # the datagram
        self.offsets = offsets  # code -> offset of the value's first byte
        self.joined = joined  # code -> concatenated value, for codes seen more than once
        self.op: int = data[0]
        self.ciaddr: bytes = data[12:16]  # CIADDR
        self.giaddr: bytes = data[24:28]  # GIADDR
        start = offsets.get(_MESSAGE_TYPE)
        self.message_type: int | None = None if start is None else data[start]

    def option(self, code: int) -> bytes | None:
        """The value of an option (concatenated if repeated), or None if absent."""
        start = self.offsets.get(code)
        if start is None:
            return None
        if self.joined and code in self.joined:
            return self.joined[code]
        return self.data[start : start + self.data[start - 1]]

    @property
    def options(self) -> dict[int, bytes]:
        """Every option present, materialised (for tools and tests, not the hot path)."""
        return {code: value for code in self.offsets if (value := self.option(code)) is not None}

    @property
    def packet(self) -> memoryview:
        """The datagram as a memoryview (slices of it copy nothing)."""
        return memoryview(self.data)

    @property
    def htype(self) -> int:
        return self.data[1]

    @property
    def hlen(self) -> int:
        return self.data[2]

    @property
    def hops(self) -> int:
        return self.data[3]

    @property
    def xid(self) -> int:
        return int.from_bytes(self.data[4:8], "big")

    @property
    def secs(self) -> int:
        return int.from_bytes(self.data[8:10], "big")

    @property
    def flags(self) -> int:
        return int.from_bytes(self.data[10:12], "big")  # FLAGS

    @property
    def broadcast(self) -> bool:
        """The client's BROADCAST flag (RFC 2131 §2, Figure 2)."""
        return bool(self.data[10] & BROADCAST_BIT)

    @property
    def yiaddr(self) -> bytes:
        return self.data[16:20]

    @property
    def chaddr(self) -> bytes:
        return self.data[28 : 28 + self.data[2]]

    @property
    def vendor_class(self) -> bytes | None:
        return self.option(_VENDOR_CLASS)

    @property
    def parameter_request_list(self) -> bytes:
        return self.option(_PARAMETERS) or b""

    @property
    def max_message_size(self) -> int | None:
        value = self.option(_MAX_MESSAGE_SIZE)
        return None if value is None else (value[0] << 8) | value[1]


def parse_message(datagram: bytes | bytearray | memoryview) -> Message:
    """Frame a datagram as a DHCP message.

    Raises:
        DecodeError: anything malformed (short header, bad cookie, hlen > 16, unknown op,
        an option running past its field, a bad length for an option the decision reads).
    """
    data = datagram if type(datagram) is bytes else bytes(datagram)
    size = len(data)
    if size < OPTIONS_START:
        raise DecodeError(f"{size} bytes is shorter than a DHCP header")
    if size > MAX_DATAGRAM:
        raise DecodeError(f"{size} bytes is longer than any DHCP request ({MAX_DATAGRAM})")
    op = data[0]
    if op not in (_BOOTREQUEST, _BOOTREPLY):
        raise DecodeError(f"op {op} is neither BOOTREQUEST nor BOOTREPLY")
    if data[2] > MAX_CHADDR:
        raise DecodeError(f"hlen {data[2]} exceeds the 16-byte chaddr field")
    if data[3] > MAX_HOPS:
        raise DecodeError(f"hops {data[3]} exceeds {MAX_HOPS}: a relay loop (RFC 1542 §4.1.1)")
    if data[236:240] != MAGIC_COOKIE:  # HEADER_LENGTH:OPTIONS_START, spelled out for mypyc
        raise DecodeError("missing DHCP magic cookie")
    offsets: dict[int, int] = {}
    repeats: _Repeats = {}
    _frame(data, OPTIONS_START, size, offsets, repeats)
    if _OVERLOAD in offsets:
        _frame_overload(data, offsets, repeats)
    if not repeats:
        return Message(data, offsets, _NONE_JOINED)
    # Joined once at the end, from views of the datagram: linear in the datagram, however
    # many instances there are.
    packet = memoryview(data)
    joined = {
        code: b"".join([packet[start : start + data[start - 1]] for start in starts])
        for code, starts in repeats.items()
    }
    for code, value in joined.items():
        _check_length(code, len(value))
    return Message(data, offsets, joined)


def _frame_overload(data: bytes, offsets: dict[int, int], repeats: _Repeats) -> None:
    # RFC 2131 §4.1: read `options`, then `file`, then `sname`. Option 52 found inside those
    # fields is not followed again, so a crafted overload cannot loop.
    start = offsets.pop(_OVERLOAD)
    if _OVERLOAD in repeats or data[start - 1] != 1 or data[start] not in (1, 2, 3):
        raise DecodeError("option 52 must be one byte of value 1, 2 or 3")
    overload = data[start]
    for field, bit in ((FILE, 1), (SNAME, 2)):
        if overload & bit:
            _frame(data, field.start, field.stop, offsets, repeats)
    offsets.pop(_OVERLOAD, None)
    repeats.pop(_OVERLOAD, None)


def _frame(data: bytes, offset: int, end: int, offsets: dict[int, int], repeats: _Repeats) -> None:
    while offset < end:
        code = data[offset]
        if code == _PAD:
            offset += 1
            if offset < end and data[offset] == _PAD:
                # A run of Pad is skipped in one scan: junk full of zeros costs no Python loop.
                found = _NOT_PAD.search(data, offset, end)
                if found is None:
                    return
                offset = found.start()
            continue
        if code == _END:
            return
        if offset + 1 >= end:
            raise DecodeError(f"option {code} has no length byte")
        start = offset + 2
        length = data[offset + 1]
        offset = start + length
        if offset > end:
            raise DecodeError(f"option {code} runs past the end of its field")
        exact = _EXACT_LENGTH[code]  # checked inline: this runs for every option of every packet
        if exact:
            if length != exact:
                raise DecodeError(f"option {code} must be {exact} bytes, got {length}")
        elif length < _MINIMUM_LENGTH[code]:
            raise DecodeError(
                f"option {code} must be at least {_MINIMUM_LENGTH[code]} bytes, got {length}"
            )
        if code in offsets:  # RFC 3396 §7: instances are concatenated in order of appearance
            starts = repeats.get(code)
            if starts is None:
                starts = repeats[code] = [offsets[code]]
            if len(starts) >= MAX_INSTANCES:
                raise DecodeError(f"option {code} appears more than {MAX_INSTANCES} times")
            starts.append(start)
        else:
            offsets[code] = start


def _check_length(code: int, length: int) -> None:
    exact = _EXACT_LENGTH[code]
    if exact and length != exact:
        raise DecodeError(f"option {code} must be {exact} bytes, got {length}")
    if length < _MINIMUM_LENGTH[code]:
        raise DecodeError(
            f"option {code} must be at least {_MINIMUM_LENGTH[code]} bytes, got {length}"
        )


# str(int) is the slow part of formatting
_OCTETS: Final = tuple(str(octet) for octet in range(256))


def dotted(address: bytes) -> str:
    """A 4-byte address field (ciaddr, giaddr, option 54...) as dotted-quad text."""
    octets = _OCTETS
    return f"{octets[address[0]]}.{octets[address[1]]}.{octets[address[2]]}.{octets[address[3]]}"
