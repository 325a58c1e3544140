"""A decoded option value with its lint findings, and the helpers every inspector shares:
reading pasted hex, dropping a copied code/length header, rendering."""

import re
from dataclasses import dataclass

from .lint import Lint, Severity


@dataclass(frozen=True, slots=True)
class Inspection:
    """What a value decodes to (`lines` for people, the fields for machines) and its lints."""

    option: int
    data: bytes
    lines: tuple[str, ...]
    lints: tuple[Lint, ...] = ()
    encoding: int | None = None  # option 120
    sip_servers: tuple[str, ...] = ()  # option 120: names or addresses
    suboptions: tuple[tuple[int, bytes], ...] = ()  # option 43
    url: str | None = None  # option 43, when sub-options 1-5 decode

    @property
    def ok(self) -> bool:
        return not any(lint.severity is Severity.ERROR for lint in self.lints)

    def as_dict(self) -> dict[str, object]:
        return {
            "option": self.option,
            "hex": self.data.hex().upper(),
            "length": len(self.data),
            "ok": self.ok,
            **self._fields(),
            "lints": [lint.as_dict() for lint in self.lints],
        }

    def _fields(self) -> dict[str, object]:
        if self.option == 120:
            return {"encoding": self.encoding, "sip_servers": list(self.sip_servers)}
        suboptions = [
            {"code": code, "hex": value.hex().upper(), "text": value.decode("latin-1")}
            for code, value in self.suboptions
        ]
        return {"suboptions": suboptions, "url": self.url}

    def suboption(self, code: int) -> bytes | None:
        return next((value for sub, value in self.suboptions if sub == code), None)


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
    """Drop a leading code and length byte that were copied along with the data."""
    if len(data) >= 2 and data[0] == option and data[1] == len(data) - 2:
        note = Lint(
            Severity.NOTE,
            "option_header_included",
            f"the value starts with the option code {option} and its length: decoded the"
            f" {len(data) - 2} data bytes after them",
        )
        return data[2:], [note]
    return data, []


def failed(option: int, data: bytes, reason: str, lints: list[Lint] | None = None) -> Inspection:
    error = Lint(Severity.ERROR, "undecodable", reason)
    return Inspection(option, data, (), (*(lints or []), error))


def render_inspection(inspection: Inspection) -> str:
    head = f"Option {inspection.option} ({len(inspection.data)} bytes):"
    lines = [f"{head} {inspection.data.hex().upper()}", *inspection.lines]
    lines += [str(lint) for lint in inspection.lints]
    return "\n".join(lines)
