"""Decode and lint a copied option 120 or 43 value: the entry point of `ucdhcp decode`."""

from dataclasses import replace

from .inspection import Inspection, strip_option_header
from .lint import lint_option_43_length
from .sip_inspection import inspect_sip_servers
from .vendor_inspection import inspect_vendor_specific


def inspect_option(option: int, data: bytes) -> Inspection:
    """Decode and lint option 120 or 43 data (a leading code and length are tolerated)."""
    body, lints = strip_option_header(option, data)
    if option == 120:
        inspection = inspect_sip_servers(body)
    else:  # a value about to be pasted somewhere: warn if Cisco IOS would cut it
        inspection = inspect_vendor_specific(body)
        lints += lint_option_43_length(body)
    return replace(inspection, lints=(*lints, *inspection.lints))
