"""The decision: datagram + policy + arrival -> Reply | Ignored. Pure, no I/O.

Strategy: every early exit is an Ignored with a reason from a closed enum, so the glue can
count and log without knowing the rules. DecodeError is caught here and only here. This is
the per-packet path: plain ints for option codes, memoised site and option lookups (see
Policy), and no object built that the reply does not need.
"""

from enum import StrEnum
from typing import Final

from ..wire.errors import DecodeError
from ..wire.message import CLIENT_PORT, Message, MessageType, Op, dotted, parse_message
from ..wire.options import OptionCode
from ..wire.relay import link_selection
from ..wire.reply import encode_plain_reply, encode_reply
from .limits import ADMITTED, OVER_LIMIT, OVER_SHARE, Limits
from .policy import Policy, Profile, Site
from .routing import (
    LIMITED_BROADCAST,
    ZERO,
    Destination,
    DestinationKind,
    refused_address,
    reply_destination,
)

# Plain ints, not enum members: read for every packet.
_BOOTREQUEST: Final = int(Op.BOOTREQUEST)
_INFORM: Final = int(MessageType.INFORM)
_DISCOVER: Final = int(MessageType.DISCOVER)
_ACK: Final = int(MessageType.ACK)
_OFFER: Final = int(MessageType.OFFER)
_PARAMETERS: Final = int(OptionCode.PARAMETER_REQUEST_LIST)
_VENDOR_CLASS: Final = int(OptionCode.VENDOR_CLASS)
_RELAY_AGENT_INFORMATION: Final = int(OptionCode.RELAY_AGENT_INFORMATION)
_SUBNET_SELECTION: Final = int(OptionCode.SUBNET_SELECTION)
_MAX_MESSAGE_SIZE: Final = int(OptionCode.MAX_MESSAGE_SIZE)
_CIADDR: Final = DestinationKind.CIADDR
_RELAY: Final = DestinationKind.RELAY
_BROADCAST: Final = DestinationKind.BROADCAST


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
    RATE_LIMITED = "rate_limited"  # over a reply limit (limits.py)
    # the reply would go to a broadcast, multicast, loopback, zero or network address taken
    # from the packet: one request must never reach many hosts, or this host
    REFUSED_DESTINATION = "refused_destination"
    # more requests this second from one host than limits.requests_per_source (a giaddr from a
    # source outside replies.trusted_relays, when set, makes no host a relay): dropped before
    # parsing, so a flood from one host costs little
    SENDER_OVER_LIMIT = "sender_over_limit"
    # the receive queue is overloaded and this source has had more than its fair share of this
    # second (the heaviest sources first, runtime/overload.py): dropped before parsing
    OVER_FAIR_SHARE = "over_fair_share"
    # read after waiting in the receive queue longer than limits.max_wait: its phone has given
    # up on it or is about to retransmit; dropped before parsing
    STALE = "stale"


# The reasons a flood draws, as constants (a member looked up on the class is a dict look-up).
_SENDER_OVER_LIMIT: Final = Reason.SENDER_OVER_LIMIT
_OVER_FAIR_SHARE: Final = Reason.OVER_FAIR_SHARE
_STALE: Final = Reason.STALE
_RATE_LIMITED: Final = Reason.RATE_LIMITED
_MALFORMED: Final = Reason.MALFORMED


class Arrival:
    """Where a datagram came in: the server identifier to send, the receiving interface and
    its address (which picks the site when the request names no address of its own), and the
    network and broadcast addresses of the host's subnets, which no reply may go to."""

    __slots__ = ("address", "interface", "refused", "refused_text", "server_id")

    def __init__(
        self,
        server_id: bytes,
        interface: str | None = None,
        address: bytes | None = None,
        refused: frozenset[bytes] = frozenset(),
    ) -> None:
        self.server_id = server_id  # 4 bytes, option 54 (RFC 2131 §4.1): usually `address`
        self.interface = interface
        self.address = server_id if address is None else address
        self.refused = refused
        self.refused_text = frozenset(dotted(packed) for packed in refused)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Arrival):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def _key(self) -> tuple[bytes, str | None, bytes, frozenset[bytes]]:
        return (self.server_id, self.interface, self.address, self.refused)

    def __repr__(self) -> str:
        return (
            f"Arrival(server_id={self.server_id!r}, interface={self.interface!r},"
            f" address={self.address!r}, refused={sorted(self.refused)!r})"
        )


class Reply:
    """`delay`: seconds the send path must hold the payload before sending it (a proxy OFFER
    waits for the lease server's OFFER to reach the client first); 0 for an ACK."""

    __slots__ = ("delay", "destination", "payload", "profile", "request", "site")

    def __init__(
        self,
        payload: bytes,
        destination: Destination,
        site: Site,
        profile: Profile,
        request: Message,
        delay: float = 0.0,
    ) -> None:
        self.payload = payload
        self.destination = destination
        self.site = site
        self.profile = profile
        self.request = request
        self.delay = delay

    def __repr__(self) -> str:
        return f"Reply({len(self.payload)} bytes to {self.destination}, site={self.site.name})"


class Ignored:
    __slots__ = ("detail", "reason", "request")

    def __init__(self, reason: Reason, request: Message | None = None, detail: str = "") -> None:
        self.reason = reason
        self.request = request
        self.detail = detail

    def __repr__(self) -> str:
        return f"Ignored({self.reason!s}{': ' + self.detail if self.detail else ''})"


Outcome = Reply | Ignored


class Responder:
    """Holds the current policy; `policy` may be replaced between two calls (reload).

    `lean`: answer the common INFORM through `lean_inform` (False: always the general path,
    for the property test that compares the two).
    """

    def __init__(self, policy: Policy, limits: Limits | None = None, *, lean: bool = True) -> None:
        self.policy = policy
        self.limits = limits
        self.lean = lean

    def respond(self, datagram: bytes, source: tuple[str, int], arrival: Arrival) -> Outcome:
        policy = self.policy  # one read: a reload mid-decision cannot mix two configs
        limits = self.limits
        if limits is not None:
            # Every source, before parsing: giaddr (bytes 24-28) only says whether it claims
            # to speak for many phones, which a trusted relay may (a datagram too short to
            # have a giaddr is one host's).
            relayed = datagram[24:28] != ZERO and len(datagram) >= 28
            verdict = limits.admit(source[0], relayed, policy.trusted_sources)
            if verdict != ADMITTED:
                return Ignored(_dropped_unread(verdict))
        try:
            request = parse_message(datagram)
            if self.lean:
                outcome = lean_inform(request, policy, source, arrival, limits)
                if outcome is not None:
                    return outcome
            return _decide(request, policy, source, arrival, limits)
        except DecodeError as error:
            return Ignored(_MALFORMED, None, str(error))


def _dropped_unread(verdict: int) -> Reason:
    if verdict == OVER_LIMIT:
        return _SENDER_OVER_LIMIT
    return _OVER_FAIR_SHARE if verdict == OVER_SHARE else _STALE


def lean_inform(
    request: Message,
    policy: Policy,
    source: tuple[str, int],
    arrival: Arrival,
    limits: Limits | None,
) -> Outcome | None:
    """The common case, a phone's INFORM (not relayed, no option 57, 82 or 118, none
    repeated, site by ciaddr or the receiving interface), answered from a memoised plan:
    the same outcome as `_decide`, byte for byte. None, having charged no limit, for anything
    else, and for an INFORM the general path would not answer: `_decide` decides those."""
    offsets = request.offsets
    if (
        request.message_type != _INFORM
        or request.op != _BOOTREQUEST
        or request.giaddr != ZERO
        or request.joined
        or _VENDOR_CLASS not in offsets
        or _MAX_MESSAGE_SIZE in offsets
        or _RELAY_AGENT_INFORMATION in offsets
        or _SUBNET_SELECTION in offsets
    ):
        return None
    # Only the unicast destinations of a request without giaddr: a tool's source port, or
    # ciaddr:68 (RFC 2131 §4.1, routing.py); the rest go the general way.
    destination = reply_destination(request, source, policy.relayed_inform)
    if destination is None or (destination.port == CLIENT_PORT and destination.kind is not _CIADDR):
        return None
    if _refused(destination, request, arrival):
        return None
    ciaddr = request.ciaddr
    site = policy.site_or_default(ciaddr if ciaddr != ZERO else arrival.address)
    if site is None:
        return None
    data = request.data
    start = offsets[_VENDOR_CLASS]
    vendor_class = data[start : start + data[start - 1]]
    start = offsets.get(_PARAMETERS, 0)
    requested = data[start : start + data[start - 1]] if start else b""
    plan = policy.lean_plan(vendor_class, requested, site, arrival.server_id)
    if plan is None:
        return None
    payload = encode_plain_reply(request, plan.prefix, plan.body)
    if payload is None:
        return None
    if limits is not None and not limits.allow(
        request.chaddr, destination.address, destination.port, False
    ):
        return Ignored(_RATE_LIMITED, request)
    return Reply(payload, destination, site, plan.profile, request)


def _decide(
    request: Message,
    policy: Policy,
    source: tuple[str, int],
    arrival: Arrival,
    limits: Limits | None = None,
) -> Outcome:
    if request.op != _BOOTREQUEST:
        return Ignored(Reason.NOT_REQUEST, request)
    message_type = request.message_type
    if message_type == _INFORM:
        reply_type = _ACK
    elif message_type is None:
        return Ignored(Reason.NO_MESSAGE_TYPE, request)
    elif message_type != _DISCOVER:
        return Ignored(Reason.UNSUPPORTED_TYPE, request)
    elif not policy.answer_discover:
        return Ignored(Reason.DISCOVER_NOT_ANSWERED, request)
    else:
        reply_type = _OFFER
    trusted = policy.trusted_relays
    if trusted is not None and request.giaddr != ZERO and request.giaddr not in trusted:
        return Ignored(Reason.UNTRUSTED_RELAY, request)
    vendor_class = request.option(_VENDOR_CLASS)
    if vendor_class is None:
        return Ignored(Reason.NO_VENDOR_CLASS, request)
    profile = policy.profile_for(vendor_class)
    if profile is None or (reply_type == _OFFER and profile not in policy.answer_discover):
        return Ignored(Reason.VENDOR_CLASS_NOT_SERVED, request)
    destination = reply_destination(request, source, policy.relayed_inform)
    if destination is None and reply_type == _OFFER:
        # A DORA client without an address: a proxy OFFER (PXE practice) is broadcast.
        destination = Destination(LIMITED_BROADCAST, CLIENT_PORT, DestinationKind.BROADCAST)
    if destination is None:
        return Ignored(Reason.NO_DESTINATION, request)
    if _refused(destination, request, arrival):
        return Ignored(Reason.REFUSED_DESTINATION, request)
    site = select_site(request, policy, arrival)
    if site is None:
        return Ignored(Reason.NO_SITE, request)
    chosen = policy.option_set(site, profile, request.option(_PARAMETERS) or b"")
    if chosen is None:
        return Ignored(Reason.NOTHING_CONFIGURED, request)
    if not chosen.tlvs:
        return Ignored(Reason.NOT_REQUESTED, request)
    payload = encode_reply(
        request, reply_type, arrival.server_id, chosen.tlvs,
        broadcast=destination.set_broadcast_flag, joined=chosen.joined,
    )  # fmt: skip
    if payload is None:
        return Ignored(Reason.REPLY_TOO_LARGE, request)
    # Charged only now: a request that draws no reply must not use up anyone's allowance.
    if limits is not None:
        kind = destination.kind
        shared = kind is _RELAY or kind is _BROADCAST
        if not limits.allow(request.chaddr, destination.address, destination.port, shared):
            return Ignored(_RATE_LIMITED, request)
    if reply_type == _OFFER:
        # A client that takes the first OFFER would REQUEST 0.0.0.0 from us and never get a
        # lease: ours must come after the lease server's.
        return Reply(payload, destination, site, profile, request, policy.offer_delay)
    return Reply(payload, destination, site, profile, request)


def _refused(destination: Destination, request: Message, arrival: Arrival) -> bool:
    kind = destination.kind
    if kind is _CIADDR:
        return refused_address(request.ciaddr, arrival.refused)
    if kind is _RELAY:
        return refused_address(request.giaddr, arrival.refused)
    # The datagram's source: the kernel already drops martian sources (multicast, broadcast,
    # 0/8 and loopback from outside), but not a local subnet's directed broadcast address.
    return kind is not _BROADCAST and destination.address in arrival.refused_text


def select_site(request: Message, policy: Policy, arrival: Arrival) -> Site | None:
    """RFC 3527 link selection, then RFC 3011 option 118, then giaddr, then ciaddr, then the
    receiving interface's address, then the default site.

    Raises:
        DecodeError: option 82 is malformed.
    """
    offsets = request.offsets
    if _RELAY_AGENT_INFORMATION in offsets or _SUBNET_SELECTION in offsets:
        # Option 82 is a relay's to add (RFC 3046 §2.1, protocol.md §10): from a client
        # (giaddr 0) it is not trusted to pick the site. Option 118 is the client's own (RFC 3011).
        relay_info = request.option(_RELAY_AGENT_INFORMATION) if request.giaddr != ZERO else None
        link = None if relay_info is None else link_selection(relay_info)
        for address in (link, request.option(_SUBNET_SELECTION)):
            if address is not None and address != ZERO:
                # The first address given decides; a later one must not override it.
                return policy.site_or_default(address)
    if request.giaddr != ZERO:
        return policy.site_or_default(request.giaddr)
    if request.ciaddr != ZERO:
        return policy.site_or_default(request.ciaddr)
    return policy.site_or_default(arrival.address)
