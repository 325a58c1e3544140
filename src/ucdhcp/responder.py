"""The decision: datagram + policy + arrival -> Reply | Ignored. Pure, no I/O.

Strategy: every early exit is an Ignored with a reason from a closed enum, so the glue can
count and log without knowing the rules. DecodeError is caught here and only here.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from .policy import Policy, Profile, Site
from .routing import ZERO, Destination, reply_destination
from .wire.errors import DecodeError
from .wire.message import Message, MessageType, Op, parse_message
from .wire.options import OptionCode
from .wire.relay import link_selection
from .wire.reply import encode_reply


class Reason(StrEnum):
    MALFORMED = "malformed"
    NOT_REQUEST = "not_request"  # a BOOTREPLY: another server's answer
    NO_MESSAGE_TYPE = "no_message_type"  # plain BOOTP
    UNSUPPORTED_TYPE = "unsupported_type"  # REQUEST, DECLINE, RELEASE, ...: leases are not ours
    DISCOVER_NOT_ANSWERED = "discover_not_answered"  # DISCOVER without the proxy opt-in
    UNTRUSTED_RELAY = "untrusted_relay"
    NO_VENDOR_CLASS = "no_vendor_class"
    VENDOR_CLASS_NOT_SERVED = "vendor_class_not_served"
    NO_SITE = "no_site"
    NOTHING_CONFIGURED = "nothing_configured"  # e.g. CPE-OCPHONE at a site without a VLAN ID
    NOT_REQUESTED = "not_requested"  # option 55 asks for none of the options we have
    NO_DESTINATION = "no_destination"
    REPLY_TOO_LARGE = "reply_too_large"  # none of the options fit the client's size limit


@dataclass(frozen=True, slots=True)
class Arrival:
    """Where a datagram came in: the server identifier to use and the interface, if known."""

    server_id: bytes  # 4 bytes: the address on the receiving interface (RFC 2131 §4.1)
    interface: str | None = None


@dataclass(frozen=True, slots=True)
class Reply:
    payload: bytes
    destination: Destination
    site: Site
    profile: Profile
    request: Message


@dataclass(frozen=True, slots=True)
class Ignored:
    reason: Reason
    request: Message | None = None
    detail: str = ""


Outcome = Reply | Ignored

_REPLY_TYPE: dict[int, int | Reason] = {
    MessageType.INFORM: MessageType.ACK,
    MessageType.DISCOVER: MessageType.OFFER,
}


class Responder:
    """Holds the current policy; `policy` may be replaced between two calls (reload)."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy

    def respond(self, datagram: bytes, source: tuple[str, int], arrival: Arrival) -> Outcome:
        policy = self.policy  # one read: a reload mid-decision cannot mix two configs
        try:
            request = parse_message(datagram)
            return _decide(request, policy, source, arrival)
        except DecodeError as error:
            return Ignored(Reason.MALFORMED, None, str(error))


def _decide(request: Message, policy: Policy, source: tuple[str, int], arrival: Arrival) -> Outcome:
    if request.op != Op.BOOTREQUEST:
        return Ignored(Reason.NOT_REQUEST, request)
    reply_type = _reply_type(request, policy)
    if isinstance(reply_type, Reason):
        return Ignored(reply_type, request)
    if (
        policy.trusted_relays is not None
        and request.giaddr != ZERO
        and request.giaddr not in policy.trusted_relays
    ):
        return Ignored(Reason.UNTRUSTED_RELAY, request)
    vendor_class = request.options.get(OptionCode.VENDOR_CLASS)
    if vendor_class is None:
        return Ignored(Reason.NO_VENDOR_CLASS, request)
    profile = policy.profile_for(bytes(vendor_class))
    if profile is None or (
        reply_type == MessageType.OFFER and profile not in policy.discover_profiles
    ):
        return Ignored(Reason.VENDOR_CLASS_NOT_SERVED, request)
    site = select_site(request, policy, arrival)
    if site is None:
        return Ignored(Reason.NO_SITE, request)
    available = site.options.get(profile)
    if not available:
        return Ignored(Reason.NOTHING_CONFIGURED, request)
    chosen = _chosen_options(request, available, policy.always_send)
    if not chosen:
        return Ignored(Reason.NOT_REQUESTED, request)
    destination = reply_destination(request, source, policy.relayed_inform)
    if destination is None:
        return Ignored(Reason.NO_DESTINATION, request)
    payload = encode_reply(
        request, reply_type, arrival.server_id, chosen, broadcast=destination.set_broadcast_flag
    )
    if payload is None:
        return Ignored(Reason.REPLY_TOO_LARGE, request)
    return Reply(payload, destination, site, profile, request)


def _reply_type(request: Message, policy: Policy) -> int | Reason:
    message_type = request.message_type
    if message_type is None:
        return Reason.NO_MESSAGE_TYPE
    if message_type == MessageType.DISCOVER and not policy.discover_profiles:
        return Reason.DISCOVER_NOT_ANSWERED
    return _REPLY_TYPE.get(message_type, Reason.UNSUPPORTED_TYPE)


def select_site(request: Message, policy: Policy, arrival: Arrival) -> Site | None:
    """RFC 3527 link selection, then RFC 3011 option 118, then giaddr, then ciaddr, then the
    receiving interface's address, then the default site.

    Raises:
        DecodeError: option 82 is malformed.
    """
    relay_info = request.options.get(OptionCode.RELAY_AGENT_INFORMATION)
    link = None if relay_info is None else link_selection(relay_info)
    subnet = request.options.get(OptionCode.SUBNET_SELECTION)
    for address in (link, subnet, request.giaddr, request.ciaddr):
        if address is not None and address != ZERO:
            # The first address given decides; a later one must not override it.
            return policy.site_for(bytes(address)) or policy.default_site
    return policy.site_for(arrival.server_id) or policy.default_site


def _chosen_options(
    request: Message, available: Mapping[int, bytes], always_send: bool
) -> list[bytes]:
    # RFC 2132 §9.8: in the client's order, each once; then the always-send extras.
    requested = request.parameter_request_list
    chosen = [available[code] for code in dict.fromkeys(requested) if code in available]
    if always_send:
        chosen += [tlv for code, tlv in available.items() if code not in requested]
    return chosen
