"""Framing of a received BOOTP/DHCP message over a memoryview of the datagram.

Strategy: the header is read in place; option TLVs are framed into a dict of code -> view
without copying (a repeated code is concatenated into bytes, RFC 3396 §7). Only the options
the decision needs are interpreted, lazily. A Message holds views into the datagram, so it is
request-scoped and must never be cached.
"""

from enum import IntEnum

from .errors import DecodeError
from .options import OptionCode

HEADER_LENGTH = 236  # RFC 2131 §2, Figure 1: fixed fields up to the end of `file`
MAGIC_COOKIE = b"\x63\x82\x53\x63"  # RFC 2131 §3
OPTIONS_START = HEADER_LENGTH + 4
SNAME = slice(44, 108)
FILE = slice(108, 236)
MAX_CHADDR = 16
BROADCAST_FLAG = 0x8000  # RFC 2131 §2, Figure 2

# Minimum lengths from RFC 2132 for the options the decision reads; shorter is malformed.
_MIN_LENGTH = {
    OptionCode.PARAMETER_REQUEST_LIST: 1,
    OptionCode.VENDOR_CLASS: 1,
    OptionCode.CLIENT_ID: 2,
    OptionCode.RELAY_AGENT_INFORMATION: 2,
}
_EXACT_LENGTH = {
    OptionCode.MESSAGE_TYPE: 1,
    OptionCode.MAX_MESSAGE_SIZE: 2,
    OptionCode.SUBNET_SELECTION: 4,
}


class Op(IntEnum):
    BOOTREQUEST = 1
    BOOTREPLY = 2


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
    """A framed request. Fields are read from the datagram on access."""

    __slots__ = ("message_type", "options", "packet")

    def __init__(self, packet: memoryview, options: dict[int, memoryview | bytes]) -> None:
        self.packet = packet
        self.options = options
        kind = options.get(OptionCode.MESSAGE_TYPE)
        self.message_type: int | None = None if kind is None else kind[0]

    @property
    def op(self) -> int:
        return self.packet[0]

    @property
    def htype(self) -> int:
        return self.packet[1]

    @property
    def hlen(self) -> int:
        return self.packet[2]

    @property
    def hops(self) -> int:
        return self.packet[3]

    @property
    def xid(self) -> int:
        return int.from_bytes(self.packet[4:8], "big")

    @property
    def secs(self) -> int:
        return int.from_bytes(self.packet[8:10], "big")

    @property
    def flags(self) -> int:
        return int.from_bytes(self.packet[10:12], "big")

    @property
    def ciaddr(self) -> bytes:
        return bytes(self.packet[12:16])

    @property
    def yiaddr(self) -> bytes:
        return bytes(self.packet[16:20])

    @property
    def giaddr(self) -> bytes:
        return bytes(self.packet[24:28])

    @property
    def chaddr(self) -> bytes:
        return bytes(self.packet[28 : 28 + self.packet[2]])

    @property
    def vendor_class(self) -> bytes | None:
        return self.option(OptionCode.VENDOR_CLASS)

    @property
    def parameter_request_list(self) -> bytes:
        return self.option(OptionCode.PARAMETER_REQUEST_LIST) or b""

    def option(self, code: int) -> bytes | None:
        value = self.options.get(code)
        return None if value is None else bytes(value)

    @property
    def max_message_size(self) -> int | None:
        value = self.options.get(OptionCode.MAX_MESSAGE_SIZE)
        return None if value is None else (value[0] << 8) | value[1]


def parse_message(datagram: bytes | bytearray | memoryview) -> Message:
    """Frame a datagram as a DHCP message.

    Raises:
        DecodeError: anything malformed (short header, bad cookie, hlen > 16, unknown op,
        an option running past its field, a bad length for an option the decision reads).
    """
    packet = memoryview(datagram)
    if len(packet) < OPTIONS_START:
        raise DecodeError(f"{len(packet)} bytes is shorter than a DHCP header")
    if packet[0] not in (Op.BOOTREQUEST, Op.BOOTREPLY):
        raise DecodeError(f"op {packet[0]} is neither BOOTREQUEST nor BOOTREPLY")
    if packet[2] > MAX_CHADDR:
        raise DecodeError(f"hlen {packet[2]} exceeds the 16-byte chaddr field")
    if packet[HEADER_LENGTH:OPTIONS_START] != MAGIC_COOKIE:
        raise DecodeError("missing DHCP magic cookie")
    options: dict[int, memoryview | bytes] = {}
    _frame_options(packet, OPTIONS_START, len(packet), options)
    overload = options.pop(OptionCode.OVERLOAD, None)
    if overload is not None:
        _frame_overload(packet, overload, options)
    _check_lengths(options)
    return Message(packet, options)


def _frame_overload(
    packet: memoryview, overload: memoryview | bytes, options: dict[int, memoryview | bytes]
) -> None:
    # RFC 2131 §4.1: read `options`, then `file`, then `sname`. An option 52 found inside those
    # fields is not followed again, so a crafted overload cannot loop.
    if len(overload) != 1 or overload[0] not in (1, 2, 3):
        raise DecodeError("option 52 must be one byte of value 1, 2 or 3")
    for field, bit in ((FILE, 1), (SNAME, 2)):
        if overload[0] & bit:
            _frame_options(packet, field.start, field.stop, options)
    options.pop(OptionCode.OVERLOAD, None)


def _frame_options(
    packet: memoryview, start: int, end: int, options: dict[int, memoryview | bytes]
) -> None:
    offset = start
    while offset < end:
        code = packet[offset]
        if code == 0:  # Pad
            offset += 1
            continue
        if code == 255:  # End
            return
        if offset + 1 >= end:
            raise DecodeError(f"option {code} has no length byte")
        stop = offset + 2 + packet[offset + 1]
        if stop > end:
            raise DecodeError(f"option {code} runs past the end of its field")
        value = packet[offset + 2 : stop]
        previous = options.get(code)
        # RFC 3396 §7: instances of one code are concatenated in the order they appear.
        options[code] = value if previous is None else bytes(previous) + bytes(value)
        offset = stop


def _check_lengths(options: dict[int, memoryview | bytes]) -> None:
    for code, length in _EXACT_LENGTH.items():
        value = options.get(code)
        if value is not None and len(value) != length:
            raise DecodeError(f"option {code} must be {length} bytes, got {len(value)}")
    for code, length in _MIN_LENGTH.items():
        value = options.get(code)
        if value is not None and len(value) < length:
            raise DecodeError(f"option {code} must be at least {length} bytes, got {len(value)}")
