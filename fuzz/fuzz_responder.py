"""Coverage-guided fuzzing of the whole decision with atheris (libFuzzer), for long runs.

    .venv/bin/pip install atheris
    .venv/bin/python fuzz/fuzz_responder.py fuzz/corpus -max_total_time=600

Invariant (the same as the hypothesis properties in tests/unit/test_fuzz.py): for any bytes,
Responder.respond returns a Reply or an Ignored and never raises; a datagram that
parse_message rejects never gets a reply; every reply parses, is 300..576 bytes (or within the
request's option 57) and ends its options with End. The corpus starts from the golden vectors
(`python fuzz/fuzz_responder.py --seed fuzz/corpus` writes them).
"""

import sys
from pathlib import Path

import atheris

with atheris.instrument_imports():
    from ucdhcp.config.loading import build_policy, parse_config
    from ucdhcp.core.limits import Limits, LimitSettings
    from ucdhcp.core.responder import Arrival, Ignored, Reply, Responder
    from ucdhcp.wire.errors import DecodeError
    from ucdhcp.wire.message import parse_message
    from ucdhcp.wire.reply import max_reply_size

POLICY = build_policy(
    parse_config(
        {
            "replies": {"answer_discover": ["cpe-ocphone"], "vendor_class_match": "prefix"},
            "default_site": "hq",
            "sites": [
                {"name": "hq", "subnets": ["10.1.2.0/24"], "sip_servers": ["pool01.contoso.com"],
                 "vlan_id": 120, "ntp_servers": ["10.1.2.1"]},
                {"name": "oslo", "subnets": ["10.20.0.0/22"],
                 "sip_servers": ["sba-oslo.contoso.com", "pool01.contoso.com"]},
            ],
        }
    )
)  # fmt: skip
RESPONDER = Responder(POLICY, Limits(LimitSettings()))
ARRIVAL = Arrival(server_id=bytes((10, 1, 2, 10)))
SOURCES = (("10.1.2.50", 68), ("0.0.0.0", 68), ("10.9.0.1", 67), ("127.0.0.1", 40000))


def check(data: bytes) -> None:
    source = SOURCES[data[0] % len(SOURCES)] if data else SOURCES[0]
    outcome = RESPONDER.respond(data, source, ARRIVAL)
    try:
        request = parse_message(data)
    except DecodeError:
        assert isinstance(outcome, Ignored), "a malformed datagram got a reply"
        return
    if isinstance(outcome, Reply):
        reply = parse_message(outcome.payload)
        assert reply.op == 2 and reply.data[4:8] == data[4:8]
        assert 300 <= len(outcome.payload) <= max_reply_size(request)
        assert outcome.payload.rstrip(b"\x00").endswith(b"\xff")
    else:
        assert isinstance(outcome, Ignored)


def seed(directory: Path) -> None:
    """Write the golden requests (protocol.md §7 and variants) as the starting corpus."""
    header = (bytes((1, 1, 6, 0)) + bytes.fromhex("12345678") + bytes(4) + bytes((10, 1, 2, 50))
              + bytes(12) + bytes.fromhex("000413aabbcc") + bytes(10) + bytes(192)
              + bytes.fromhex("63825363"))  # fmt: skip
    inform = (bytes.fromhex("350108") + bytes.fromhex("3d0701000413aabbcc")
              + b"\x3c\x0cMS-UC-Client" + bytes.fromhex("37070103060f2a2b78ff"))  # fmt: skip
    relayed = header[:24] + bytes((10, 20, 0, 1)) + header[28:]
    samples = {
        "inform": header + inform,
        "inform-relayed-82": relayed + inform[:-1] + bytes.fromhex("520a0104000000010504"
                                                                 "0a140001ff"),
        "discover-cpe": header + bytes.fromhex("350101") + b"\x3c\x0bCPE-OCPHONE\x37\x01\x2b\xff",
        "overload": header + bytes.fromhex("340103") + inform,
    }  # fmt: skip
    directory.mkdir(parents=True, exist_ok=True)
    for name, sample in samples.items():
        (directory / name).write_bytes(sample)


def main() -> None:
    if sys.argv[1:2] == ["--seed"]:
        seed(Path(sys.argv[2]))
        return
    atheris.Setup(sys.argv, check)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
