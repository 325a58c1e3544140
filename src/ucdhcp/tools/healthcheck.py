"""The image's HEALTHCHECK: one DHCPINFORM through the running ucdhcp, answered or not.

Healthy means the serving process answered, within the time limit, a request that its config
says it answers: a phone-like DHCPINFORM (option 60 a served vendor class, option 55 asking
for 43 and 120) sent over UDP to the address and port ucdhcp serves, from an ephemeral port,
so the reply comes back to this socket (RFC 2131 source-port rule) and never leaves the host.
It takes the same path through the sockets, the event loop and the responder as a phone's
request; a hung loop, a lost socket or an interface that vanished make it fail.

- Config: the `-c` of the serving process (PID 1's command line), else $UCDHCP_CONFIG, else
  /etc/ucdhcp/ucdhcp.toml. An invalid file is reported as unhealthy: the running process
  keeps its old config, but a restart would fail.
- Target: with server.address 0.0.0.0, the first served interface (SO_BINDTODEVICE, so the
  reply is the one a phone on that interface gets) and its first address; else server.address.
- Request: the first (vendor class, ciaddr) pair that the config on disk answers, checked
  with ucdhcp's own pure responder: ciaddr the target's address, else an address of each
  site's subnets (so a relay-only deployment is checked too), built as `probe` builds a
  phone's (probe/inform.py) with chaddr 02:75:63:68:65:63 ("uchec"), which the request log
  shows.
- Cost: one datagram each way, ~0.3 s of CPU (Python start and imports), counted in the
  `source` replies counter.

Exit 0 healthy, 1 unhealthy (Docker's convention), with one line saying why.
"""

import contextlib
import ipaddress
import os
import secrets
import socket
import time
from pathlib import Path

from ..config.errors import ConfigError
from ..config.loading import load_policy
from ..config.model import Config
from ..config.settings import DEFAULT_CONFIG_FILE
from ..core.policy import Policy
from ..core.responder import Arrival, Reply, Responder
from ..runtime.addresses import served_interfaces
from ..runtime.netlink import list_ipv4_addresses
from ..wire.errors import DecodeError
from ..wire.message import MessageType, parse_message
from ..wire.options import OptionCode
from .probe.inform import Inform, encode_inform

TIMEOUT = float(os.environ.get("UCDHCP_HEALTHCHECK_TIMEOUT", "2"))
CHADDR = bytes.fromhex("027563686563")
_ASKED = (int(OptionCode.VENDOR_SPECIFIC), int(OptionCode.SIP_SERVERS))  # 43 and 120


def config_path() -> Path:
    """The serving process's `-c FILE` when it can be read, else the environment/default."""
    try:
        argv = Path("/proc/1/cmdline").read_bytes().split(b"\0")
    except OSError:
        argv = []
    words = [word.decode(errors="replace") for word in argv]
    if "serve" in words:
        for index, word in enumerate(words):
            if word in ("-c", "--config") and index + 1 < len(words):
                return Path(words[index + 1])
            if word.startswith("--config="):
                return Path(word.partition("=")[2])
        return DEFAULT_CONFIG_FILE
    return Path(os.environ.get("UCDHCP_CONFIG", str(DEFAULT_CONFIG_FILE)))


def target(config: Config) -> tuple[str | None, ipaddress.IPv4Address, Arrival]:
    """(device or None, address to send to, the Arrival ucdhcp will use for it)."""
    server = config.settings().server
    if not server.address.is_unspecified:
        return None, server.address, Arrival(server_id=server.identifier(server.address).packed)
    served = served_interfaces(list_ipv4_addresses(), server.interfaces)
    if not served:
        wanted = ", ".join(server.interfaces) if server.interfaces else "any but loopback"
        raise UnhealthyError(f"no interface to serve ({wanted}) has an IPv4 address yet")
    name, entries = next(iter(served.items()))
    address = entries[0].address
    return name, address, Arrival(server_id=server.identifier(address).packed, interface=name)


def choose_request(
    config: Config, policy: Policy, address: ipaddress.IPv4Address, arrival: Arrival
) -> tuple[bytes, int, Reply]:
    """A request the config answers, with its xid and the reply the config on disk gives."""
    candidates = [address] + [
        next(subnet.hosts(), subnet.network_address)
        for site in policy.sites
        for subnet in site.subnets
    ]
    responder = Responder(policy)
    for vendor_class in config.vendor_classes:
        for ciaddr in candidates:
            xid = secrets.randbits(32)
            request = encode_inform(
                Inform(xid, CHADDR, ciaddr, vendor_class.encode("latin-1"), _ASKED)
            )
            outcome = responder.respond(request, (str(address), 49152), arrival)
            if isinstance(outcome, Reply):
                return request, xid, outcome
    raise UnhealthyError(
        "the config answers no INFORM the health check can send (no vendor class/site"
        " combination is served): nothing to check"
    )


def exchange(
    device: str | None, address: ipaddress.IPv4Address, port: int, request: bytes, xid: int
) -> tuple[bytes, float]:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        if device is not None:
            # Unprivileged since Linux 5.7; without it the local route still says `device`.
            with contextlib.suppress(PermissionError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, device.encode())
        sock.bind((str(address), 0))
        # Connected: the reply must come from the served address and port, and an ICMP port
        # unreachable (nothing bound there any more) is reported at once.
        sock.connect((str(address), port))
        start = time.monotonic()
        deadline = start + TIMEOUT
        resend = start + TIMEOUT / 2
        sock.send(request)
        while (now := time.monotonic()) < deadline:
            if now >= resend:  # one retransmission, in case the first datagram was dropped
                sock.send(request)
                resend = deadline
            sock.settimeout(min(deadline, resend) - now)
            try:
                data = sock.recv(4096)
            except TimeoutError:
                continue
            except ConnectionRefusedError:  # ICMP port unreachable: nothing listens
                raise UnhealthyError(f"nothing listens on UDP {address}:{port}") from None
            if len(data) >= 240 and data[0] == 2 and data[4:8] == xid.to_bytes(4, "big"):
                return data, time.monotonic() - start
    where = f"UDP {address}:{port}" + (f" on {device}" if device else "")
    raise UnhealthyError(f"no answer from {where} within {TIMEOUT:g} s")


def message_type(reply: bytes) -> int | None:
    """The reply's DHCP message type (option 53), or None when it has none or is malformed."""
    try:
        return parse_message(reply).message_type
    except DecodeError:
        return None


class UnhealthyError(Exception):
    """Why the check fails, in one line."""


def main() -> int:
    path = config_path()
    try:
        config, policy = load_policy(path)
        device, address, arrival = target(config)
        request, xid, expected = choose_request(config, policy, address, arrival)
        reply, elapsed = exchange(device, address, config.server.port, request, xid)
    except ConfigError as error:
        print(f"unhealthy: the config on disk is invalid (a restart would fail): {error}")
        return 1
    except (UnhealthyError, OSError) as error:
        print(f"unhealthy: {error}")
        return 1
    kind = message_type(reply)
    where = f"{address}:{config.server.port}" + (f" on {device}" if device else "")
    if kind != MessageType.ACK:
        print(f"unhealthy: {where} answered with DHCP message type {kind}, not DHCPACK")
        return 1
    same = "as" if reply == expected.payload else "differing from (reload pending?)"
    print(
        f"healthy: DHCPACK from {where} in {elapsed * 1000:.1f} ms for site"
        f" {expected.site.name}, {same} the config on disk ({path})"
    )
    return 0
