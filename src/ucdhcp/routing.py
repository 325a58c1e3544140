"""Where a reply goes: the RFC 2131 §4.1 / §4.3.5 rules, in one function.

Pure: no sockets. The server turns a Destination into a sendto().
"""

from dataclasses import dataclass
from enum import StrEnum

from .policy import RelayedInform
from .wire.message import BROADCAST_FLAG, Message

CLIENT_PORT = 68
SERVER_PORT = 67
ZERO = b"\x00\x00\x00\x00"
LIMITED_BROADCAST = "255.255.255.255"


class DestinationKind(StrEnum):
    CIADDR = "ciaddr"  # unicast to the client's own address
    RELAY = "relay"  # to the relay agent (giaddr:67)
    SOURCE = "source"  # back to the datagram's source address and port
    BROADCAST = "broadcast"  # 255.255.255.255:68 on the receiving interface


@dataclass(frozen=True, slots=True)
class Destination:
    address: str
    port: int
    kind: DestinationKind
    set_broadcast_flag: bool = False


def dotted(address: bytes) -> str:
    return f"{address[0]}.{address[1]}.{address[2]}.{address[3]}"


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
    ciaddr, giaddr = request.ciaddr, request.giaddr
    if giaddr != ZERO:
        if ciaddr != ZERO and relayed_inform is RelayedInform.CIADDR:
            return Destination(dotted(ciaddr), CLIENT_PORT, DestinationKind.CIADDR)
        return Destination(dotted(giaddr), SERVER_PORT, DestinationKind.RELAY, ciaddr == ZERO)
    source_address, source_port = source
    has_source = source_address != "0.0.0.0"
    if has_source and source_port not in (CLIENT_PORT, SERVER_PORT):
        return Destination(source_address, source_port, DestinationKind.SOURCE)
    if ciaddr != ZERO:
        return Destination(dotted(ciaddr), CLIENT_PORT, DestinationKind.CIADDR)
    if has_source:
        return Destination(source_address, CLIENT_PORT, DestinationKind.SOURCE)
    if request.flags & BROADCAST_FLAG:
        return Destination(LIMITED_BROADCAST, CLIENT_PORT, DestinationKind.BROADCAST)
    return None
