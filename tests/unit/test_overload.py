"""The receive queue's controller (runtime/overload.py): from a queue's wait and length to the
fair share and the stale flag. Plain values in, no sockets."""

from ucdhcp.core.limits import UNSHED, Limits, LimitSettings
from ucdhcp.runtime.overload import (
    CALM_SECONDS,
    SHARE_FLOOR,
    QueueWatch,
    rcvbuf_errors,
    split_drops,
)
from ucdhcp.runtime.stats import Statistics

SHORT, LONG = 0.001, 0.05  # seconds of queue: below and above the shedding threshold
BACKLOG = 1000.0


def watch(*sources: tuple[str, int]) -> QueueWatch:
    """A controller over limits that counted `count` requests from each source this window."""
    limits = Limits(LimitSettings(max_wait=2.0))
    for source, count in sources:
        for _ in range(count):
            limits.admit(source, True, None)
    return QueueWatch(limits, Statistics(), list)


def test_a_short_queue_sheds_nothing() -> None:
    queue = watch(("10.1.3.66", 5000), ("10.1.2.50", 3))
    queue.adjust(SHORT, BACKLOG, now=100.0)
    assert queue.limits.share == UNSHED and not queue.limits.stale


def test_an_overloaded_queue_cuts_the_heaviest_first_down_to_the_floor() -> None:
    queue = watch(("10.1.3.66", 5000), ("10.1.2.50", 3))
    queue.adjust(LONG, BACKLOG, now=100.0)  # the window started here: 5000 within one tick
    first = queue.target
    assert SHARE_FLOOR <= first < 5000 / 0.01  # a quarter of the heaviest's rate
    for tick in range(1, 20):
        queue.adjust(LONG, BACKLOG, now=100.0 + tick * 0.01)
    assert queue.target == SHARE_FLOOR
    # the share is the count allowed so far in the window, never less than a phone has
    assert 2 <= queue.limits.share <= SHARE_FLOOR
    assert set(queue.filtered) == {"10.1.3.66"}  # the heaviest, in the kernel from now on


def test_the_only_source_asking_is_never_filtered() -> None:
    queue = watch(("10.9.0.1", 20_000))
    queue.adjust(LONG, BACKLOG, now=100.0)
    assert queue.filtered == {}


def test_the_share_grows_back_while_the_queue_is_short_and_ends_when_nobody_is_held() -> None:
    queue = watch(("10.1.3.66", 5000), ("10.1.2.50", 3))
    for tick in range(20):
        queue.adjust(LONG, BACKLOG, now=100.0 + tick * 0.01)
    held = queue.target
    queue.adjust(SHORT, BACKLOG, now=100.3)  # the flooder is still held at its share
    assert queue.target > held
    queue.limits.new_window()  # the flood stopped: nobody reaches the share any more
    queue.adjust(SHORT, BACKLOG, now=100.31)
    assert queue.target != UNSHED
    queue.adjust(SHORT, BACKLOG, now=100.31 + CALM_SECONDS)
    assert queue.target == UNSHED and queue.limits.share == UNSHED


def test_a_queue_older_than_max_wait_drops_what_is_read_until_it_is_short_again() -> None:
    queue = watch(("10.1.2.50", 1))
    queue.adjust(2.5, BACKLOG, now=100.0)
    assert queue.limits.stale
    queue.adjust(0.5, BACKLOG, now=100.01)
    assert not queue.limits.stale


def test_rcvbuf_errors_is_read_from_the_udp_lines_of_snmp(tmp_path) -> None:
    snmp = tmp_path / "snmp"
    snmp.write_text(
        "Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors\n"
        "Udp: 7534549 0 19503 7554089 622 0\n"
        "UdpLite: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors\n"
        "UdpLite: 0 0 0 0 0 0\n"
    )
    assert rcvbuf_errors(str(snmp)) == 622
    assert rcvbuf_errors(str(tmp_path / "missing")) is None


def test_kernel_drops_are_split_between_a_full_queue_and_the_source_filter() -> None:
    # No filter ever attached (or RcvbufErrors unreadable): all the queue's.
    assert split_drops(10, None) == {"queue_full": 10, "source_filter": 0}
    # RcvbufErrors did not grow: every drop was the filter's.
    assert split_drops(500, 0) == {"queue_full": 0, "source_filter": 500}
    assert split_drops(500, 120) == {"queue_full": 120, "source_filter": 380}
    # The namespace's counter also counts other sockets' full queues: never more than dropped.
    assert split_drops(500, 9000) == {"queue_full": 500, "source_filter": 0}
    assert split_drops(500, -3) == {"queue_full": 0, "source_filter": 500}
