"""Encoding of a BOOTREPLY to a framed request (RFC 2131 §4.3, Table 3).

Strategy: the reply is a join of a few pre-encoded pieces and slices of the request; no option
is encoded per packet except the echoed 61/82, which are copied. Options that would push the
reply past the client's size limit are left out rather than truncated.
"""

from collections.abc import Sequence

from .message import BROADCAST_FLAG, MAGIC_COOKIE, Message
from .options import OptionCode, encode_option

MIN_REPLY = 300  # BOOTP minimum (RFC 951 §3); some relays and clients drop shorter packets
DEFAULT_MAX_MESSAGE = 576  # without option 57 (RFC 2131 §2, RFC 2132 §9.10)
MAX_MESSAGE_CAP = 1472  # never rely on fragmentation: Ethernet MTU less IP and UDP headers
_END = b"\xff"
_ZERO_YIADDR_SIADDR = bytes(8)
_ZERO_SNAME_FILE_COOKIE = bytes(192) + MAGIC_COOKIE
_PAD = bytes(MIN_REPLY)

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
        OptionCode.END,
    }
)


def max_reply_size(request: Message) -> int:
    """The size limit for the reply: 576, or more when the client's option 57 allows it."""
    requested = request.max_message_size
    if requested is None or requested <= DEFAULT_MAX_MESSAGE:
        return DEFAULT_MAX_MESSAGE
    return min(requested, MAX_MESSAGE_CAP)


def encode_reply(
    request: Message,
    message_type: int,
    server_id: bytes,
    options: Sequence[bytes],
    *,
    broadcast: bool = False,
) -> bytes | None:
    """Build the reply to `request`.

    Args:
        request: the framed request; xid, flags, ciaddr, giaddr, htype, hlen, chaddr are copied.
        message_type: the DHCP message type of the reply (5 ACK, 2 OFFER).
        server_id: the 4-byte server identifier (option 54, RFC 2131 §4.1).
        options: pre-encoded option TLVs in the order to send them; any that do not fit the
            size limit are left out.
        broadcast: set the BROADCAST flag (replies through a relay to a client without address).

    Returns:
        The datagram: 53, 54, the echoed 61, `options`, the echoed 82, End, padded to 300
        bytes; or None when `options` is not empty and none of them fits (an answer without
        them would be useless and could shadow another server's).
    """
    packet = request.packet
    flags: bytes | memoryview = packet[10:12]
    if broadcast and not flags[0] & (BROADCAST_FLAG >> 8):
        flags = bytes((flags[0] | (BROADCAST_FLAG >> 8), flags[1]))
    parts: list[bytes | memoryview] = [
        b"\x02",
        packet[1:3],  # htype, hlen
        b"\x00",  # hops
        packet[4:8],  # xid
        b"\x00\x00",  # secs
        flags,
        packet[12:16],  # ciaddr
        _ZERO_YIADDR_SIADDR,
        packet[24:44],  # giaddr, chaddr
        _ZERO_SNAME_FILE_COOKIE,
        bytes((OptionCode.MESSAGE_TYPE, 1, message_type, OptionCode.SERVER_ID, 4)),
        server_id,
    ]
    size = 249
    budget = max_reply_size(request) - 1  # keep room for End
    client_id = request.options.get(OptionCode.CLIENT_ID)
    if client_id is not None:  # RFC 6842 §3: echoed unaltered (a 61 too big to fit is not)
        echoed = encode_option(OptionCode.CLIENT_ID, bytes(client_id))
        if size + len(echoed) <= budget:
            parts.append(echoed)
            size += len(echoed)
    included = 0
    for option in options:
        if size + len(option) <= budget:
            parts.append(option)
            size += len(option)
            included += 1
    if options and not included:
        return None
    relay_info = request.options.get(OptionCode.RELAY_AGENT_INFORMATION)
    if relay_info is not None:  # RFC 3046 §2.2: last, byte for byte, or not at all
        echoed = encode_option(OptionCode.RELAY_AGENT_INFORMATION, bytes(relay_info))
        if size + len(echoed) <= budget:
            parts.append(echoed)
            size += len(echoed)
    parts.append(_END)
    if size + 1 < MIN_REPLY:
        parts.append(_PAD[: MIN_REPLY - size - 1])
    return b"".join(parts)
