"""What phone.py sees on a link: DHCP messages in their Ethernet/IP/UDP envelope (scapy reads
and builds the envelope; tests/dhcp reads and builds the DHCP message inside it).
"""

from __future__ import annotations

import json

from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether

from tests.dhcp.reply import Bootp

BROADCAST_MAC = "ff:ff:ff:ff:ff:ff"
LIMITED_BROADCAST = "255.255.255.255"


def broadcast_frame(mac: str, payload: bytes, source: str = "0.0.0.0") -> bytes:
    """The payload from `source`:68 to 255.255.255.255:67 in a broadcast Ethernet frame."""
    frame = (
        Ether(src=mac, dst=BROADCAST_MAC)
        / IP(src=source, dst=LIMITED_BROADCAST, ttl=64)
        / UDP(sport=68, dport=67)
        / payload
    )
    return bytes(frame)


class Frame(Bootp):
    """One DHCP frame seen by phone.py: the Ethernet/IP/UDP envelope and the message."""

    def __init__(self, raw: bytes, outgoing: bool) -> None:
        self.raw = raw
        self.outgoing = outgoing
        self.ether = Ether(raw)
        self.ip = self.ether[IP]
        super().__init__(bytes(self.ip[UDP].payload))

    @property
    def eth_dst(self) -> str:
        return str(self.ether.dst)

    @property
    def eth_src(self) -> str:
        return str(self.ether.src)

    @property
    def ip_src(self) -> str:
        return str(self.ip.src)

    @property
    def ip_dst(self) -> str:
        return str(self.ip.dst)

    @property
    def sport(self) -> int:
        return int(self.ip[UDP].sport)

    @property
    def dport(self) -> int:
        return int(self.ip[UDP].dport)

    def describe(self) -> str:
        direction = "out" if self.outgoing else "in"
        return (
            f"{direction} {self.ip_src}:{self.sport} -> {self.ip_dst}:{self.dport}"
            f" (eth {self.eth_dst}) op {self.op} xid {self.xid:#x} type {self.message_type}"
            f" server_id {self.server_id}"
        )


class AcceptedDatagram(Bootp):
    """A datagram the phone's UDP port 68 socket accepted: what its DHCP client would read."""

    def __init__(self, payload: bytes, source: tuple[str, int], destination: str) -> None:
        super().__init__(payload)
        self.source = source
        self.destination = destination  # the IP header's destination (IP_PKTINFO)


class PhoneCapture(list[Frame]):
    """The frames phone.py saw on the link, and in `datagrams` what its socket accepted."""

    def __init__(self, frames: list[Frame], datagrams: list[AcceptedDatagram]) -> None:
        super().__init__(frames)
        self.datagrams = datagrams

    def accepted(self, xid: int) -> list[AcceptedDatagram]:
        """BOOTREPLYs to this xid that reached the phone's socket."""
        return [d for d in self.datagrams if d.op == 2 and d.xid == xid]


def parse_output(output: str) -> PhoneCapture:
    """phone.py's JSON lines (the ready line skipped)."""
    frames, datagrams = [], []
    for line in output.splitlines():
        record = json.loads(line)
        if "frame" in record:
            frames.append(Frame(bytes.fromhex(record["frame"]), record["outgoing"]))
        elif "datagram" in record:
            source = (record["source"][0], record["source"][1])
            datagrams.append(
                AcceptedDatagram(bytes.fromhex(record["datagram"]), source, record["destination"])
            )
    return PhoneCapture(frames, datagrams)
