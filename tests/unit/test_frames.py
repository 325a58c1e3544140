"""The IPv4/UDP packets that carry replies sent as Ethernet frames (sender.py): checked
against scapy's own header builder and checksum, field by field."""

from hypothesis import given
from hypothesis import strategies as st
from scapy.layers.inet import IP, UDP

from ucdhcp.runtime.sender import checksum, ip_udp_packet


def rfc1071(data: bytes) -> int:
    """The Internet checksum the long way: 16-bit words, end-around carry, complement."""
    if len(data) & 1:
        data += b"\x00"
    total = sum(int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2))
    while total > 0xFFFF:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


@given(st.binary(min_size=1, max_size=600))
def test_checksum_matches_rfc_1071_and_is_never_zero(data: bytes) -> None:
    expected = rfc1071(data)
    assert checksum(data) == (expected or 0xFFFF)  # RFC 768: a computed 0 is sent as 0xFFFF


@given(
    payload=st.binary(min_size=0, max_size=548),
    source=st.binary(min_size=4, max_size=4),
    destination=st.binary(min_size=4, max_size=4),
    port=st.sampled_from([68, 67, 50000]),
)
def test_packet_is_what_scapy_builds_and_verifies(
    payload: bytes, source: bytes, destination: bytes, port: int
) -> None:
    packet = ip_udp_packet(payload, source, destination, port)
    parsed = IP(packet)
    assert (parsed.version, parsed.ihl, parsed.ttl, parsed.proto) == (4, 5, 64, 17)
    assert parsed.len == len(packet) == 28 + len(payload)
    assert parsed.flags == "DF"
    assert (parsed.src, parsed.dst) == (
        ".".join(map(str, source)),
        ".".join(map(str, destination)),
    )
    assert (parsed[UDP].sport, parsed[UDP].dport, parsed[UDP].len) == (67, port, 8 + len(payload))
    assert bytes(parsed[UDP].payload) == payload
    # scapy recomputes both checksums when the fields are cleared: they must agree.
    rebuilt = IP(packet)
    del rebuilt.chksum
    del rebuilt[UDP].chksum
    rebuilt = IP(bytes(rebuilt))
    assert parsed.chksum == rebuilt.chksum
    assert parsed[UDP].chksum == (rebuilt[UDP].chksum or 0xFFFF)
