"""The network half of a test phone, run inside a namespace with `ip netns exec`.

Standard library only (it starts in ~20 ms): the frames are built and the replies parsed by
the test process with scapy. It opens an AF_PACKET socket on one interface first, then sends
(a whole Ethernet frame, or a UDP datagram from port 68 through the kernel), then reports every
DHCP frame seen on that interface, and every datagram its UDP port 68 socket accepted (what a
DHCP client's socket would get), as JSON lines on stdout, until enough replies came or the
listening time is over. Every wait is bounded by --listen.

    phone.py --iface eth0 [--frame HEX] [--udp ADDRESS HEX] [--source ADDRESS]
             [--xid N --until N] [--listen SECONDS] [--outgoing] [--ready]
"""

import argparse
import json
import select
import socket
import sys
import time

ETH_P_ALL = 0x0003  # outgoing frames are only shown to ETH_P_ALL sockets
PACKET_OUTGOING = 4
DHCP_PORTS = (67, 68)
CLIENT_PORT, SERVER_PORT = 68, 67
IP_PKTINFO = getattr(socket, "IP_PKTINFO", 8)  # Linux value; Python 3.11 lacks the name
GRACE = 0.3  # after the last expected frame: time for the socket to be handed the datagram


def is_dhcp(frame: bytes) -> bool:
    """An IPv4/UDP frame from or to port 67 or 68 (no VLAN tag: the socket sits on the link)."""
    if len(frame) < 14 + 20 + 8 or frame[12:14] != b"\x08\x00" or frame[23] != 17:
        return False
    header_length = (frame[14] & 0x0F) * 4
    udp = 14 + header_length
    source_port = int.from_bytes(frame[udp : udp + 2], "big")
    destination_port = int.from_bytes(frame[udp + 2 : udp + 4], "big")
    return source_port in DHCP_PORTS or destination_port in DHCP_PORTS


def is_reply_to(frame: bytes, xid: int) -> bool:
    bootp = 14 + (frame[14] & 0x0F) * 4 + 8
    return (
        len(frame) >= bootp + 8
        and frame[bootp] == 2
        and frame[bootp + 4 : bootp + 8] == (xid.to_bytes(4, "big"))
    )


def client_socket(interface: str, source: str) -> socket.socket:
    """UDP port 68 on the interface: sends --udp datagrams and absorbs replies (no ICMP)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, interface.encode())
    sock.setsockopt(socket.IPPROTO_IP, IP_PKTINFO, 1)
    sock.bind((source, CLIENT_PORT))
    return sock


def report_datagram(sock: socket.socket, started: float) -> None:
    data, ancillary, _flags, source = sock.recvmsg(65535, 1024)
    destination = None
    for level, kind, value in ancillary:
        if level == socket.IPPROTO_IP and kind == IP_PKTINFO:
            destination = socket.inet_ntoa(value[8:12])  # in_pktinfo.ipi_addr: header dst
    elapsed = round(time.monotonic() - started, 3)
    record = {"datagram": data.hex(), "source": list(source), "destination": destination}
    print(json.dumps({**record, "time": elapsed}))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--iface", required=True)
    parser.add_argument("--frame", action="append", default=[], help="Ethernet frame, hex")
    parser.add_argument("--udp", nargs=2, metavar=("ADDRESS", "HEX"), help="datagram to :67")
    parser.add_argument("--source", default="0.0.0.0", help="address the UDP socket binds")
    parser.add_argument("--xid", type=lambda text: int(text, 0))
    parser.add_argument("--until", type=int, default=0, help="stop after N replies to --xid")
    parser.add_argument("--listen", type=float, default=3.0)
    parser.add_argument("--outgoing", action="store_true", help="also report sent frames")
    parser.add_argument("--ready", action="store_true", help="print a ready line first")
    args = parser.parse_args()

    capture = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    capture.bind((args.iface, ETH_P_ALL))
    absorb = client_socket(args.iface, args.source)
    if args.ready:
        print(json.dumps({"ready": True}), flush=True)
    started = time.monotonic()
    for frame in args.frame:
        capture.send(bytes.fromhex(frame))
    if args.udp:
        absorb.sendto(bytes.fromhex(args.udp[1]), (args.udp[0], SERVER_PORT))

    deadline = started + args.listen
    replies = 0
    while (remaining := deadline - time.monotonic()) > 0:
        readable, _, _ = select.select([capture, absorb], [], [], remaining)
        if not readable:
            break
        if absorb in readable:
            report_datagram(absorb, started)
        if capture not in readable:
            continue
        frame, address = capture.recvfrom(65535)
        outgoing = address[2] == PACKET_OUTGOING
        if not is_dhcp(frame) or (outgoing and not args.outgoing):
            continue
        elapsed = round(time.monotonic() - started, 3)
        print(json.dumps({"frame": frame.hex(), "outgoing": outgoing, "time": elapsed}))
        if not outgoing and args.xid is not None and is_reply_to(frame, args.xid):
            replies += 1
            if args.until and replies >= args.until:
                deadline = min(deadline, time.monotonic() + GRACE)
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
