"""Encoding of a BOOTREPLY to a framed request (RFC 2131 §4.3, Table 3).

Strategy: the reply is a join of a few pre-encoded pieces and slices of the request; no option
is encoded per packet except the echoed 61/82, which are copied. Options that would push the
reply past the client's size limit are left out rather than truncated.
"""

from collections.abc import Sequence
from typing import Final

from .message import BROADCAST_BIT, MAGIC_COOKIE, OPTIONS_START, Message
from .options import OptionCode, encode_option

MIN_REPLY: Final = 300  # BOOTP's size (RFC 951 §3, RFC 1542 §2.1; protocol.md §6)
# RFC 2131 §2: a client must accept 576-byte IP datagrams, i.e. a 312-byte options field and a
# 548-byte DHCP message. Option 57 (RFC 2132 §9.10) is read, as ISC dhcpd does, as a datagram
# size including the 28 bytes of IP and UDP headers.
IP_UDP_HEADERS: Final = 28
DEFAULT_MAX_MESSAGE: Final = 576 - IP_UDP_HEADERS
MAX_MESSAGE_CAP: Final = 1500 - IP_UDP_HEADERS  # never rely on fragmentation: one Ethernet frame
# Every reply carries, besides the options chosen for it: the header and cookie, option 53
# (code, length, type), option 54 (code, length, 4-byte address) and End.
MESSAGE_TYPE_SIZE: Final = 3
SERVER_ID_SIZE: Final = 6
END_SIZE: Final = 1
FIXED_SIZE: Final = OPTIONS_START + MESSAGE_TYPE_SIZE + SERVER_ID_SIZE  # before the echoed options

_END: Final = bytes((OptionCode.END,))
_ZERO_YIADDR_SIADDR: Final = bytes(8)
_ZERO_SNAME_FILE_COOKIE: Final = bytes(192) + MAGIC_COOKIE
_PAD: Final = bytes(MIN_REPLY)
_BUDGET: Final = DEFAULT_MAX_MESSAGE - END_SIZE
# Plain ints on the per-packet path (an IntEnum member lookup costs more than the work).
_MESSAGE_TYPE: Final = int(OptionCode.MESSAGE_TYPE)
_SERVER_ID: Final = int(OptionCode.SERVER_ID)
_CLIENT_ID: Final = int(OptionCode.CLIENT_ID)
_RELAY_AGENT_INFORMATION: Final = int(OptionCode.RELAY_AGENT_INFORMATION)
_MAX_MESSAGE_SIZE: Final = int(OptionCode.MAX_MESSAGE_SIZE)
_SUBNET_SELECTION: Final = int(OptionCode.SUBNET_SELECTION)

# Options a server must never put in a reply to INFORM, or that ucdhcp owns (RFC 2131 Table 3).
NEVER_SENT = frozenset(
    {
        OptionCode.PAD,
        OptionCode.REQUESTED_ADDRESS,
        OptionCode.LEASE_TIME,
        OptionCode.OVERLOAD,
        OptionCode.MESSAGE_TYPE,
        OptionCode.SERVER_ID,
        OptionCode.PARAMETER_REQUEST_LIST,
        OptionCode.MAX_MESSAGE_SIZE,
        OptionCode.RENEWAL_TIME,
        OptionCode.REBINDING_TIME,
        OptionCode.CLIENT_ID,
        OptionCode.RELAY_AGENT_INFORMATION,
        OptionCode.SUBNET_SELECTION,
        OptionCode.END,
    }
)


def room_for_options(echoed: int = 0, limit: int = DEFAULT_MAX_MESSAGE) -> int:
    """Bytes left for the chosen options in a reply of at most `limit` bytes that echoes
    `echoed` bytes of the client's options (61, 118, 82)."""
    return limit - FIXED_SIZE - echoed - END_SIZE


def max_reply_size(request: Message) -> int:
    """The size limit for the DHCP reply: 548 bytes (a 576-byte datagram), or more when the
    client's option 57 allows it, up to one Ethernet frame."""
    requested = request.max_message_size
    if requested is None or requested <= 576:
        return DEFAULT_MAX_MESSAGE
    return min(requested - IP_UDP_HEADERS, MAX_MESSAGE_CAP)


def encode_reply(
    request: Message,
    message_type: int,
    server_id: bytes,
    options: Sequence[bytes],
    *,
    broadcast: bool = False,
    joined: bytes | None = None,
) -> bytes | None:
    """Build the reply to `request`.

    Args:
        request: the framed request; xid, flags, ciaddr, giaddr, htype, hlen, chaddr are copied.
        message_type: the DHCP message type of the reply (5 ACK, 2 OFFER).
        server_id: the 4-byte server identifier (option 54, RFC 2131 §4.1).
        options: pre-encoded option TLVs in the order to send them; any that do not fit the
            size limit are left out.
        broadcast: set the BROADCAST flag (replies through a relay to a client without address).
        joined: `b"".join(options)`, when the caller has it already (a cache).

    Returns:
        The datagram: 53, 54, the echoed 61, `options`, the echoed 82, End, padded to 300
        bytes; or None when `options` is not empty and none of them fits (an answer without
        them would be useless and could shadow another server's).
    """
    data = request.data
    flags = data[10:12]  # FLAGS, spelled out for mypyc (wire/message.py)
    if broadcast and not request.broadcast:
        flags = bytes((data[10] | BROADCAST_BIT, data[11]))
    offsets = request.offsets
    budget = max_reply_size(request) - END_SIZE if _MAX_MESSAGE_SIZE in offsets else _BUDGET
    echoed = _echo(request, _CLIENT_ID) if _CLIENT_ID in offsets else b""  # RFC 6842 §3
    if _SUBNET_SELECTION in offsets:
        # RFC 3011 §2: a server that uses option 118 returns an identical copy, and clients
        # discard an ACK without it.
        echoed += _echo(request, _SUBNET_SELECTION)
    size = FIXED_SIZE + len(echoed)
    if size > budget:  # a client identifier too big to fit is not echoed (rare: > 250 bytes)
        echoed, size = b"", FIXED_SIZE
    body = b"".join(options) if joined is None else joined
    if size + len(body) > budget:
        body = _fitting(options, budget - size)
        if options and not body:
            return None
    size += len(body)
    tail = b""
    if _RELAY_AGENT_INFORMATION in offsets:  # RFC 3046 §2.2: last, byte for byte, or not at all
        tail = _echo(request, _RELAY_AGENT_INFORMATION)
        if size + len(tail) > budget:
            tail = b""
    size += len(tail) + END_SIZE
    return _assemble(data, flags, ack_prefix(message_type, server_id), echoed, body, tail, size)


def ack_prefix(message_type: int, server_id: bytes) -> bytes:
    """Options 53 and 54 as every reply of `message_type` from `server_id` starts them: the
    piece `encode_plain_reply` takes pre-encoded."""
    return bytes((_MESSAGE_TYPE, 1, message_type, _SERVER_ID, 4)) + server_id


def encode_plain_reply(request: Message, prefix: bytes, body: bytes) -> bytes | None:
    """`encode_reply` for a request without options 57, 82 and 118, none of them repeated,
    with the BROADCAST flag copied: the same bytes, from pre-encoded pieces.

    Args:
        prefix: `ack_prefix(message_type, server_id)`.
        body: the chosen option TLVs, joined.

    Returns:
        The datagram; None when the options do not all fit in 548 bytes (encode_reply then
        decides which to leave out).
    """
    data = request.data
    start = request.offsets.get(_CLIENT_ID)
    # RFC 6842 §3: the client identifier, echoed as sent.
    echoed = b"" if start is None else data[start - 2 : start + data[start - 1]]
    size = FIXED_SIZE + len(echoed) + len(body)
    if size > _BUDGET:
        return None
    return _assemble(data, data[10:12], prefix, echoed, body, b"", size + END_SIZE)


def _assemble(
    data: bytes, flags: bytes, prefix: bytes, echoed: bytes, body: bytes, tail: bytes, size: int
) -> bytes:
    """The reply's bytes (RFC 2131 Table 3): op 2, htype and hlen copied, hops 0, the xid,
    secs 0, `flags`, ciaddr copied, yiaddr and siaddr 0, giaddr and chaddr copied, sname and
    file empty, the cookie; then options 53 and 54 (`prefix`), the echoed options, the chosen
    ones, the echoed option 82 (`tail`) and End, padded to 300 bytes (`size`: the length
    before padding)."""
    reply = b"".join((
        b"\x02", data[1:3], b"\x00", data[4:8], b"\x00\x00", flags, data[12:16],
        _ZERO_YIADDR_SIADDR, data[24:44], _ZERO_SNAME_FILE_COOKIE, prefix, echoed, body, tail,
        _END,
    ))  # fmt: skip
    return reply if size >= MIN_REPLY else reply + _PAD[: MIN_REPLY - size]


def _fitting(options: Sequence[bytes], room: int) -> bytes:
    chosen = []
    for option in options:
        if len(option) <= room:
            chosen.append(option)
            room -= len(option)
    return b"".join(chosen)


def _echo(request: Message, code: int) -> bytes:
    """The option as the client sent it: its own TLV bytes, or re-framed if it was split."""
    if code in request.joined:
        return _tlv(code, request.joined[code])
    start = request.offsets[code]
    return request.data[start - 2 : start + request.data[start - 1]]


def _tlv(code: int, value: bytes) -> bytes:
    return bytes((code, len(value))) + value if len(value) <= 255 else encode_option(code, value)
