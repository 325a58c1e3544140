"""Decode and lint MS-UC-Client option 43 values (RFC 2132 §8.4 sub-options 1-5, or
CPE-OCPHONE's VLAN ID 10) copied from another server or a capture: reordered, truncated,
END-terminated, binary-port and NUL-terminated values are named as such.

Strategy: the sub-options are split by the strict wire walker (decode_suboptions); only a
value it rejects, or one it reads with pad or END bytes ucdhcp would not send, is walked
leniently to say where those bytes are.
"""

from ...wire.errors import DecodeError
from ...wire.options import OptionCode, decode_suboptions, encode_suboptions
from ...wire.vendor import (
    MS_UC_CLIENT_SUBOPTIONS,
    SUBOPTION_NAMES,
    CertProvisioning,
    UcSubOption,
)
from ..lint import (
    CISCO_HEX_LIMIT,
    Lint,
    Severity,
    lint_cert_provisioning,
)
from .result import Inspection

_VENDOR_SPECIFIC = OptionCode.VENDOR_SPECIFIC
_UC_CODES = tuple(int(code) for code in MS_UC_CLIENT_SUBOPTIONS)


def inspect_vendor_specific(data: bytes) -> Inspection:
    """MS-UC-Client option 43 data: sub-options 1-5 (or CPE-OCPHONE's 10), RFC 2132 §8.4."""
    items, lints = _split_suboptions(data)
    lines = [_suboption_line(code, value) for code, value in items]
    codes = [code for code, _ in items]
    if UcSubOption.VLAN_ID in codes and not set(codes) & set(_UC_CODES):
        return Inspection(
            _VENDOR_SPECIFIC, data, tuple(lines), tuple(lints), suboptions=tuple(items)
        )
    lints += _lint_suboption_set(codes)
    values = dict(reversed(items))  # the first instance of a code wins
    lints += [lint for code in _UC_CODES if (lint := _lint_value(code, values)) is not None]
    provisioning = _provisioning(values)
    if provisioning is not None:
        lines.append(f"Certificate Provisioning Service URL: {provisioning.url}")
        lints += lint_cert_provisioning(provisioning)
    url = provisioning.url if provisioning is not None else None
    return Inspection(
        _VENDOR_SPECIFIC, data, tuple(lines), tuple(lints), suboptions=tuple(items), url=url
    )


def _split_suboptions(data: bytes) -> tuple[list[tuple[int, bytes]], list[Lint]]:
    try:
        items = decode_suboptions(data).items
    except DecodeError:
        return _walk_suboptions(data)
    if encode_suboptions(items) != data:  # pad or END that ucdhcp would not send: say where
        return _walk_suboptions(data)
    return list(items), []


def _walk_suboptions(data: bytes) -> tuple[list[tuple[int, bytes]], list[Lint]]:
    """The lenient walk: past pad and END, up to the first sub-option that runs past the end."""
    items: list[tuple[int, bytes]] = []
    lints: list[Lint] = []
    offset = 0
    while offset < len(data):
        code = data[offset]
        if code == 0:
            lints.append(Lint(Severity.NOTE, "pad", f"pad byte (00) at offset {offset}"))
            offset += 1
            continue
        if code == 255:
            lints.append(_end_lint(offset, data))
            offset += 1
            continue
        if offset + 2 > len(data) or offset + 2 + data[offset + 1] > len(data):
            lints.append(_truncated_lint(code, offset, data))
            break
        length = data[offset + 1]
        items.append((code, data[offset + 2 : offset + 2 + length]))
        offset += 2 + length
    return items, lints


def _end_lint(offset: int, data: bytes) -> Lint:
    after = any(data[offset + 1 :])
    return Lint(
        Severity.ERROR if after else Severity.WARNING,
        "stray_end",
        f"END byte (FF) inside option 43 at offset {offset}"
        + (
            ", with sub-options after it that readers stopping at END never see"
            if after
            else " (dnsmasq's vendor: options add one): phones that stop at END are fine,"
            " strict ones reject it"
        ),
    )


def _truncated_lint(code: int, offset: int, data: bytes) -> Lint:
    hint = ""
    if len(data) == CISCO_HEX_LIMIT:
        hint = ": exactly 90 bytes, the signature of Cisco IOS cutting `option 43 hex`"
    return Lint(
        Severity.ERROR,
        "truncated",
        f"sub-option {code} at offset {offset} runs past the end of the value{hint}",
    )


def _lint_suboption_set(codes: list[int]) -> list[Lint]:
    lints = []
    missing = [code for code in _UC_CODES if code not in codes]
    if missing:
        lints.append(
            Lint(
                Severity.ERROR,
                "missing_suboption",
                f"sub-option{'s' if len(missing) > 1 else ''}"
                f" {', '.join(map(str, missing))} missing: phones need 1-5",
            )
        )
    known = [code for code in codes if code in _UC_CODES]
    if known != sorted(known):
        lints.append(
            Lint(
                Severity.WARNING,
                "suboption_order",
                f"sub-options in the order {known}, not 1..5 (dnsmasq's vendor: options come"
                " out reversed); DHCPUtil and ucdhcp send 1..5",
            )
        )
    duplicated = sorted({code for code in known if known.count(code) > 1})
    if duplicated:
        lints.append(
            Lint(Severity.WARNING, "duplicate_suboption", f"sub-options {duplicated} repeat")
        )
    return lints


def _lint_value(code: int, values: dict[int, bytes]) -> Lint | None:
    value = values.get(code)
    if value is None:
        return None
    if code == UcSubOption.WEB_SERVER_PORT and not value.isdigit():
        return _port_lint(value)
    if value.endswith(b"\x00"):
        return Lint(
            Severity.ERROR,
            "nul_terminated",
            f"sub-option {code} ends with a NUL byte: the phone makes it part of the URL",
        )
    if not all(0x20 < byte < 0x7F for byte in value):
        return Lint(
            Severity.ERROR,
            "not_ascii",
            f"sub-option {code} is not printable ASCII: {value.hex().upper()}",
        )
    return None


def _port_lint(value: bytes) -> Lint:
    if len(value) == 2:
        number = int.from_bytes(value, "big")
        return Lint(
            Severity.ERROR,
            "binary_port",
            f"sub-option 4 is the 2-byte binary number {number} ({value.hex().upper()}): phones"
            f" read the port as ASCII digits, i.e. {str(number).encode().hex().upper()}",
        )
    return Lint(
        Severity.ERROR,
        "bad_port",
        f"sub-option 4 must be ASCII digits, got {value.hex().upper()}",
    )


def _provisioning(values: dict[int, bytes]) -> CertProvisioning | None:
    if any(code not in values for code in _UC_CODES):
        return None
    text = {c: values[c].decode("latin-1").rstrip("\x00") for c in MS_UC_CLIENT_SUBOPTIONS}
    port = text[UcSubOption.WEB_SERVER_PORT]
    if not port.isdigit():
        return None
    return CertProvisioning.from_texts(text)


def _suboption_line(code: int, value: bytes) -> str:
    if code == UcSubOption.VLAN_ID:
        # The VLAN ID's form is not settled (protocol.md §4): show each reading that applies.
        readings = []
        if len(value) == 2:
            readings.append(f"as a word: {int.from_bytes(value, 'big')}")
        readings.append(f"as ASCII digits: {int(value)}" if value.isdigit() else "not ASCII digits")
        name = SUBOPTION_NAMES[code].display
        return f"Sub-Option 10 <{name}>: {value.hex().upper()} ({'; '.join(readings)})"
    known = SUBOPTION_NAMES.get(code)
    name = known.display if known is not None else "unknown"
    printable = value.decode("latin-1") if all(0x20 <= b < 0x7F for b in value) else None
    shown = f" {printable!r}" if printable is not None else ""
    return f"Sub-Option {code} <{name}>: {value.hex().upper()}{shown}"
