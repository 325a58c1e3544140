"""How the watch shows a closed transaction (a block of lines, or one JSON object) and the
summary printed at the end or on Ctrl-C."""

from collections import Counter
from dataclasses import dataclass, field

from ..probe.inform import Answer
from .transactions import Request, Transaction, server_of


@dataclass
class Summary:
    phones: set[str] = field(default_factory=set)  # chaddrs that asked for 120/43
    requests: int = 0
    answers: int = 0
    servers: set[str] = field(default_factory=set)
    problems: Counter[str] = field(default_factory=Counter)

    def add(self, transaction: Transaction) -> None:
        self.requests += len(transaction.requests)
        self.answers += len(transaction.answers)
        self.servers |= {server_of(answer) for answer in transaction.answers}
        if any(request.wants_phone_options for request in transaction.requests):
            self.phones.add(transaction.chaddr)
        self.problems.update(problem.value for problem, _ in transaction.problems)

    def render(self) -> str:
        total = sum(self.problems.values())
        kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(self.problems.items()))
        return (
            f"summary: {_count(len(self.phones), 'phone')}, {_count(self.requests, 'request')},"
            f" {_count(self.answers, 'answer')} from {_count(len(self.servers), 'server')},"
            f" {_count(total, 'problem')}{f' ({kinds})' if kinds else ''}"
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "event": "summary",
            "phones": len(self.phones),
            "requests": self.requests,
            "answers": self.answers,
            "servers": sorted(self.servers),
            "problems": dict(sorted(self.problems.items())),
        }


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def render_transaction(transaction: Transaction) -> str:
    lines = [f"xid 0x{transaction.xid:08X} chaddr {transaction.chaddr}"]
    if not transaction.requests:
        lines.append("  (request not seen)")
    packets: list[Request | Answer] = [*transaction.requests, *transaction.answers]
    for packet in sorted(packets, key=lambda packet: packet.elapsed):  # arrival order
        if isinstance(packet, Request):
            lines.append(f"  +{packet.elapsed:.3f} s {_request_line(packet)}")
        else:
            lines += _answer_lines(packet)
    lines += [f"  problem: {text}" for _, text in transaction.problems]
    return "\n".join(lines)


def _request_line(request: Request) -> str:
    parts = [f"{request.kind} from {request.source}"]
    if request.vendor_class is not None:
        parts.append(f"vendor class {request.vendor_class}")
    parts.append(f"option 55 [{', '.join(map(str, request.parameters))}]")
    parts.append(f"ciaddr {request.ciaddr}")
    if request.giaddr != "0.0.0.0":
        parts.append(f"giaddr {request.giaddr} hops {request.hops}")
    if request.relay_agent is not None:
        parts.append(f"option 82 {request.relay_agent.hex().upper()}")
    return ", ".join(parts)


def _answer_lines(answer: Answer) -> list[str]:
    server = f" (server id {answer.server_id})" if answer.server_id else ""
    values = []
    if answer.sip is not None:
        values.append(f"120 {', '.join(answer.sip.sip_servers) or answer.sip.data.hex().upper()}")
    if answer.vendor is not None:
        values.append(f"43 {answer.vendor.url or answer.vendor.data.hex().upper()}")
    shown = "; ".join(values) or "no 120/43"
    lines = [f"  +{answer.elapsed:.3f} s {answer.kind} from {answer.source}{server}: {shown}"]
    for inspection in (answer.sip, answer.vendor):
        if inspection is not None:
            lines += [f"    {lint}" for lint in inspection.lints]
    return lines


def describe_transaction(transaction: Transaction) -> dict[str, object]:
    return {
        "event": "transaction",
        "xid": f"0x{transaction.xid:08X}",
        "chaddr": transaction.chaddr,
        "requests": [_describe_request(request) for request in transaction.requests],
        "answers": [answer.as_dict() for answer in transaction.answers],
        "problems": [{"kind": kind.value, "message": text} for kind, text in transaction.problems],
    }


def _describe_request(request: Request) -> dict[str, object]:
    return {
        "message_type": request.kind,
        "elapsed": round(request.elapsed, 4),
        "source": request.source,
        "vendor_class": request.vendor_class,
        "parameters": list(request.parameters),
        "ciaddr": request.ciaddr,
        "giaddr": request.giaddr,
        "hops": request.hops,
        "option_82": None if request.relay_agent is None else request.relay_agent.hex().upper(),
    }
