"""What an option value decodes to, with its lint findings; rendered for people or as JSON."""

from dataclasses import dataclass

from ...wire.options import OptionCode
from ..lint import Lint, Severity


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
        if self.option == OptionCode.SIP_SERVERS:
            return {"encoding": self.encoding, "sip_servers": list(self.sip_servers)}
        suboptions = [
            {"code": code, "hex": value.hex().upper(), "text": value.decode("latin-1")}
            for code, value in self.suboptions
        ]
        return {"suboptions": suboptions, "url": self.url}

    def suboption(self, code: int) -> bytes | None:
        return next((value for sub, value in self.suboptions if sub == code), None)


def failed(option: int, data: bytes, reason: str, lints: list[Lint] | None = None) -> Inspection:
    error = Lint(Severity.ERROR, "undecodable", reason)
    return Inspection(option, data, (), (*(lints or []), error))


def render_inspection(inspection: Inspection) -> str:
    head = f"Option {inspection.option} ({len(inspection.data)} bytes):"
    lines = [f"{head} {inspection.data.hex().upper()}", *inspection.lines]
    lines += [str(lint) for lint in inspection.lints]
    return "\n".join(lines)
