"""Per-request log events (`logging.requests`): one event per decision (`reply_sent`,
`reply_dropped` or `request_ignored`) with key/value context, bounded in volume."""

import time
from collections.abc import Callable
from typing import Any

import structlog

from ..config import REQUESTS_BURST, LoggingSection
from ..core.responder import Ignored, Outcome, Reply
from ..core.routing import dotted
from ..wire.message import Message, MessageType
from ..wire.options import OptionCode
from .throttle import KeyedRateLimit

_REQUESTS = "requests"  # the one key of the volume bound


class RequestLog:
    """Writes the events, at most `logging.requests_rate` a second (bursts of REQUESTS_BURST
    seconds' worth) and `logging.ignored_rate` request_ignored events per reason a second;
    what is left out is counted on the next event written. One instance serves every socket
    (protocol.Handling), and a reload replaces it."""

    __slots__ = ("emit", "ignored", "volume")

    def __init__(
        self, emit: Callable[..., Any], volume: KeyedRateLimit | None, ignored: KeyedRateLimit
    ) -> None:
        self.emit = emit
        self.volume = volume  # None: no bound
        self.ignored = ignored

    @classmethod
    def configured(
        cls, settings: LoggingSection, previous: "RequestLog | None" = None
    ) -> "RequestLog | None":
        """The log `settings` ask for (None when per-request logging is off), keeping the
        buckets of `previous` whose rates did not change, so a reload forgets no count."""
        if not settings.requests:
            return None
        logger = structlog.get_logger("ucdhcp.requests")
        emit = logger.info if settings.request_level == "info" else logger.debug
        rate = settings.requests_rate
        volume = previous.volume if previous is not None else None
        if not rate:
            volume = None
        elif volume is None or volume.rate != rate:
            volume = KeyedRateLimit(rate, rate * REQUESTS_BURST)
        ignored = previous.ignored if previous is not None else None
        if ignored is None or ignored.rate != settings.ignored_rate:
            ignored = KeyedRateLimit(settings.ignored_rate)
        return cls(emit, volume, ignored)

    def record(self, outcome: Outcome, source: tuple[str, int], dropped: str | None) -> None:
        now = time.monotonic()
        volume = self.volume
        if volume is not None and not volume.allow(_REQUESTS, now):
            return
        suppressed = 0
        if type(outcome) is Ignored:
            reason = outcome.reason
            if not self.ignored.allow(reason, now):
                return
            suppressed = self.ignored.suppressed.pop(reason, 0)
        event, fields = describe(outcome, source, dropped)
        if suppressed:
            fields["suppressed_before"] = suppressed  # events of this reason not logged
        if volume is not None and volume.suppressed:
            fields["not_logged_before"] = volume.suppressed.pop(_REQUESTS)
        self.emit(event, **fields)


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
