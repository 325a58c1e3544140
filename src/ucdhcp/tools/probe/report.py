"""What `ucdhcp probe` prints: the INFORM sent, every answer with its decoded options and
findings, and the verdict; and the same as a JSON-ready dict."""

from ...wire.options import OptionCode
from .client import Exchange, ProbeInterface
from .inform import Answer, Inform, Verdict


def render_probe(
    interface: ProbeInterface,
    inform: Inform,
    destination: tuple[str, int],
    result: Exchange,
    verdict: Verdict,
) -> str:
    lines = [
        f"probe: DHCPINFORM xid 0x{inform.xid:08X} on {interface.name} ({interface.address},"
        f" {inform.chaddr.hex(':')}), vendor class {inform.vendor_class.decode('latin-1')},"
        f" to {destination[0]}:{destination[1]}"
    ]
    for number, answer in enumerate(result.answers, 1):
        lines += _render_answer(number, answer)
    count = len(result.answers)
    lines.append(
        f"sent {result.transmissions} INFORM{'s' if result.transmissions > 1 else ''},"
        f" {count} answer{'' if count == 1 else 's'} in {result.listened:.1f} s"
    )
    lines += [f"note: {note}" for note in verdict.notes]
    if verdict.ok:
        lines.append(f"ok: {verdict.reason}")
    return "\n".join(lines)


def _render_answer(number: int, answer: Answer) -> list[str]:
    server = f", server id {answer.server_id}" if answer.server_id else ""
    lines = [
        f"answer {number} after {answer.elapsed:.3f} s: {answer.kind} from {answer.source}{server}"
    ]
    for code, data, inspection in (
        (OptionCode.SIP_SERVERS, answer.option_120, answer.sip),
        (OptionCode.VENDOR_SPECIFIC, answer.option_43, answer.vendor),
    ):
        if data is None or inspection is None:
            lines.append(f"  option {code}: absent")
            continue
        lines.append(f"  option {code} ({len(data)} bytes): {data.hex().upper()}")
        lines += [f"    {line}" for line in inspection.lines]
        lines += [f"    {lint}" for lint in inspection.lints]
    return lines


def describe_probe(
    interface: ProbeInterface,
    inform: Inform,
    destination: tuple[str, int],
    result: Exchange,
    verdict: Verdict,
) -> dict[str, object]:
    return {
        "ok": verdict.ok,
        "reason": verdict.reason,
        "interface": interface.name,
        "ciaddr": str(interface.address),
        "chaddr": inform.chaddr.hex(":"),
        "xid": inform.xid,
        "vendor_class": inform.vendor_class.decode("latin-1"),
        "destination": f"{destination[0]}:{destination[1]}",
        "transmissions": result.transmissions,
        "listened": round(result.listened, 3),
        "answers": [answer.as_dict() for answer in result.answers],
        "chosen": None if verdict.chosen is None else result.answers.index(verdict.chosen),
        "notes": list(verdict.notes),
    }
