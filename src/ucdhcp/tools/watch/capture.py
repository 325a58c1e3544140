"""The watch's only I/O: an AF_PACKET socket on one interface that sees every frame in both
directions (packet(7); needs CAP_NET_RAW) and never sends."""

import select
import socket
import time
from types import TracebackType

from ..deployment import ToolError

ETH_P_ALL = 0x0003  # every protocol, outgoing frames included (only ETH_P_ALL sees those)
MAX_FRAME = 65535


class Capture:
    """Frames on `interface`, as (monotonic time, bytes)."""

    def __init__(self, interface: str) -> None:
        self.interface = interface
        try:
            self._sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        except PermissionError:
            raise ToolError("capturing needs root or CAP_NET_RAW") from None
        try:
            self._sock.bind((interface, ETH_P_ALL))
        except OSError as error:
            self._sock.close()
            raise ToolError(f"cannot capture on {interface}: {error.strerror or error}") from None

    def receive(self, wait: float) -> tuple[float, bytes] | None:
        """The next frame within `wait` seconds, or None."""
        if not select.select([self._sock], [], [], max(wait, 0.0))[0]:
            return None
        frame, address = self._sock.recvfrom(MAX_FRAME)
        if address[0] != self.interface:  # queued before bind() narrowed the socket
            return None
        return time.monotonic(), frame

    def close(self) -> None:
        self._sock.close()

    def __enter__(self) -> "Capture":
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()
