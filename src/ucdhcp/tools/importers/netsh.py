"""`netsh dhcp server` as admins have it: the commands of a script (DHCPConfigScript.bat,
ucdhcp's netsh export), a `netsh dhcp server dump` (`Dhcp Server \\\\NAME ...` lines), and the
pasted output of `netsh dhcp server [scope X] show optionvalue`.

Strategy: one pass, line by line. Commands carry their scope; `show optionvalue` output is read
with a little state (which scope, which vendor and user class) that each section header sets.
netsh sometimes leaves a header out: output without "Options for ..." is server level, and a
code other than sub-options 1-5 under a phone's vendor class is read as a standard option.
"""

import re
import shlex
from dataclasses import dataclass, field

from .seen import Seen, UnreadableInputError, export_site_names
from .windows import (
    STANDARD,
    WindowsServer,
    option_code,
    phone_codes_under_vendor,
    typed_value,
)

_PREFIX = re.compile(r"^\s*(?:netsh\s+)?dhcp\s+server\s+(?:\\\\\S+\s+)?", re.I)


def read(text: str) -> Seen:
    """Raises UnreadableInputError when no netsh command or output is found."""
    server = WindowsServer(Seen("netsh", names=export_site_names(text)))
    output = _ShowOutput(server)
    found = False
    for number, line in enumerate(text.splitlines(), 1):
        if _PREFIX.match(line):
            found |= _command(server, _PREFIX.sub("", line), f"line {number}", output)
        elif output.line(line, f"line {number}"):
            found = True
    output.flush()
    if not found:
        raise UnreadableInputError("no netsh dhcp server commands or show optionvalue output found")
    return server.finish(text)


def _command(server: WindowsServer, rest: str, where: str, output: "_ShowOutput") -> bool:
    if "%" in rest:  # a script's parameters (DHCPConfigScript.bat %2 ...): no values here
        return True
    try:
        tokens = shlex.split(rest, posix=True)
    except ValueError:
        server.seen.warn("unreadable_line", f"{where}: unbalanced quotes, line skipped")
        return True
    scope = None
    if len(tokens) >= 2 and tokens[0].lower() == "scope":
        scope, tokens = tokens[1], tokens[2:]
    verb = " ".join(token.lower() for token in tokens[:2])
    if verb == "show optionvalue":
        output.start(scope)
    elif verb == "add class" and len(tokens) >= 5:
        server.add_class(tokens[2], _class_data(tokens[4], rest))
    elif verb == "add scope" and len(tokens) >= 4:
        server.add_scope(tokens[2], tokens[3])
    elif verb == "set optionvalue" and len(tokens) >= 4:
        _set_value(server, scope, tokens[2:], where)
    return True


def _class_data(token: str, line: str) -> bytes:
    # Scripts quote the text ("MS-UC-Client"); a dump writes the data as bare hex.
    quoted = f'"{token}"' in line
    if not quoted and re.fullmatch(r"(?:[0-9A-Fa-f]{2})+", token):
        return bytes.fromhex(token)
    return token.encode("latin-1")


def _set_value(server: WindowsServer, scope: str | None, tokens: list[str], where: str) -> None:
    code_text, kind, *rest = tokens
    settings = {
        key.lower(): value
        for key, _, value in (item.partition("=") for item in rest if "=" in item)
    }
    items = [item for item in rest if "=" not in item]
    if not server.carries(settings.get("user", ""), code_text, where):
        return
    code = option_code(code_text, where)
    data = typed_value(kind, items, f"{where}: option {code}")
    server.set_value(scope, settings.get("vendor", STANDARD), code, data)


@dataclass(slots=True)
class _ShowOutput:
    """The state of reading `show optionvalue` output."""

    server: WindowsServer
    scope: str | None = None
    vendor: str = STANDARD
    user: str = ""
    skipping: bool = False  # a reservation's or another user class's values
    code: int | None = None
    kind: str = "BINARY"
    items: list[str] = field(default_factory=list)
    where: str = ""

    def start(self, scope: str | None) -> None:
        self.flush()
        self.scope, self.vendor, self.user, self.skipping = scope, STANDARD, "", False

    def line(self, line: str, where: str) -> bool:
        """Read one line; True when it belongs to show optionvalue output."""
        text = line.strip()
        if match := re.match(r"Options for (Server|Scope (\S+?)|Reservation .*?)\s*:?$", text):
            self.start(match[2])
            self.skipping = match[1].startswith("Reservation")
            if self.skipping:
                self.server.seen.warn("reservation", f"{where}: a reservation's options skipped")
            return True
        if match := re.match(r"For vendor class \[(.*)\]", text):
            self.flush()
            self.vendor = match[1]
            return True
        if match := re.match(r"For user class \[(.*)\]", text):
            self.flush()
            self.user = match[1]
            return True
        if re.match(r"(DHCP Standard Options|General Option Values)\s*:?$", text):
            self.flush()
            self.vendor, self.user = STANDARD, ""
            return True
        return self._value_line(text, where)

    def _value_line(self, text: str, where: str) -> bool:
        if match := re.match(r"OptionId\s*:\s*(\d+)", text):
            self.flush()
            self.code, self.items, self.kind, self.where = int(match[1]), [], "BINARY", where
            return True
        if match := re.match(r"Option Element Type\s*=\s*(\S+)", text):
            self.kind = match[1]
            return True
        if match := re.match(r"Option Element Value\s*=\s*(.*)$", text):
            self.items.append(match[1].strip())
            return True
        return bool(re.match(r"(Option Value:|Number of Option Elements)", text))

    def flush(self) -> None:
        if self.code is None:
            return
        code, self.code = self.code, None
        if self.skipping:
            return
        if not self.server.carries(self.user, code, self.where):
            return
        vendor = self.vendor
        if self.server.is_phone_class(vendor) and not phone_codes_under_vendor(vendor, code):
            self.server.seen.note(
                "section_header_missing",
                f"{self.where}: option {code} follows vendor class {vendor}'s options"
                " without a section header: read as a standard option",
            )
            vendor = STANDARD
        data = typed_value(self.kind, self.items, f"{self.where}: option {code}")
        self.server.set_value(self.scope, vendor, code, data)
