"""Decoding and linting option 120 and 43 values seen elsewhere (another server's config, a
capture, a probe's answer): `inspect_option` is the entry point of `ucdhcp decode`.

Strategy: each value is read with ucdhcp's own strict wire decoder first; only what that
decoder rejects is walked leniently, to name the mistake instead of only failing.

- result: the Inspection (decoded lines, fields, lints) and how it is rendered;
- pasted: hex as people paste it, and a copied code/length header;
- sip_servers: option 120 (RFC 3361);
- vendor_specific: option 43 for MS-UC-Client (sub-options 1-5) or CPE-OCPHONE (10).
"""

from dataclasses import replace

from ...wire.options import OptionCode
from ..lint import lint_option_43_length
from .pasted import parse_hex, strip_option_header
from .result import Inspection, render_inspection
from .sip_servers import inspect_sip_servers
from .vendor_specific import inspect_vendor_specific


def inspect_option(option: int, data: bytes) -> Inspection:
    """Decode and lint option 120 or 43 data (a leading code and length are tolerated)."""
    body, lints = strip_option_header(option, data)
    if option == OptionCode.SIP_SERVERS:
        inspection = inspect_sip_servers(body)
    else:  # a value about to be pasted somewhere: warn if Cisco IOS would cut it
        inspection = inspect_vendor_specific(body)
        lints += lint_option_43_length(body)
    return replace(inspection, lints=(*lints, *inspection.lints))


__all__ = [
    "Inspection",
    "inspect_option",
    "inspect_sip_servers",
    "inspect_vendor_specific",
    "parse_hex",
    "render_inspection",
]
