"""Freed sketches go back to the system (runtime/allocator.py), in a fresh interpreter."""

import subprocess
import sys

CHURN = """
import sys
from ucdhcp.core.limits import LimitSettings, Limits
from ucdhcp.runtime.allocator import keep_large_blocks_in_mmap

def rss_kib():
    with open("/proc/self/status") as status:
        return next(int(l.split()[1]) for l in status if l.startswith("VmRSS"))

fixed = keep_large_blocks_in_mmap() if sys.argv[1] == "fixed" else None
settings = LimitSettings(replies_per_client=20, replies_per_destination=50, requests_per_source=100)
limits = Limits(settings)
before = rss_kib()
for window in range(30):  # windows in which different kinds of key are counted first
    for n in range(200):
        source = f"10.1.{window % 7}.{n}"
        if window % 2:
            limits.allow(bytes(6), source, 68, False)
            limits.admit(source, True, None)
        else:
            limits.admit(source, False, None)
            limits.allow(bytes(6), source, 68, window % 3 == 0)
    limits.new_window()
print(fixed, rss_kib() - before)
"""


def test_sketches_freed_at_each_window_leave_no_heap_behind() -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHURN, "fixed"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    fixed, growth = done.stdout.split()
    assert fixed == "True", done.stderr
    assert int(growth) < 1024  # KiB: not even one sketch (1.5 MiB) kept
