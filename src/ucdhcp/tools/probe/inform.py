"""The phone emulator's logic, without sockets: the DHCPINFORM a Lync phone sends, the RFC 2131
retransmission schedule, decoding every answer, and judging them as a phone would.

Strategy: a phone uses the first reply that carries an FQDN in option 120 and ignores the rest
(protocol.md §1), so the verdict is taken on that answer; the others are reported because
several servers answering differently is a race waiting to happen.
"""

import ipaddress
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from ...wire.errors import DecodeError
from ...wire.message import MAGIC_COOKIE, MessageType, Op, parse_message
from ...wire.options import Option120Encoding, OptionCode, encode_option
from ...wire.vendor import MS_UC_CLIENT, UcSubOption
from ..inspection import Inspection, inspect_sip_servers, inspect_vendor_specific
from ..lint import Severity

PHONE_PARAMETERS = (1, 3, 6, 15, 42, 43, 120)  # what a Lync phone asks for (protocol.md §7)
MIN_REQUEST = 300  # BOOTP minimum: some servers and relays drop shorter requests
FIRST_RETRANSMIT = 4.0  # RFC 2131 §4.1: 4 s, ±1 s, doubling up to 64 s (protocol.md §10)
MAX_RETRANSMIT = 64.0


@dataclass(frozen=True, slots=True)
class Inform:
    """The request: a phone with an address asking for 43 and 120."""

    xid: int
    chaddr: bytes  # the interface's MAC
    ciaddr: ipaddress.IPv4Address
    vendor_class: bytes = MS_UC_CLIENT
    parameters: tuple[int, ...] = PHONE_PARAMETERS

    @property
    def client_id(self) -> bytes:
        return b"\x01" + self.chaddr  # RFC 2132 §9.14: hardware type 1 (Ethernet) + MAC


def encode_inform(inform: Inform, secs: int = 0) -> bytes:
    """A DHCPINFORM as a phone sends it (RFC 2131 §4.4.3: ciaddr set, no requested address)."""
    header = (
        bytes((Op.BOOTREQUEST, 1, len(inform.chaddr), 0))  # op, htype Ethernet, hlen, hops
        + inform.xid.to_bytes(4, "big")
        + min(secs, 0xFFFF).to_bytes(2, "big")
        + bytes(2)  # flags: the reply can be unicast to ciaddr
        + inform.ciaddr.packed
        + bytes(12)  # yiaddr, siaddr, giaddr
        + inform.chaddr.ljust(16, b"\x00")
        + bytes(192)  # sname, file
    )
    options = (
        encode_option(OptionCode.MESSAGE_TYPE, bytes((MessageType.INFORM,)))
        + encode_option(OptionCode.CLIENT_ID, inform.client_id)
        + encode_option(OptionCode.VENDOR_CLASS, inform.vendor_class)
        + encode_option(OptionCode.PARAMETER_REQUEST_LIST, bytes(inform.parameters))
        + bytes((OptionCode.END,))
    )
    return (header + MAGIC_COOKIE + options).ljust(MIN_REQUEST, b"\x00")


def retransmit_schedule(timeout: float, rng: random.Random) -> list[float]:
    """Send times (seconds from the start) within `timeout`: 0, then RFC 2131 §4.1 back-off."""
    times = [0.0]
    delay = FIRST_RETRANSMIT
    while True:
        at = times[-1] + delay + rng.uniform(-1.0, 1.0)
        if at >= timeout:
            return times
        times.append(at)
        delay = min(delay * 2, MAX_RETRANSMIT)


@dataclass(frozen=True, slots=True)
class Answer:
    """One reply to the probe's xid, decoded."""

    source: str  # address:port it came from
    elapsed: float  # seconds after the first transmission
    message_type: int | None
    server_id: str | None
    option_120: bytes | None
    option_43: bytes | None
    option_42: bytes | None = None  # NTP servers (RFC 2132 §8.3), for `doctor -i`
    sip: Inspection | None = field(init=False, compare=False)
    vendor: Inspection | None = field(init=False, compare=False)

    def __post_init__(self) -> None:
        sip = None if self.option_120 is None else inspect_sip_servers(self.option_120)
        vendor = None if self.option_43 is None else inspect_vendor_specific(self.option_43)
        object.__setattr__(self, "sip", sip)
        object.__setattr__(self, "vendor", vendor)

    def as_dict(self) -> dict[str, object]:
        """The answer as the JSON of `probe --json` and `watch --json` describes it."""
        return {
            "source": self.source,
            "message_type": self.kind,
            "server_id": self.server_id,
            "elapsed": round(self.elapsed, 4),
            "option_120": None if self.sip is None else self.sip.as_dict(),
            "option_43": None if self.vendor is None else self.vendor.as_dict(),
        }

    @property
    def fqdns(self) -> list[str]:
        """The names a phone would read from option 120 (empty if none decode)."""
        sip = self.sip
        if sip is None or sip.encoding != Option120Encoding.NAMES:
            return []
        return list(sip.sip_servers)

    @property
    def ntp_servers(self) -> tuple[str, ...]:
        data = self.option_42 or b""
        return tuple(
            str(ipaddress.IPv4Address(data[i : i + 4])) for i in range(0, len(data) - 3, 4)
        )

    @property
    def kind(self) -> str:
        if self.message_type is None:
            return "BOOTREPLY"
        try:
            return f"DHCP{MessageType(self.message_type).name}"
        except ValueError:
            return f"message type {self.message_type}"


def decode_answer(datagram: bytes, source: str, elapsed: float, xid: int) -> Answer | None:
    """The answer in a datagram, or None if it is not a well-formed reply to `xid`."""
    try:
        message = parse_message(datagram)
    except DecodeError:
        return None
    if message.op != Op.BOOTREPLY or message.xid != xid:
        return None
    server_id = message.option(OptionCode.SERVER_ID)
    return Answer(
        source=source,
        elapsed=elapsed,
        message_type=message.message_type,
        server_id=str(ipaddress.IPv4Address(server_id))
        if server_id and len(server_id) == 4
        else None,
        option_120=message.option(OptionCode.SIP_SERVERS),
        option_43=message.option(OptionCode.VENDOR_SPECIFIC),
        option_42=message.option(OptionCode.NTP_SERVERS),
    )


@dataclass(frozen=True, slots=True)
class Expectation:
    """What the answer must say; empty fields are not checked."""

    sip_servers: tuple[str, ...] = ()
    web_server: str | None = None
    option_120: bytes | None = None  # exact bytes, from a config
    option_43: bytes | None = None
    origin: str = ""  # e.g. "site headquarters of ucdhcp.toml"


@dataclass(frozen=True, slots=True)
class Verdict:
    ok: bool
    reason: str  # one line
    chosen: Answer | None = None
    notes: tuple[str, ...] = ()


def judge(answers: Sequence[Answer], expectation: Expectation, window: str) -> Verdict:
    """Judge the answers as a phone would, then against the expectation.

    Args:
        answers: every reply to the probe, in arrival order.
        expectation: values to compare with.
        window: how the probe listened, for the no-answer message (e.g. "3 s on veth0").
    """
    if not answers:
        return Verdict(False, f"no answer from any DHCP server within {window}")
    chosen = next((answer for answer in answers if answer.fqdns), None)
    if chosen is None:
        return Verdict(False, _no_fqdn_reason(answers))
    notes = _notes(answers, chosen)
    problem = _problem(chosen) or _mismatch(chosen, expectation)
    if problem is not None:
        return Verdict(False, f"{_who(chosen)}: {problem}", chosen, notes)
    url = chosen.vendor.url if chosen.vendor else None
    checked = f" (matches {expectation.origin})" if expectation.origin else ""
    reason = f"{_who(chosen)}: SIP server {', '.join(chosen.fqdns)}, {url}{checked}"
    return Verdict(True, reason, chosen, notes)


def _who(answer: Answer) -> str:
    server = f", server id {answer.server_id}" if answer.server_id else ""
    return f"{answer.kind} from {answer.source}{server}"


def _no_fqdn_reason(answers: Sequence[Answer]) -> str:
    with_120 = [answer for answer in answers if answer.option_120 is not None]
    if with_120:
        answer = with_120[0]
        sip = answer.sip
        errors = (
            [lint.message for lint in sip.lints if lint.severity is Severity.ERROR] if sip else []
        )
        detail = errors[0] if errors else "no FQDN"
        return f"{_who(answer)}: option 120 has no usable FQDN: {detail}"
    servers = ", ".join(dict.fromkeys(_who(answer) for answer in answers))
    count = len(answers)
    return (
        f"{count} answer{'s' if count > 1 else ''} without option 120 or 43 ({servers}):"
        " the server does not answer this vendor class with Lync options"
    )


def _problem(answer: Answer) -> str | None:
    if answer.message_type != MessageType.ACK:
        return f"answered {answer.kind}, not DHCPACK"
    for inspection in (answer.sip, answer.vendor):
        if inspection is None:
            continue
        errors = [lint for lint in inspection.lints if lint.severity is Severity.ERROR]
        if errors:
            return f"option {inspection.option}: {errors[0].message}"
    if answer.option_43 is None:
        return (
            "option 120 but no option 43: phones cannot find the certificate provisioning service"
        )
    return None


def _mismatch(answer: Answer, expected: Expectation) -> str | None:
    got_names = [name.lower() for name in answer.fqdns]
    want_names = [name.rstrip(".").lower() for name in expected.sip_servers]
    if want_names and got_names != want_names:
        return f"option 120 lists {', '.join(answer.fqdns)}, expected {', '.join(want_names)}"
    value = answer.vendor.suboption(UcSubOption.WEB_SERVER_FQDN) if answer.vendor else None
    web = None if value is None else value.decode("latin-1")
    if expected.web_server and str(web).lower() != expected.web_server.rstrip(".").lower():
        return f"option 43 names web server {web}, expected {expected.web_server}"
    for code, want, got in (
        (OptionCode.SIP_SERVERS, expected.option_120, answer.option_120),
        (OptionCode.VENDOR_SPECIFIC, expected.option_43, answer.option_43),
    ):
        if want is not None and got != want:
            return (
                f"option {code} differs from {expected.origin or 'the expected value'}:"
                f" got {(got or b'').hex().upper()}, expected {want.hex().upper()}"
            )
    return None


def _notes(answers: Sequence[Answer], chosen: Answer) -> tuple[str, ...]:
    notes = []
    for answer in answers:
        if answer is chosen:
            continue
        if answer.message_type == MessageType.NAK:
            notes.append(f"{_who(answer)} NAKs an INFORM: clients may drop their address")
        elif answer.fqdns and (answer.option_120, answer.option_43) != (
            chosen.option_120,
            chosen.option_43,
        ):
            notes.append(
                f"{_who(answer)} answers with other values ({', '.join(answer.fqdns)}):"
                " phones take whichever arrives first"
            )
        elif answer.source != chosen.source and not answer.fqdns:
            notes.append(f"{_who(answer)} answers without an FQDN (phones ignore it)")
    for inspection in (chosen.sip, chosen.vendor):
        if inspection is not None:
            notes += [str(lint) for lint in inspection.lints if lint.severity is not Severity.ERROR]
    return tuple(notes)
