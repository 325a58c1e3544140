"""Option 82, relay agent information (RFC 3046): sub-option TLVs, read for link selection.

The option is echoed to the relay byte for byte; only sub-option 5 (RFC 3527 link selection)
is interpreted, to choose the site.
"""

from collections.abc import Iterable

from .errors import DecodeError
from .options import split_tlvs

LINK_SELECTION = 5  # RFC 3527 §3


def decode_relay_agent_information(data: bytes | memoryview) -> dict[int, bytes]:
    """Split option 82 into sub-options; a repeated sub-option keeps its first value.

    Raises:
        DecodeError: a sub-option length that runs past the end (RFC 3046 §2.0 has no pad).
    """
    subs: dict[int, bytes] = {}
    for code, value in split_tlvs(data, "option 82", pad_and_end=False).items:
        subs.setdefault(code, value)
    return subs


def encode_relay_agent_information(subs: Iterable[tuple[int, bytes]]) -> bytes:
    """Concatenate sub-option TLVs in order (used by tests and the probe)."""
    return b"".join(bytes((code, len(value))) + value for code, value in subs)


def link_selection(data: bytes | memoryview) -> bytes | None:
    """The RFC 3527 link-selection address in option 82, if present.

    Raises:
        DecodeError: option 82 is malformed or sub-option 5 is not 4 bytes.
    """
    value = decode_relay_agent_information(data).get(LINK_SELECTION)
    if value is not None and len(value) != 4:
        raise DecodeError(f"link-selection sub-option must be 4 bytes, got {len(value)}")
    return value
