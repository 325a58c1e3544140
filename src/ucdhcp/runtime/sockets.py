"""Opening the listening UDP sockets, and saying clearly why one cannot be opened."""

import errno
import os
import socket
import sys
from dataclasses import dataclass

import structlog

from ..config.settings import ServerSettings

log = structlog.get_logger("ucdhcp")
_SO_RCVBUFFORCE = getattr(socket, "SO_RCVBUFFORCE", 33)  # Linux; missing from typeshed


class BindError(Exception):
    """The listening socket could not be opened; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class SocketSpec:
    """Where one UDP socket binds, and how."""

    address: str
    port: int
    receive_buffer: int
    reuse_port: bool = False  # one of several worker processes sharing the port

    @classmethod
    def of(cls, server: ServerSettings, reuse_port: bool = False) -> "SocketSpec":
        """The socket [server] asks for (with address 0.0.0.0, each interface's)."""
        return cls(
            address=str(server.address),
            port=server.port,
            receive_buffer=server.receive_buffer,
            reuse_port=reuse_port,
        )


def udp_socket(spec: SocketSpec, interface: str | None = None) -> socket.socket:
    """A non-blocking UDP socket bound as `spec` says, able to send broadcasts; with
    `interface`, it only sees (and only sends through) that device.

    Raises:
        OSError: the address or device is gone, the port is taken, privileges are missing.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)  # 255.255.255.255 replies
        if spec.reuse_port:
            # SO_REUSEPORT: the kernel spreads datagrams over the workers' sockets by flow hash.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        if interface is not None:
            # Before bind(): sockets bound to different devices may then share the port.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, interface.encode())
        if spec.receive_buffer:  # 0: the kernel's default (a tool's socket)
            set_receive_buffer(sock, spec.receive_buffer)
        sock.bind((spec.address, spec.port))
    except OSError:
        sock.close()
        raise
    sock.setblocking(False)
    return sock


def open_socket(spec: SocketSpec) -> socket.socket:
    """A socket bound to one address as `spec` says.

    Raises:
        BindError: the port is taken by another server, or privileges are missing.
    """
    if not spec.reuse_port:  # workers: the supervisor checked before starting them
        refuse_if_taken(spec)
    try:
        return udp_socket(spec)
    except OSError as error:
        raise BindError(_bind_failure(spec, error)) from error


def refuse_if_taken(spec: SocketSpec) -> None:
    # SO_REUSEADDR lets a UDP bind succeed next to another server that also set it, which would
    # silently split the traffic. A probe without it finds such a server first.
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.bind((spec.address, spec.port))
    except OSError as error:
        raise BindError(_bind_failure(spec, error)) from error
    finally:
        probe.close()


def set_receive_buffer(sock: socket.socket, size: int) -> None:
    # A boot storm arrives faster than one core drains it; SO_RCVBUFFORCE (root or
    # CAP_NET_ADMIN) ignores net.core.rmem_max, SO_RCVBUF is capped by it.
    try:
        sock.setsockopt(socket.SOL_SOCKET, _SO_RCVBUFFORCE, size)
    except OSError:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, size)
    # The kernel reports twice what it grants (socket(7)): half is the usable figure.
    granted = sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF) // 2
    if granted < size:
        log.warning(
            "receive_buffer_capped",
            requested=size,
            granted=granted,
            message="a boot storm may overflow the socket: raise net.core.rmem_max"
            f" (sysctl -w net.core.rmem_max={size}) or grant CAP_NET_ADMIN",
        )


def _bind_failure(spec: SocketSpec, error: OSError) -> str:
    where = f"{spec.address}:{spec.port}"
    if error.errno == errno.EADDRINUSE:
        return (
            f"UDP {where} is already in use: another DHCP server"
            " (dnsmasq, Kea, dhcpd, a second ucdhcp) runs here"
        )
    if error.errno == errno.EACCES:
        # setcap must name the real file: a venv's python is usually a symlink to the system's.
        interpreter = os.path.realpath(sys.executable)
        return (
            f"cannot bind UDP {where}: ports below 1024 need root or CAP_NET_BIND_SERVICE:"
            " run it with sudo, as the systemd unit (systemd/ucdhcp.service) or in the container"
            " image, or give the interpreter the capability with"
            f" `sudo setcap cap_net_bind_service=+ep {interpreter}` (every program it runs gets it)"
        )
    if error.errno == errno.EADDRNOTAVAIL:
        return f"cannot bind UDP {where}: no interface has address {spec.address}"
    return f"cannot bind UDP {where}: {error.strerror or error}"
