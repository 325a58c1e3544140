"""Where a reply goes: the RFC 2131 §4.1 / §4.3.5 rules, in one function.

Pure: no sockets. The server turns a Destination into a sendto().
"""

from enum import StrEnum
from typing import Final

from ..wire.message import CLIENT_PORT, SERVER_PORT, Message, dotted
from .policy import RelayedInform

ZERO: Final = b"\x00\x00\x00\x00"
LIMITED_BROADCAST: Final = "255.255.255.255"


class DestinationKind(StrEnum):
    CIADDR = "ciaddr"  # unicast to the client's own address
    RELAY = "relay"  # to the relay agent (giaddr:67)
    SOURCE = "source"  # back to the datagram's source address and port
    BROADCAST = "broadcast"  # 255.255.255.255:68 on the receiving interface


class Destination:
    """Where one reply goes; a value, compared by its fields. A plain class, not a NamedTuple:
    one is built per reply, and a compiled NamedTuple is a generic Python object."""

    __slots__ = ("address", "kind", "port", "set_broadcast_flag")

    def __init__(
        self, address: str, port: int, kind: DestinationKind, set_broadcast_flag: bool = False
    ) -> None:
        self.address = address
        self.port = port
        self.kind = kind
        self.set_broadcast_flag = set_broadcast_flag

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Destination):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def _key(self) -> tuple[str, int, DestinationKind, bool]:
        return (self.address, self.port, self.kind, self.set_broadcast_flag)

    def __repr__(self) -> str:
        return (
            f"Destination(address={self.address!r}, port={self.port!r}, kind={self.kind!r},"
            f" set_broadcast_flag={self.set_broadcast_flag!r})"
        )


_CIADDR: Final = DestinationKind.CIADDR
_RELAY: Final = DestinationKind.RELAY
_SOURCE: Final = DestinationKind.SOURCE
_BROADCAST: Final = DestinationKind.BROADCAST
_VIA_CIADDR: Final = RelayedInform.CIADDR


def refused_address(address: bytes, local: frozenset[bytes]) -> bool:
    """True for an address taken from a packet that a reply must never go to: 0/8 (this
    network), 127/8 (loopback), 224/4 (multicast), 240/4 and 255.255.255.255 (reserved,
    limited broadcast), or a network or broadcast address of a local subnet (`local`). An
    attacker naming one of these would make one request reach many hosts, or this host.
    """
    first = address[0]
    return first in (0, 127) or first >= 224 or address in local


def reply_destination(
    request: Message, source: tuple[str, int], relayed_inform: RelayedInform
) -> Destination | None:
    """Apply RFC 2131 §4.1 to a request; None when the reply has nowhere to go.

    - relayed (giaddr set): to ciaddr:68 when the client has an address and the policy says
      so (ISC/Kea behaviour), otherwise to giaddr:67 with BROADCAST set if ciaddr is 0;
    - not relayed, from a port other than 67/68 (a tool, not a client): back to that port,
      as dnsmasq does;
    - ciaddr set: unicast to ciaddr:68 (§4.3.5);
    - ciaddr 0: to the source address if non-zero, else broadcast if the client set the
      BROADCAST flag, else drop (yiaddr is 0 in an INFORM reply, so there is no unicast target).
    """
    ciaddr = request.ciaddr
    if request.giaddr != ZERO:
        if ciaddr != ZERO and relayed_inform is _VIA_CIADDR:
            return Destination(dotted(ciaddr), CLIENT_PORT, _CIADDR)
        return Destination(dotted(request.giaddr), SERVER_PORT, _RELAY, ciaddr == ZERO)
    address, port = source
    has_source = address != "0.0.0.0"
    if has_source and port not in (CLIENT_PORT, SERVER_PORT):
        return Destination(address, port, _SOURCE)
    if ciaddr != ZERO:
        return Destination(dotted(ciaddr), CLIENT_PORT, _CIADDR)
    if has_source:
        return Destination(address, CLIENT_PORT, _SOURCE)
    if request.broadcast:
        return Destination(LIMITED_BROADCAST, CLIENT_PORT, _BROADCAST)
    return None
