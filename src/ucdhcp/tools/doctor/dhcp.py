"""`doctor -i IFACE`: the values come from the DHCP answer a phone would use, obtained with
`ucdhcp probe`'s phone-like DHCPINFORM; the probe's verdict becomes the checklist's first step."""

import ipaddress
import random
from dataclasses import dataclass

from ...core.routing import LIMITED_BROADCAST
from ...wire.errors import DecodeError
from ...wire.message import SERVER_PORT
from ...wire.vendor import decode_ms_uc_client
from ..deployment import ToolError
from ..probe.client import choose_interface, exchange, open_client_socket
from ..probe.inform import Expectation, Inform, judge
from .checklist import Check, Step, fail, ok, warn
from .targets import Targets


@dataclass(frozen=True, slots=True)
class ProbeRequest:
    interface: str | None
    server: ipaddress.IPv4Address | None = None
    vendor_class: bytes = b"MS-UC-Client"
    timeout: float = 5.0
    settle: float = 1.0


def probe_targets(
    request: ProbeRequest, sip_domain: str | None
) -> tuple[list[Check], Targets | None]:
    """The DHCP step's checks, and the values to check next (None when the phone got none)."""
    try:
        interface = choose_interface(request.interface, request.server)
        inform = Inform(
            random.getrandbits(32), interface.mac, interface.address, request.vendor_class
        )
        destination = (str(request.server) if request.server else LIMITED_BROADCAST, SERVER_PORT)
        with open_client_socket(interface) as sock:
            result = exchange(
                sock, inform, destination, request.timeout, request.settle, random.Random()
            )
    except ToolError as error:
        return [
            fail(Step.DHCP, f"probe not sent: {error}", "run doctor as root on the phones' network")
        ], None
    verdict = judge(result.answers, Expectation(), f"{request.timeout:g} s on {interface.name}")
    notes = [
        warn(Step.DHCP, note, "leave one DHCP server answering phones on this segment")
        for note in verdict.notes
        if "phones take whichever" in note
    ]
    chosen = verdict.chosen
    if not verdict.ok or chosen is None:
        fix = (
            "make a DHCP server answer DHCPINFORM from this segment with options 120 and 43"
            " (ucdhcp serve, or relay to it)"
        )
        return [fail(Step.DHCP, verdict.reason, fix), *notes], None
    try:
        web = decode_ms_uc_client(chosen.option_43 or b"")
    except DecodeError as error:
        return [
            fail(Step.DHCP, f"option 43: {error}", "correct option 43 on the DHCP server"),
            *notes,
        ], None
    targets = Targets(
        origin=f"the answer on {interface.name}",
        sip_servers=tuple(chosen.fqdns),
        web=web,
        ntp_servers=chosen.ntp_servers,
        sip_domain=sip_domain,
    )
    return [ok(Step.DHCP, verdict.reason), *notes], targets
