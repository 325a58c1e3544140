"""Microsoft's DHCPUtil as admins have it: its console output (`Option 120: HEX`, the vendor
class, `Sub-Option N <name>: HEX` for 1-5; protocol.md §3), and the calls it makes to its
companion script, `DHCPConfigScript.bat Configure CLASS-DATA 120-HEX SUB1..SUB5-HEX`.

DHCPUtil sets values at server level only, so every run read here is server level: the default
site. Several runs in one file that disagree are reported by sites.py.
"""

import re
from dataclasses import dataclass, field

from ...wire.vendor import MS_UC_CLIENT
from .seen import ScopeValues, Seen, UnreadableInputError, hex_bytes, windows_option_43

_OPTION_120 = re.compile(r"^\s*Option 120\s*:\s*([0-9A-Fa-f\s]+)$")
_VENDOR_CLASS = re.compile(
    r"^\s*(?:Vendor Class(?: Identifier)?\s*:\s*(\S.*?)|Option 43 \(for vendor=(.+)\)\s*:?)\s*$",
    re.I,
)
_SUBOPTION = re.compile(r"^\s*Sub-Option (\d+)\b[^:]*:\s*([0-9A-Fa-f]+)\s*$")
_OPTION_43 = re.compile(r"^\s*Option 43\s*:\s*([0-9A-Fa-f]+)\s*$")
_SCRIPT_CALL = re.compile(r"DHCPConfigScript(?:\.bat|\.cmd)?\"?\s+(\S.*)$", re.I)
_MISSING = "NULL"  # the script's placeholder for a value DHCPUtil did not give


@dataclass(slots=True)
class _Run:
    where: str
    option_120: bytes | None = None
    vendor_class: bytes = MS_UC_CLIENT
    suboptions: dict[int, bytes] = field(default_factory=dict)
    option_43: bytes | None = None


def read(text: str) -> Seen:
    """Raises UnreadableInputError when neither DHCPUtil output nor a script call is found."""
    seen = Seen("dhcputil")
    runs: list[_Run] = []
    for number, line in enumerate(text.splitlines(), 1):
        where = f"line {number}"
        if match := _SCRIPT_CALL.search(line):
            call = _script_call(match[1].split(), where, seen)
            if call is not None:
                runs.append(call)
        elif match := _OPTION_120.match(line):
            runs.append(_Run(f"DHCPUtil output at {where}", hex_bytes(match[1], where)))
        elif runs:
            _output_line(runs[-1], line, where)
    if not runs:
        raise UnreadableInputError("no DHCPUtil output (Option 120: ...) or script call found")
    seen.scopes += [_scope(run, seen) for run in runs]
    return seen


def _output_line(run: _Run, line: str, where: str) -> None:
    if match := _SUBOPTION.match(line):
        run.suboptions[int(match[1])] = hex_bytes(match[2], where)
    elif match := _OPTION_43.match(line):
        run.option_43 = hex_bytes(match[1], where)
    elif match := _VENDOR_CLASS.match(line):
        run.vendor_class = (match[1] or match[2]).strip().encode("latin-1")


def _script_call(arguments: list[str], where: str, seen: Seen) -> _Run | None:
    values = [argument.strip('"') for argument in arguments]
    if values and values[0].lower() == "cleanup":
        seen.note("cleanup_call", f"{where}: a Cleanup call removes values: nothing to carry")
        return None
    if len(values) < 3 or values[0].lower() != "configure" or "%" in " ".join(values):
        return None  # the script's own text, or a call without values
    run = _Run(f"script call at {where}", hex_bytes(values[2], f"{where}: option 120"))
    run.vendor_class = values[1].encode("latin-1")
    for code, value in enumerate(values[3:8], 1):
        if value.upper() != _MISSING:
            run.suboptions[code] = hex_bytes(value, f"{where}: sub-option {code}")
    return run


def _scope(run: _Run, seen: Seen) -> ScopeValues:
    option_43 = windows_option_43(run.suboptions) if run.suboptions else run.option_43
    if run.vendor_class.rstrip(b"\0") != MS_UC_CLIENT and option_43 is not None:
        seen.warn(
            "other_vendor_class",
            f"{run.where}: option 43 for vendor class {run.vendor_class.decode('latin-1')!r}"
            " not carried: ucdhcp answers MS-UC-Client phones only",
        )
        option_43 = None
    return ScopeValues(run.where, None, run.option_120, option_43)
