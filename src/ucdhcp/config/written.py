"""Reading the config file only once its writer is done: a reload must never parse a file that
`cat > file`, or an editor without atomic save, is still writing.

Strategy: a read counts only when (1) no process has the file open for writing, which a read
lease proves (fcntl F_SETLEASE F_RDLCK fails with EAGAIN while a writer holds the file open, and
a writer opening it meanwhile waits until the lease is released; it needs file ownership or
CAP_LEASE, so it is skipped where refused), (2) its (inode, size, mtime) did not change during
the read, and (3) it had not changed for `quiet` seconds before: an mtime that old, or the same
signature seen `quiet` seconds earlier (which also copes with an mtime in the future). A writer
that closes the file and pauses longer than `quiet` between writes, or one that keeps it open
where no lease can be taken, cannot be told apart from a finished one.
"""

import asyncio
import errno
import fcntl
import os
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path

QUIET = 0.5  # seconds without a change before a file counts as written
TIMEOUT = 10.0  # give up waiting after this long; the caller keeps its old config
POLL = 0.05
_NO_LEASE = {errno.EACCES, errno.EPERM, errno.EINVAL, errno.ENOLCK, errno.ENOSYS}


class StillWritingError(Exception):
    """The file was still being written when the wait ended."""


@dataclass(frozen=True, slots=True)
class Signature:
    inode: int
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, status: os.stat_result) -> "Signature":
        return cls(status.st_ino, status.st_size, status.st_mtime_ns)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One read of the file; `data` is None when a writer had it open (no read was made)."""

    data: bytes | None
    before: Signature
    after: Signature

    @property
    def consistent(self) -> bool:
        return self.data is not None and self.before == self.after


def snapshot(path: Path) -> Snapshot:
    """Read the file under a read lease where one can be taken. Raises OSError."""
    # O_NONBLOCK: an open that would wait for another process's write lease fails instead.
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK)
    try:
        before = Signature.of(os.fstat(fd))
        leased = take_read_lease(fd)
        if leased is None:
            return Snapshot(None, before, before)
        try:
            data = _read_all(fd)
            # stat the path, not the fd: a file renamed over it meanwhile is a change too
            return Snapshot(data, before, Signature.of(os.stat(path)))
        finally:
            if leased:
                fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_UNLCK)
    finally:
        os.close(fd)


def take_read_lease(fd: int) -> bool | None:
    """True: leased; False: leases unavailable here; None: a writer has the file open."""
    if not _lease_breaks_are_harmless():
        return False
    try:
        fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_RDLCK)
    except OSError as error:
        if error.errno == errno.EAGAIN:
            return None
        if error.errno in _NO_LEASE:  # not the owner, no CAP_LEASE, or a filesystem without
            return False
        raise
    return True


def _lease_breaks_are_harmless() -> bool:
    """A writer opening the file while we hold the lease makes the kernel signal us (SIGIO,
    fcntl(2) F_SETLEASE), and SIGIO's default action ends the process: ignore it first. The
    lease works the same (the writer waits until it is released, microseconds later). Only the
    main thread may change a signal's disposition: elsewhere no lease is taken."""
    if signal.getsignal(signal.SIGIO) is not signal.SIG_DFL:
        return True
    if threading.current_thread() is not threading.main_thread():
        return False
    signal.signal(signal.SIGIO, signal.SIG_IGN)
    return True


def _read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 1 << 16):
        chunks.append(chunk)
    return b"".join(chunks)


def is_written(
    current: Snapshot, first_seen: float, now: float, wall_ns: int, quiet: float = QUIET
) -> bool:
    """Whether `current` may be parsed; `first_seen` is when its signature was first observed
    (monotonic seconds, like `now`), `wall_ns` the wall clock to compare its mtime with."""
    if not current.consistent:
        return False
    unchanged_since_mtime = (wall_ns - current.after.mtime_ns) / 1e9
    return unchanged_since_mtime >= quiet or now - first_seen >= quiet


async def read_written(
    path: Path, *, quiet: float = QUIET, timeout: float = TIMEOUT, poll: float = POLL
) -> bytes:
    """The file's bytes once nothing has written to it for `quiet` seconds.

    Raises:
        StillWritingError: it kept changing, or stayed open for writing, for `timeout` seconds.
        OSError: it cannot be opened or read (a missing file is not waited for).
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    seen: tuple[Signature, float] | None = None
    while True:
        current = snapshot(path)
        now = loop.time()
        if seen is None or seen[0] != current.after:
            seen = (current.after, now)
        if is_written(current, seen[1], now, time.time_ns(), quiet):
            assert current.data is not None
            return current.data
        if now >= deadline:
            state = "stayed open for writing" if current.data is None else "kept changing"
            raise StillWritingError(f"the file {state} for {timeout:g} s; not reloaded")
        await asyncio.sleep(poll)
