"""The kernel side of shedding on real loopback sockets: the BPF source filter and the
receive queue's SO_MEMINFO reading (runtime/source_filter.py, runtime/overload.py)."""

import socket
from collections import Counter

from ucdhcp.runtime.overload import queue_state
from ucdhcp.runtime.source_filter import SAMPLE, attach, detach

FLOODER, PHONE = "127.0.0.2", "127.0.0.3"


def _sockets() -> tuple[socket.socket, socket.socket, socket.socket]:
    server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    server.bind(("127.0.0.1", 0))
    server.setblocking(False)
    flooder = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    flooder.bind((FLOODER, 0))
    phone = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    phone.bind((PHONE, 0))
    return server, flooder, phone


def _drain(server: socket.socket) -> Counter[str]:
    senders: Counter[str] = Counter()
    for _ in range(100_000):  # bounded
        try:
            senders[server.recvfrom(2048)[1][0]] += 1
        except BlockingIOError:
            break
    return senders


def test_a_filtered_source_gets_only_a_sample_through_and_others_all() -> None:
    server, flooder, phone = _sockets()
    with server, flooder, phone:
        attach(server, [socket.inet_aton(FLOODER)])
        for _ in range(SAMPLE * 50):
            flooder.sendto(bytes(300), server.getsockname())
        for _ in range(50):
            phone.sendto(bytes(300), server.getsockname())
        senders = _drain(server)
        assert senders[PHONE] == 50
        assert 0 < senders[FLOODER] < 50 * 4  # about 50: one in SAMPLE
        queued, dropped = queue_state(server)
        assert queued == 0 and dropped >= SAMPLE * 50 - senders[FLOODER]  # counted as drops
        detach(server)
        for _ in range(50):
            flooder.sendto(bytes(300), server.getsockname())
        assert _drain(server)[FLOODER] == 50


def test_queue_state_gives_the_bytes_waiting_and_the_kernels_drops() -> None:
    server, flooder, phone = _sockets()
    with server, flooder, phone:
        for _ in range(100):
            phone.sendto(bytes(300), server.getsockname())
        queued, dropped = queue_state(server)
        assert queued >= 100 * 300 and dropped == 0
        server.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # the kernel's minimum
        _drain(server)
        for _ in range(100):
            phone.sendto(bytes(300), server.getsockname())
        assert queue_state(server)[1] > 0
        detach(server)  # no filter: nothing to remove, no error
