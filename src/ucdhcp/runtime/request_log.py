"""Per-request log events (`logging.requests`): one event per decision (`reply_sent`,
`reply_dropped` or `request_ignored`) with key/value context, bounded in volume."""

import time
from enum import StrEnum
from typing import Any, cast

import structlog

from ..config.settings import LoggingSettings
from ..core.policy import Profile
from ..core.responder import Ignored, Outcome, Reason, Reply
from ..core.routing import DestinationKind
from ..wire.message import Message, MessageType, dotted
from ..wire.options import OptionCode
from .logs import REQUESTS, DictBoundLogger, level_number, request_writer
from .token_buckets import TokenBuckets

REQUESTS_BURST = 20  # logging.requests_rate: seconds' worth of events logged in one burst
_REQUESTS = "requests"  # the one key of the requests_rate bucket
_VENDOR_CLASS = int(OptionCode.VENDOR_CLASS)


class RequestLog:
    """Writes the events, at most `logging.requests_rate` a second (bursts of REQUESTS_BURST
    seconds' worth) and `logging.ignored_rate` request_ignored events per reason a second;
    what is left out is counted on the next event written. One instance serves every socket
    (protocol.Handling), and a reload replaces it."""

    __slots__ = ("ignored_buckets", "logger", "request_level", "requests_bucket", "write")

    def __init__(
        self,
        logger: DictBoundLogger,
        request_level: str,
        requests_bucket: TokenBuckets | None,
        ignored_buckets: TokenBuckets,
    ) -> None:
        self.logger = logger
        self.request_level = request_level
        self.requests_bucket = requests_bucket  # logging.requests_rate; None: no bound
        self.ignored_buckets = ignored_buckets  # logging.ignored_rate, per reason
        # The configured JSON chain's bytes without structlog's per-event work, when that
        # chain is the one in force (logs.py); else structlog's own processing.
        self.write = request_writer(logger.write)

    @classmethod
    def configured(
        cls, settings: LoggingSettings, previous: "RequestLog | None" = None
    ) -> "RequestLog | None":
        """The log `settings` ask for (None when per-request logging is off, or its events are
        below `logging.level`), keeping the buckets of `previous` whose rates did not change,
        so a reload forgets no count."""
        below = level_number(settings.request_level) < level_number(settings.level)
        if not settings.requests or below:
            return None
        # Bound now, once per configuration (a reload reconfigures logging, then calls this):
        # the lazy proxy wrap_logger() returns would rebuild the bound logger on every event.
        logger = structlog.wrap_logger(
            None, wrapper_class=DictBoundLogger, logger_factory_args=(REQUESTS,)
        ).bind()
        rate = settings.requests_rate
        requests = previous.requests_bucket if previous is not None else None
        if not rate:
            requests = None
        elif requests is None or requests.rate != rate:
            requests = TokenBuckets(rate, rate * REQUESTS_BURST)
        ignored = previous.ignored_buckets if previous is not None else None
        if ignored is None or ignored.rate != settings.ignored_rate:
            ignored = TokenBuckets(settings.ignored_rate)
        return cls(cast(DictBoundLogger, logger), settings.request_level, requests, ignored)

    def record(self, outcome: Outcome, source: tuple[str, int], dropped: str | None) -> None:
        now = time.monotonic()
        requests = self.requests_bucket
        if requests is not None and not requests.allow(_REQUESTS, now):
            return
        suppressed = 0
        if type(outcome) is Ignored:
            reason = outcome.reason
            if not self.ignored_buckets.allow(reason, now):
                return
            suppressed = self.ignored_buckets.suppressed.pop(reason, 0)
        event, fields = describe(outcome, source, dropped)
        if suppressed:
            fields["suppressed_before"] = suppressed  # events of this reason not logged
        if requests is not None and requests.suppressed:
            fields["not_logged_before"] = requests.suppressed.pop(_REQUESTS)
        self.write(self.request_level, event, fields)


def describe(
    outcome: Outcome, source: tuple[str, int], dropped: str | None = None
) -> tuple[str, dict[str, Any]]:
    """The event name and its fields; `dropped`: why a Reply could not be sent."""
    request = outcome.request
    if request is None:
        fields: dict[str, Any] = {"source": f"{source[0]}:{source[1]}"}
    else:
        fields = describe_request(request, source)
    if isinstance(outcome, Reply):
        destination = outcome.destination
        fields["site"] = outcome.site.name
        fields["profile"] = _TEXT[outcome.profile]
        fields["destination"] = f"{destination.address}:{destination.port}"
        fields["destination_kind"] = _TEXT[destination.kind]
        fields["size"] = len(outcome.payload)
        if dropped is not None:
            fields["error"] = dropped
            return "reply_dropped", fields
        return "reply_sent", fields
    fields["reason"] = _TEXT[outcome.reason]
    if outcome.detail:
        fields["detail"] = outcome.detail
    return "request_ignored", fields


# Formatted once rather than per event: the names of message types, profiles, destination
# kinds and reasons.
_TYPE_NAMES: dict[int | None, str] = {int(kind): kind.name for kind in MessageType}
_TYPE_NAMES[None] = "BOOTP"
_TEXT: dict[StrEnum, str] = {
    member: str(member) for enum in (Profile, DestinationKind, Reason) for member in enum
}


def describe_request(request: Message, source: tuple[str, int] | None = None) -> dict[str, Any]:
    """The request's fields of an event (with `source` first, when given)."""
    message_type = request.message_type
    type_name = _TYPE_NAMES.get(message_type)
    data = request.data
    start = request.offsets.get(_VENDOR_CLASS)
    vendor_class = None
    if start is not None:
        vendor_class = (
            request.option(_VENDOR_CLASS)
            if request.joined
            else (data[start : start + data[start - 1]])
        )
    fields: dict[str, Any] = {} if source is None else {"source": f"{source[0]}:{source[1]}"}
    fields["xid"] = "0x" + data[4:8].hex()
    fields["chaddr"] = request.chaddr.hex(":")
    fields["message_type"] = str(message_type) if type_name is None else type_name
    fields["vendor_class"] = None if vendor_class is None else vendor_class.decode("latin-1")
    fields["ciaddr"] = dotted(request.ciaddr)
    fields["giaddr"] = dotted(request.giaddr)
    return fields
