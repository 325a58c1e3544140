"""The doctor's and the watch's pure parts, without sockets: the NTP packet codec (RFC 5905),
the checklist's rendering and exit decision, the capture framing and the transaction judge."""

import ipaddress
import struct

import pytest

from ucdhcp.tools.deployment import from_command_line
from ucdhcp.tools.doctor.checklist import Check, Checklist, Status, Step, fail, ok, render, warn
from ucdhcp.tools.doctor.ntp import NTP_EPOCH, NtpError, decode_response, encode_request
from ucdhcp.tools.probe.inform import Inform, encode_inform
from ucdhcp.tools.watch.frames import Datagram, dhcp_datagram
from ucdhcp.tools.watch.transactions import Problem, Tracker

TRANSMIT = bytes.fromhex("0123456789ABCDEF")


def ntp_timestamp(seconds: float) -> bytes:
    whole = int(seconds)
    return struct.pack("!II", whole + NTP_EPOCH, int((seconds - whole) * 2**32))


def server_answer(origin: bytes, receive: float, transmit: float, first: int = 0x24) -> bytes:
    return (
        bytes((first, 8, 0, 0xEC))  # LI 0 VN 4 mode 4; stratum 8; poll; precision
        + bytes(4)  # root delay
        + bytes(4)  # root dispersion
        + bytes((127, 127, 1, 0))  # reference ID (chronyd's local reference)
        + bytes(8)  # reference timestamp
        + origin  # origin: the request's transmit timestamp, echoed
        + ntp_timestamp(receive)
        + ntp_timestamp(transmit)
    )


def test_ntp_request_is_a_48_byte_client_mode_packet_carrying_the_transmit_timestamp():
    request = encode_request(TRANSMIT)
    assert len(request) == 48
    assert request[0] == 0x23  # LI 0, version 4, mode 3 (client)
    assert request[1:40] == bytes(39)
    assert request[40:48] == TRANSMIT


def test_ntp_answer_gives_stratum_reference_and_offset():
    # The server's clock is 10 s ahead; the exchange took 0.2 s on this machine's clock.
    answer = decode_response(server_answer(TRANSMIT, 1010.1, 1010.1), TRANSMIT, 1000.0, 1000.2)
    assert (answer.stratum, answer.leap, answer.reference) == (8, 0, "127.127.1.0")
    assert answer.offset == pytest.approx(10.0, abs=1e-6)
    assert answer.delay == pytest.approx(0.2, abs=1e-6)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (server_answer(TRANSMIT, 1, 1)[:47], "47 bytes, shorter than an NTP packet"),
        (server_answer(bytes(8), 1, 1), "origin timestamp is not the request's"),
        (server_answer(TRANSMIT, 1, 1, first=0x23), "mode 3, not a server answer"),
    ],
)
def test_ntp_answer_not_to_this_request_is_refused(data, reason):
    with pytest.raises(NtpError, match=reason):
        decode_response(data, TRANSMIT, 0.0, 0.0)


def test_checklist_fails_only_on_failures_and_prints_one_fix_line_under_each():
    checks = (
        ok(Step.DNS, "pool01.contoso.com resolves: 10.99.0.1"),
        warn(Step.TIME, "no option 42", "add ntp_servers"),
        Check(Step.WEB, Status.SKIP, "clock not checked"),
    )
    assert Checklist("values", checks).ok
    failed = Checklist("values", (*checks, fail(Step.TIME, "NTP 10.0.0.1: timed out", "start it")))
    assert not failed.ok
    assert render(failed).splitlines() == [
        "doctor: values",
        "DNS",
        "  ok    pool01.contoso.com resolves: 10.99.0.1",
        "Time",
        "  warn  no option 42",
        "        fix: add ntp_servers",
        "Certificate provisioning web service",
        "  skip  clock not checked",
        "Time",
        "  FAIL  NTP 10.0.0.1: timed out",
        "        fix: start it",
        "result: 1 failure, 1 ok, 1 warning",
    ]


def frame(source: str, destination: str, ports: tuple[int, int], payload: bytes) -> bytes:
    udp = struct.pack("!HHHH", *ports, 8 + len(payload), 0) + payload
    ip = (
        bytes((0x45, 0))  # version 4, header 20 bytes; DSCP
        + struct.pack("!HHHBBH", 20 + len(udp), 0, 0, 64, 17, 0)  # length, id, frag, TTL, UDP
        + bytes(map(int, source.split(".")))
        + bytes(map(int, destination.split(".")))
    )
    return bytes(6) + bytes(6) + b"\x08\x00" + ip + udp  # Ethernet: dst, src, IPv4


def test_capture_framing_finds_dhcp_and_ignores_the_rest():
    found = dhcp_datagram(frame("10.1.2.50", "255.255.255.255", (68, 67), b"abc"))
    assert found is not None
    assert (found.source, found.destination, found.payload) == (
        "10.1.2.50:68",
        "255.255.255.255:67",
        b"abc",
    )
    assert dhcp_datagram(frame("10.1.2.50", "10.1.2.1", (5353, 53), b"abc")) is None
    assert dhcp_datagram(frame("10.1.2.50", "10.1.2.1", (68, 67), b"abc")[:30]) is None


def answer_datagram(xid: int, server: str, sip_server: str) -> bytes:
    site = from_command_line([sip_server]).sites[0]
    options = (
        bytes((53, 1, 5))  # DHCPACK
        + bytes((54, 4, *map(int, server.split("."))))
        + bytes((120, len(site.option_120)))
        + site.option_120
        + bytes((43, len(site.option_43)))
        + site.option_43
        + b"\xff"
    )
    header = bytes((2, 1, 6, 0)) + xid.to_bytes(4, "big") + bytes(20) + bytes(6) + bytes(10)
    return header + bytes(192) + b"\x63\x82\x53\x63" + options


def test_tracker_flags_the_first_answer_from_another_server_with_other_values():
    chaddr = bytes(6)
    inform = encode_inform(Inform(7, chaddr, ipaddress.IPv4Address("10.1.2.50")))
    tracker = Tracker("10.1.2.10", settle=1.0)
    tracker.feed(0.0, Datagram("10.1.2.50:68", "255.255.255.255:67", inform))
    rogue = answer_datagram(7, "10.1.2.20", "pool02.contoso.com")
    tracker.feed(0.1, Datagram("10.1.2.20:67", "10.1.2.50:68", rogue))
    ours = answer_datagram(7, "10.1.2.10", "pool01.contoso.com")
    tracker.feed(0.2, Datagram("10.1.2.10:67", "10.1.2.50:68", ours))
    assert tracker.close_due(1.1) == []  # settle runs from the last packet
    (closed,) = tracker.close_due(1.2)
    assert [kind for kind, _ in closed.problems] == [
        Problem.UNEXPECTED_SERVER,
        Problem.DIFFERENT_VALUES,
        Problem.ANSWERED_FIRST,
    ]
