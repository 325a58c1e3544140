"""DHCP seen on the wire, grouped by transaction (xid and chaddr), and the problems that stop
phones coming up: another server answering with 120/43, servers disagreeing, another server's
answer arriving first, a phone left without a usable answer, a value phones cannot use.

Strategy: a transaction closes `settle` seconds after its last packet (a phone retransmits the
same xid 4 s later, RFC 2131 §4.1, so that starts a new block); problems are judged on close,
when every answer that can matter has been seen. A phone uses the first answer that carries an
FQDN in option 120 (protocol.md §1), so "first" is judged among those.
"""

import ipaddress
from dataclasses import dataclass, field
from enum import StrEnum

from ...wire.errors import DecodeError
from ...wire.message import Message, MessageType, Op, parse_message
from ...wire.options import OptionCode
from ..lint import Severity
from ..probe.inform import Answer, decode_answer
from .frames import Datagram

PHONE_OPTIONS = {43, 120}  # a request asking for either expects Lync options


class Problem(StrEnum):
    UNEXPECTED_SERVER = "unexpected_server"
    DIFFERENT_VALUES = "different_values"
    ANSWERED_FIRST = "answered_first"
    NO_USABLE_ANSWER = "no_usable_answer"
    UNUSABLE_VALUE = "unusable_value"


@dataclass(frozen=True, slots=True)
class Request:
    elapsed: float  # seconds after the transaction's first packet
    kind: str
    source: str
    chaddr: str
    vendor_class: str | None
    parameters: tuple[int, ...]
    ciaddr: str
    giaddr: str
    hops: int
    relay_agent: bytes | None  # option 82 (RFC 3046)

    @property
    def wants_phone_options(self) -> bool:
        return bool(PHONE_OPTIONS & set(self.parameters))


@dataclass
class Transaction:
    xid: int
    chaddr: str
    started: float
    last: float
    requests: list[Request] = field(default_factory=list)
    answers: list[Answer] = field(default_factory=list)
    problems: list[tuple[Problem, str]] = field(default_factory=list)


def server_of(answer: Answer) -> str:
    return answer.server_id or answer.source.rsplit(":", 1)[0]


class Tracker:
    """Feed it datagrams; it hands back transactions as they close, problems judged."""

    def __init__(self, expected_server: str | None, settle: float = 2.0) -> None:
        self.expected_server = expected_server
        self.settle = settle
        self._open: dict[tuple[int, str], Transaction] = {}

    def feed(self, now: float, datagram: Datagram) -> None:
        try:
            message = parse_message(datagram.payload)
        except DecodeError:
            return
        chaddr = message.chaddr.hex(":")
        key = (message.xid, chaddr)
        transaction = self._open.get(key)
        if transaction is None:
            transaction = Transaction(message.xid, chaddr, now, now)
            self._open[key] = transaction
        transaction.last = now
        if message.op == Op.BOOTREQUEST:
            transaction.requests.append(_request(message, datagram, now - transaction.started))
            return
        answer = decode_answer(
            datagram.payload, datagram.source, now - transaction.started, message.xid
        )
        if answer is not None:
            transaction.answers.append(answer)

    def next_close(self) -> float | None:
        return min((t.last + self.settle for t in self._open.values()), default=None)

    def close_due(self, now: float) -> list[Transaction]:
        due = [key for key, t in self._open.items() if t.last + self.settle <= now]
        return [self._close(key) for key in due]

    def close_all(self) -> list[Transaction]:
        return [self._close(key) for key in list(self._open)]

    def _close(self, key: tuple[int, str]) -> Transaction:
        transaction = self._open.pop(key)
        transaction.problems = judge(transaction, self.expected_server)
        return transaction


def _request(message: Message, datagram: Datagram, elapsed: float) -> Request:
    vendor_class = message.vendor_class
    try:
        kind = f"DHCP{MessageType(message.message_type or 0).name}"
    except ValueError:
        kind = "BOOTREQUEST" if message.message_type is None else f"type {message.message_type}"
    return Request(
        elapsed=elapsed,
        kind=kind,
        source=datagram.source,
        chaddr=message.chaddr.hex(":"),
        vendor_class=None if vendor_class is None else vendor_class.decode("latin-1"),
        parameters=tuple(message.parameter_request_list),
        ciaddr=str(ipaddress.IPv4Address(message.ciaddr)),
        giaddr=str(ipaddress.IPv4Address(message.giaddr)),
        hops=message.hops,
        relay_agent=message.option(OptionCode.RELAY_AGENT_INFORMATION),
    )


def judge(transaction: Transaction, expected: str | None) -> list[tuple[Problem, str]]:
    """What in this exchange would stop a phone, one line each."""
    problems = []
    answers = transaction.answers
    with_options = [a for a in answers if a.option_120 is not None or a.option_43 is not None]
    for answer in with_options:
        server = server_of(answer)
        if expected is not None and server != expected:
            problems.append(
                (
                    Problem.UNEXPECTED_SERVER,
                    f"{server} is not the expected server ({expected}) but answers with"
                    " options 120/43",
                )
            )
        for inspection in (answer.sip, answer.vendor):
            errors = (
                []
                if inspection is None
                else [lint for lint in inspection.lints if lint.severity is Severity.ERROR]
            )
            if inspection is not None and errors:
                problems.append(
                    (
                        Problem.UNUSABLE_VALUE,
                        f"{server}: option {inspection.option}: {errors[0].message}",
                    )
                )
    problems += _races(answers, expected)
    if _phone_asked(transaction) and not any(usable(a) for a in answers):
        shown = (
            "the phone got no answer"
            if not answers
            else f"the phone got no usable answer: none of {len(answers)} carries a readable"
            " FQDN in option 120"
        )
        problems.append((Problem.NO_USABLE_ANSWER, shown))
    return problems


def _races(answers: list[Answer], expected: str | None) -> list[tuple[Problem, str]]:
    readable = [a for a in answers if usable(a)]
    problems = []
    values = {(a.option_120, a.option_43) for a in readable}
    servers = list(dict.fromkeys(server_of(a) for a in readable))
    if len(values) > 1:
        shown = "; ".join(
            f"{server_of(a)}: {', '.join(a.fqdns)} / {a.vendor.url if a.vendor else 'no 43'}"
            for a in {(a.option_120, a.option_43): a for a in readable}.values()
        )
        problems.append((Problem.DIFFERENT_VALUES, f"servers give different values ({shown})"))
    if expected is not None and expected in servers and servers[0] != expected:
        problems.append(
            (
                Problem.ANSWERED_FIRST,
                f"{servers[0]} answered before the expected server {expected}: phones take the"
                " first answer with an FQDN",
            )
        )
    return problems


def usable(answer: Answer) -> bool:
    """An answer a phone would take: an FQDN in option 120 that decodes without error."""
    return bool(answer.fqdns) and answer.sip is not None and answer.sip.ok


def _phone_asked(transaction: Transaction) -> bool:
    return any(
        request.kind == "DHCPINFORM" and request.wants_phone_options
        for request in transaction.requests
    )
