"""RFC 1035 §3.1 domain names in wire form, as carried by option 120 (RFC 3361 §3.1).

Strategy: names are encoded uncompressed with the root label; the decoder accepts
compression pointers (RFC 1035 §4.1.4) only when they point strictly backwards, so a
hostile payload cannot make it loop.
"""

from .errors import DecodeError

MAX_LABEL = 63
MAX_NAME = 253  # presentation length; 255 on the wire including length bytes and root
_POINTER = 0xC0


def encode_name(fqdn: str) -> bytes:
    """Encode a dotted name as length-prefixed labels ending in the root label.

    Raises:
        ValueError: a label is empty, longer than 63 bytes, not ASCII, or the name too long.
    """
    labels = fqdn.rstrip(".").split(".")
    out = bytearray()
    for label in labels:
        raw = label.encode("ascii")
        if not 0 < len(raw) <= MAX_LABEL:
            raise ValueError(f"label {label!r} must be 1-{MAX_LABEL} characters")
        out.append(len(raw))
        out += raw
    out.append(0)
    if len(out) > MAX_NAME + 2:
        raise ValueError(f"name {fqdn!r} is longer than {MAX_NAME} characters")
    return bytes(out)


def decode_names(data: bytes) -> tuple[list[str], bool]:
    """Decode a packed list of names; returns (names, used_compression).

    Pointer offsets count from the start of ``data`` (the first name).

    Raises:
        DecodeError: truncated labels, forward or self pointers, non-ASCII labels.
    """
    names: list[str] = []
    offset = 0
    compressed = False
    while offset < len(data):
        name, offset, used_pointer = _decode_one(data, offset)
        names.append(name)
        compressed = compressed or used_pointer
    if not names:
        raise DecodeError("no domain name")
    return names, compressed


def _decode_one(data: bytes, start: int) -> tuple[str, int, bool]:
    labels: list[str] = []
    offset = start
    resume: int | None = None  # where the next name starts once a pointer was followed
    limit = 0  # each pointer must land before the previous target: the walk always ends
    while True:
        if offset >= len(data):
            raise DecodeError("domain name runs past the end of the option")
        length = data[offset]
        if length & _POINTER == _POINTER:
            if resume is None:
                resume, limit = offset + 2, offset
            offset = _follow_pointer(data, offset, limit)
            limit = offset
            continue
        if length & _POINTER:
            raise DecodeError(f"reserved label type 0x{length:02x}")
        if length == 0:
            end = offset + 1 if resume is None else resume
            return _join(labels), end, resume is not None
        labels.append(_label(data, offset + 1, length))
        offset += 1 + length


def _follow_pointer(data: bytes, offset: int, limit: int) -> int:
    if offset + 1 >= len(data):
        raise DecodeError("truncated compression pointer")
    target = ((data[offset] & 0x3F) << 8) | data[offset + 1]
    if target >= limit:
        raise DecodeError("compression pointer does not point backwards")
    return target


def _label(data: bytes, start: int, length: int) -> str:
    end = start + length
    if end > len(data):
        raise DecodeError("label runs past the end of the option")
    try:
        return data[start:end].decode("ascii")
    except UnicodeDecodeError:
        raise DecodeError("label is not ASCII") from None


def _join(labels: list[str]) -> str:
    if not labels:
        raise DecodeError("empty domain name (root label only)")
    name = ".".join(labels)
    if len(name) > MAX_NAME:
        raise DecodeError("domain name longer than 253 characters")
    return name
