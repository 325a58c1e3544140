"""Option values as people paste them: hex in any common spelling, sometimes with the option's
code and length copied along."""

import re

from ...wire.errors import DecodeError
from ...wire.options import decode_option
from ..lint import Lint, Severity


def parse_hex(text: str) -> bytes:
    """Hex as people paste it: `0006706f`, `00:06:70:6f`, `0x00,0x06`, `0006.706f`, spaced.

    Raises:
        ValueError: nothing given, a character that is not a hex digit, or an odd count.
    """
    cleaned = re.sub(r"0x", "", text.strip(), flags=re.IGNORECASE)
    cleaned = re.sub(r"[\s:.,\-]", "", cleaned)
    shown = repr(text.strip()[:60])
    if not cleaned:
        raise ValueError("no hex digits given")
    stray = re.search(r"[^0-9A-Fa-f]", cleaned)
    if stray:
        raise ValueError(f"not hex: {stray.group()!r} is not a hex digit in {shown}")
    if len(cleaned) % 2:
        raise ValueError(f"not an even number of hex digits: {shown}")
    return bytes.fromhex(cleaned)


def strip_option_header(option: int, data: bytes) -> tuple[bytes, list[Lint]]:
    """Drop the code and length bytes copied along with the data: one instance of the option,
    or several (RFC 3396 splitting, as a capture shows a long option)."""
    if data[:1] != bytes((option,)):
        return data, []
    try:
        body = decode_option(data, option)
    except DecodeError:  # not framed as the option: the data itself starts with that byte
        return data, []
    instances = (len(data) - len(body)) // 2
    if instances == 1:
        what = f"the value starts with the option code {option} and its length"
    else:
        what = f"the value is {instances} instances of option {option}, each with code and length"
    note = Lint(
        Severity.NOTE,
        "option_header_included",
        f"{what}: decoded the {len(body)} data bytes after them",
    )
    return body, [note]
