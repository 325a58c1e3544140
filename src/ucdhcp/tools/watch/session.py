"""The watch's loop: frames in, closed transactions and a summary out, for `duration` seconds
or until interrupted (Ctrl-C still prints every open transaction and the summary)."""

import time
from collections.abc import Callable

from .capture import Capture
from .frames import dhcp_datagram
from .report import Summary
from .transactions import Tracker, Transaction

Emit = Callable[[Transaction], None]


def watch(capture: Capture, tracker: Tracker, duration: float | None, emit: Emit) -> Summary:
    summary = Summary()

    def close(transactions: list[Transaction]) -> None:
        for transaction in transactions:
            summary.add(transaction)
            emit(transaction)

    deadline = None if duration is None else time.monotonic() + duration
    try:
        while deadline is None or time.monotonic() < deadline:
            now = time.monotonic()
            wakeups = [t for t in (deadline, tracker.next_close()) if t is not None]
            received = capture.receive(min(wakeups, default=now + 1.0) - now)
            if received is not None:
                datagram = dhcp_datagram(received[1])
                if datagram is not None:
                    tracker.feed(received[0], datagram)
            close(tracker.close_due(time.monotonic()))
    except KeyboardInterrupt:
        pass
    close(tracker.close_all())
    return summary
