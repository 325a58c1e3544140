"""Turning an outcome into the key/value context of one log event (`reply_sent` or
`request_ignored`). Only called when per-request logging is on."""

from typing import Any

from ..core.responder import Outcome, Reply
from ..core.routing import dotted
from ..wire.message import Message, MessageType
from ..wire.options import OptionCode


def describe(
    outcome: Outcome, source: tuple[str, int], dropped: str | None = None
) -> tuple[str, dict[str, Any]]:
    """The event name and its fields; `dropped`: why a Reply could not be sent."""
    fields: dict[str, Any] = {"source": f"{source[0]}:{source[1]}"}
    if outcome.request is not None:
        fields.update(describe_request(outcome.request))
    if isinstance(outcome, Reply):
        destination = outcome.destination
        fields.update(
            site=outcome.site.name,
            profile=str(outcome.profile),
            destination=f"{destination.address}:{destination.port}",
            destination_kind=str(destination.kind),
            size=len(outcome.payload),
        )
        if dropped is not None:
            fields["error"] = dropped
            return "reply_dropped", fields
        return "reply_sent", fields
    fields["reason"] = str(outcome.reason)
    if outcome.detail:
        fields["detail"] = outcome.detail
    return "request_ignored", fields


def describe_request(request: Message) -> dict[str, Any]:
    message_type = request.message_type
    try:
        type_name = MessageType(message_type).name if message_type is not None else "BOOTP"
    except ValueError:
        type_name = str(message_type)
    vendor_class = request.option(OptionCode.VENDOR_CLASS)
    return {
        "xid": f"0x{request.xid:08x}",
        "chaddr": request.chaddr.hex(":"),
        "message_type": type_name,
        "vendor_class": None if vendor_class is None else vendor_class.decode("latin-1"),
        "ciaddr": dotted(request.ciaddr),
        "giaddr": dotted(request.giaddr),
    }
