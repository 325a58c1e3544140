"""Decode and lint option 120 values (RFC 3361) copied from another server or a capture.

Strategy: the strict wire decoder (decode_sip_servers) is tried first; only when it refuses a
value does a lenient walk find out *why* (a missing root label, a repeated or mixed encoding
byte, plain text), so the report names the mistake instead of only failing. Values it accepts
are still linted (compression, a dotted label, a name that is not fully qualified).
"""

import re

from ...wire.errors import DecodeError
from ...wire.options import Option120Encoding, OptionCode, decode_ipv4_list, decode_sip_servers
from ..lint import Lint, Severity
from .result import Inspection, failed

_SIP_SERVERS = OptionCode.SIP_SERVERS
_HOST_LABEL = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")


def inspect_sip_servers(data: bytes) -> Inspection:
    """Option 120 data: encoding byte, then names (0) or IPv4 addresses (1), RFC 3361."""
    try:
        servers = decode_sip_servers(data)
    except DecodeError as strict_error:
        return _describe_rejected(data, strict_error)
    body = data[1:]
    if servers.encoding is Option120Encoding.ADDRESSES:
        return _addresses(data, servers.servers, [], [])
    return _names(data, body, list(servers.servers), servers.compressed, [])


def _describe_rejected(data: bytes, strict_error: DecodeError) -> Inspection:
    """Why the strict decoder refused the value, read leniently."""
    if not data:
        return failed(_SIP_SERVERS, data, "option 120 is empty")
    encoding, body = data[0], data[1:]
    if encoding == Option120Encoding.ADDRESSES:
        mixed = _addresses_then_names(body)
        if mixed is None:
            return failed(_SIP_SERVERS, data, str(strict_error), [_encoding_1_lint()])
        return _addresses(data, *mixed, [_mixed_lint()])
    if encoding != Option120Encoding.NAMES:
        hint = _plain_text_hint(data)
        reason = f"unknown encoding byte {encoding} (0 names, 1 addresses){hint}"
        return failed(_SIP_SERVERS, data, reason)
    lenient, repaired = _lenient_names(body)
    if lenient is None:
        reason = f"names do not decode: {strict_error}{_plain_text_hint(body)}"
        return failed(_SIP_SERVERS, data, reason)
    return _names(data, body, lenient, False, repaired)


def _names(
    data: bytes, body: bytes, names: list[str], compressed: bool, lints: list[Lint]
) -> Inspection:
    if compressed:
        lints.append(
            Lint(
                Severity.WARNING,
                "compression",
                "names use DNS compression pointers: ucdhcp, DHCPUtil and the Lync docs send"
                " them uncompressed, and phone firmware may not follow pointers",
            )
        )
    dotted = _dotted_labels(body) if not compressed else []
    if dotted:
        lints.append(
            Lint(
                Severity.ERROR,
                "dotted_label",
                f"label {dotted[0]!r} contains dots: the FQDN was written as one"
                " length-prefixed string; RFC 1035 wants one label per part"
                " (06 pool01 07 contoso 03 com 00)",
            )
        )
    else:
        lints += _lint_names(names)
    lines = ["Encoding: 0 (DNS names)", *(f"SIP server: {name}" for name in names)]
    return Inspection(_SIP_SERVERS, data, tuple(lines), tuple(lints), 0, tuple(names))


def _addresses(
    data: bytes, addresses: tuple[str, ...], names: list[str], lints: list[Lint]
) -> Inspection:
    lints = [_encoding_1_lint(), *lints]
    lines = [
        "Encoding: 1 (IPv4 addresses)",
        *(f"SIP server address: {address}" for address in addresses),
        *(f"SIP server (after a second encoding byte): {name}" for name in names),
    ]
    return Inspection(_SIP_SERVERS, data, tuple(lines), tuple(lints), 1, (*addresses, *names))


def _encoding_1_lint() -> Lint:
    return Lint(
        Severity.ERROR,
        "encoding_1",
        "encoding 1 (IPv4 addresses): legal per RFC 3361, but Lync phones need an FQDN"
        " (encoding 0) to open TLS to the registrar",
    )


def _addresses_then_names(body: bytes) -> tuple[tuple[str, ...], list[str]] | None:
    for offset in range(4, len(body), 4):
        if body[offset] == 0:
            names, _ = _lenient_names(body[offset + 1 :])
            if names:
                return decode_ipv4_list(body[:offset]), names
    return None


def _lenient_names(body: bytes) -> tuple[list[str] | None, list[Lint]]:
    """Walk uncompressed names, recognising the common mistakes; None if it still fails."""
    names: list[str] = []
    lints: list[Lint] = []
    offset = 0
    while offset < len(body):
        if body[offset] == 0:
            lints.append(_repeated_encoding_lint())
            offset += 1
            continue
        if body[offset] == 1 and _looks_like_addresses(body, offset):
            names += decode_ipv4_list(body[offset + 1 :])
            lints.append(_mixed_lint())
            return names, lints
        name, offset, terminated = _walk_labels(body, offset)
        if name is None:
            return None, lints
        if not terminated:
            lints.append(
                Lint(
                    Severity.ERROR,
                    "missing_root_label",
                    f"{name} does not end with the zero root label (RFC 1035 §3.1); phones"
                    " read past it (the Microsoft documentation's option 120 example makes"
                    " this mistake; DHCPUtil does not)",
                )
            )
        names.append(name)
    return (names or None), lints


def _walk_labels(body: bytes, offset: int) -> tuple[str | None, int, bool]:
    labels, offset, terminated = _labels(body, offset)
    return (None if labels is None else ".".join(labels)), offset, terminated


def _labels(body: bytes, offset: int) -> tuple[list[str] | None, int, bool]:
    labels: list[str] = []
    while offset < len(body):
        length = body[offset]
        if length == 0:
            return labels, offset + 1, True
        if length & 0xC0 or offset + 1 + length > len(body):
            return None, offset, False
        try:
            labels.append(body[offset + 1 : offset + 1 + length].decode("ascii"))
        except UnicodeDecodeError:
            return None, offset, False
        offset += 1 + length
    return labels, offset, False


def _dotted_labels(body: bytes) -> list[str]:
    found: list[str] = []
    offset = 0
    while offset < len(body):
        labels, offset, _ = _labels(body, offset)
        if labels is None:
            return found
        found += [label for label in labels if "." in label]
    return found


def _looks_like_addresses(body: bytes, offset: int) -> bool:
    rest = body[offset + 1 :]
    if not rest or len(rest) % 4:
        return False
    name, _, terminated = _walk_labels(body, offset)
    return name is None or not terminated or not _is_hostname(name)


def _lint_names(names: list[str]) -> list[Lint]:
    lints = []
    for name in names:
        if "." not in name:
            lints.append(
                Lint(Severity.ERROR, "not_fqdn", f"{name!r} is not fully qualified (one label)")
            )
        elif not _is_hostname(name):
            lints.append(
                Lint(
                    Severity.WARNING,
                    "bad_hostname",
                    f"{name!r} has characters a host name cannot have",
                )
            )
    return lints


def _is_hostname(name: str) -> bool:
    return all(_HOST_LABEL.match(label) for label in name.split("."))


def _repeated_encoding_lint() -> Lint:
    return Lint(
        Severity.WARNING,
        "repeated_encoding_byte",
        "an empty name (a lone 00) follows a name: the value looks like several option 120"
        " instances that each start with the encoding byte; RFC 3396 concatenation turns the"
        " second 00 into an empty name",
    )


def _mixed_lint() -> Lint:
    return Lint(
        Severity.ERROR,
        "mixed_encodings",
        "the value mixes names (encoding 0) and addresses (encoding 1): RFC 3361 forbids"
        " mixing encodings, even across split instances",
    )


def _plain_text_hint(data: bytes) -> str:
    if data and all(0x20 < byte < 0x7F for byte in data) and b"." in data:
        return (
            f" (it looks like the plain text {data.decode('ascii')!r}: option 120 needs the"
            " encoding byte 0 and length-prefixed labels; use `ucdhcp options`)"
        )
    return ""
