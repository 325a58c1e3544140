"""Large blocks straight from mmap, so that memory the abuse limits free goes back to the
system.

Each kind of key in core/limits.py is counted in a 1.5 MiB list, taken on the first request
of a one-second window and dropped at its end. glibc serves a block that large with mmap, but
after the first one is freed it raises its mmap threshold above it (the dynamic threshold), so
later ones come from the heap, where a few of them, freed in another order than taken, keep
the heap from shrinking: RSS grew by 4.6-6.2 MB during a flood and stayed there (the target:
nothing may grow by more than 5 MB). A fixed threshold keeps every such block in mmap: taken
and returned whole, at the cost of a few page faults per window.
"""

import ctypes
import ctypes.util

_M_MMAP_THRESHOLD = -3  # glibc malloc.h
THRESHOLD = 1 << 20  # bytes: the sketches (1.5 MiB) are above it, little else is


def keep_large_blocks_in_mmap() -> bool:
    """Fix glibc's mmap threshold; False where there is no glibc (musl) or it refuses."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        return bool(libc.mallopt(_M_MMAP_THRESHOLD, THRESHOLD))
    except (OSError, AttributeError):
        return False
