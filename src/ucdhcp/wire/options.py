"""Option codes and the codecs of the options ucdhcp sends: TLV framing with RFC 3396
splitting, option 120 (RFC 3361), option 43 encapsulation (RFC 2132 §8.4) and IPv4 lists.

Every encoder has its decoder beside it; decoders raise only DecodeError. `split_tlvs` is the
one strict walker of code/length/value runs inside an option (sub-options, RFC 3396 instances);
the message's own options are framed by message.py, on the per-packet path.
"""

import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from types import MappingProxyType
from typing import Final

from .errors import DecodeError
from .names import decode_names, encode_name


class OptionCode(IntEnum):
    PAD = 0
    TIME_SERVER = 4
    NTP_SERVERS = 42
    VENDOR_SPECIFIC = 43
    REQUESTED_ADDRESS = 50
    LEASE_TIME = 51
    OVERLOAD = 52
    MESSAGE_TYPE = 53
    SERVER_ID = 54
    PARAMETER_REQUEST_LIST = 55
    MAX_MESSAGE_SIZE = 57
    RENEWAL_TIME = 58
    REBINDING_TIME = 59
    VENDOR_CLASS = 60
    CLIENT_ID = 61
    RELAY_AGENT_INFORMATION = 82
    SUBNET_SELECTION = 118
    SIP_SERVERS = 120
    END = 255


# How the tools label the options a site can send (RFC 2132 §3.6, §8.3, §8.4; RFC 3361).
OPTION_LABELS: Mapping[int, str] = MappingProxyType(
    {
        OptionCode.TIME_SERVER: "time servers",
        OptionCode.NTP_SERVERS: "NTP servers",
        OptionCode.VENDOR_SPECIFIC: "vendor specific",
        OptionCode.SIP_SERVERS: "SIP servers",
    }
)
_PAD: Final = int(OptionCode.PAD)
_END: Final = int(OptionCode.END)
MAX_OPTION_DATA = 255


@dataclass(frozen=True, slots=True)
class SubOptions:
    """TLVs found inside an option, in order; `has_end`: the walk stopped at an END byte."""

    items: tuple[tuple[int, bytes], ...]
    has_end: bool = False  # an END byte inside option 43 is legal but a sign of dnsmasq

    def get(self, code: int) -> bytes | None:
        return next((value for sub, value in self.items if sub == code), None)


def split_tlvs(
    data: bytes | memoryview, what: str = "option 43", *, pad_and_end: bool = True
) -> SubOptions:
    """Walk code/length/value runs; every byte must belong to one.

    Args:
        data: the bytes to walk.
        what: the option being walked, for error messages.
        pad_and_end: RFC 2132 §8.4 encapsulation: pad (0) is skipped and END (255) stops the
            walk. Without it (RFC 3046 §2.0 sub-options, RFC 3396 instances) 0 and 255 are
            codes like any other.

    Raises:
        DecodeError: a length byte missing or running past the end, or bytes after END that
        are not pad.
    """
    items: list[tuple[int, bytes]] = []
    offset = 0
    while offset < len(data):
        code = data[offset]
        if pad_and_end and code == _PAD:
            offset += 1
            continue
        if pad_and_end and code == _END:
            if any(data[offset + 1 :]):
                raise DecodeError(f"data after END inside {what}")
            return SubOptions(tuple(items), has_end=True)
        if offset + 1 >= len(data) or offset + 2 + data[offset + 1] > len(data):
            raise DecodeError(f"{what} sub-option {code} runs past the end")
        stop = offset + 2 + data[offset + 1]
        items.append((code, bytes(data[offset + 2 : stop])))
        offset = stop
    return SubOptions(tuple(items))


def encode_option(code: int, data: bytes) -> bytes:
    """Frame one option as TLV; data over 255 bytes becomes several instances (RFC 3396 §5)."""
    if not data:
        return bytes((code, 0))
    chunks = (data[i : i + MAX_OPTION_DATA] for i in range(0, len(data), MAX_OPTION_DATA))
    return b"".join(bytes((code, len(chunk))) + chunk for chunk in chunks)


def decode_option(tlvs: bytes, code: int) -> bytes:
    """The data of one option framed as one or more instances of `code` (RFC 3396 §5),
    concatenated: the inverse of encode_option.

    Raises:
        DecodeError: not a whole number of TLVs, or an instance of another code.
    """
    items = split_tlvs(tlvs, f"option {code}", pad_and_end=False).items
    if not items:
        raise DecodeError(f"no option {code} to decode")
    stray = next((other for other, _ in items if other != code), None)
    if stray is not None:
        raise DecodeError(f"option {stray} found where option {code} was expected")
    return b"".join(value for _, value in items)


# --- option 120: SIP servers (RFC 3361) ------------------------------------------------


class Option120Encoding(IntEnum):
    """Option 120's first byte: how the servers that follow are written (RFC 3361 §3)."""

    NAMES = 0  # RFC 3361 §3.1
    ADDRESSES = 1  # RFC 3361 §3.2


class SipServerEncoding(StrEnum):
    """A site's `sip_server_encoding`, as the config spells it, and the encoding it sends."""

    FQDN = "fqdn"
    IPV4 = "ipv4"

    @property
    def encoding(self) -> Option120Encoding:
        return (
            Option120Encoding.NAMES
            if self is SipServerEncoding.FQDN
            else Option120Encoding.ADDRESSES
        )


@dataclass(frozen=True, slots=True)
class SipServers:
    encoding: Option120Encoding
    servers: tuple[str, ...]
    compressed: bool = False


def encode_sip_servers(
    servers: Sequence[str | ipaddress.IPv4Address],
    encoding: Option120Encoding = Option120Encoding.NAMES,
) -> bytes:
    """Option 120 data: the encoding byte, then uncompressed names or 4-byte addresses.

    Raises:
        ValueError: empty list, a bad name or a bad IPv4 address.
    """
    if not servers:
        raise ValueError("at least one SIP server is required")
    if encoding is Option120Encoding.NAMES:
        return bytes((encoding,)) + b"".join(encode_name(str(name)) for name in servers)
    return bytes((encoding,)) + encode_ipv4_list(servers)


def decode_sip_servers(data: bytes) -> SipServers:
    """Decode option 120 data (already concatenated per RFC 3396).

    Raises:
        DecodeError: unknown encoding, empty list, malformed names or addresses.
    """
    if not data:
        raise DecodeError("option 120 is empty")
    encoding, body = data[0], bytes(data[1:])
    if encoding == Option120Encoding.NAMES:
        names, compressed = decode_names(body)
        return SipServers(Option120Encoding.NAMES, tuple(names), compressed)
    if encoding == Option120Encoding.ADDRESSES:
        return SipServers(Option120Encoding.ADDRESSES, decode_ipv4_list(body))
    raise DecodeError(f"option 120 encoding {encoding} is neither 0 (names) nor 1 (addresses)")


def decode_sip_server_instances(instances: Sequence[bytes]) -> SipServers:
    """Decode option 120 as it appeared on the wire, one payload per instance.

    RFC 3396 concatenation is tried first. A server that (wrongly) starts every instance with
    its own encoding byte is recognised too, but only if all instances agree: RFC 3361 §3
    forbids mixing encodings in one message.

    Raises:
        DecodeError: neither reading is valid, or the instances mix encodings.
    """
    try:
        return decode_sip_servers(b"".join(instances))
    except DecodeError as concatenated_error:
        if len(instances) < 2:
            raise
        parts = [decode_sip_servers(instance) for instance in instances]
        if len({part.encoding for part in parts}) > 1:
            raise DecodeError("option 120 mixes name and address encodings") from None
        if not all(part.servers for part in parts):
            raise concatenated_error from None
        servers = tuple(server for part in parts for server in part.servers)
        return SipServers(parts[0].encoding, servers, any(p.compressed for p in parts))


# --- IPv4 address lists: options 4, 42 (RFC 2132 §3.6, §8.3) and 120 encoding 1 ----------


def encode_ipv4_list(addresses: Iterable[str | ipaddress.IPv4Address]) -> bytes:
    """Concatenate 4-byte addresses. Raises ValueError on a bad address."""
    return b"".join(ipaddress.IPv4Address(address).packed for address in addresses)


def decode_ipv4_list(data: bytes) -> tuple[str, ...]:
    """Split a non-empty multiple of 4 bytes into dotted quads."""
    if not data or len(data) % 4:
        raise DecodeError(f"an IPv4 list needs a non-zero multiple of 4 bytes, got {len(data)}")
    return tuple(str(ipaddress.IPv4Address(bytes(data[i : i + 4]))) for i in range(0, len(data), 4))


# --- option 43: encapsulated vendor-specific sub-options (RFC 2132 §8.4) ----------------


def encode_suboptions(items: Iterable[tuple[int, bytes]]) -> bytes:
    """Concatenate sub-option TLVs in the given order, without an END byte.

    Raises:
        ValueError: a code outside 1-254 or a value longer than 255 bytes.
    """
    out = bytearray()
    for code, value in items:
        if not 1 <= code <= 254:
            raise ValueError(f"sub-option code {code} must be 1-254")
        if len(value) > MAX_OPTION_DATA:
            raise ValueError(f"sub-option {code} is longer than 255 bytes")
        out += bytes((code, len(value))) + value
    return bytes(out)


def decode_suboptions(data: bytes) -> SubOptions:
    """Walk option 43 sub-options; pad (0) is skipped, END (255) stops the walk.

    Raises:
        DecodeError: a length running past the end, or bytes after END that are not pad.
    """
    return split_tlvs(data, "option 43")
