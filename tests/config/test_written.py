"""config/written.py's read_written against real files and real writers: a `cat > file`
process that holds the file open, a thread that appends and closes, a clock in the future, and
a reader without the right to take a lease."""

import asyncio
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.files import dated_back
from ucdhcp.config.written import (
    Signature,
    Snapshot,
    StillWritingError,
    is_written,
    read_written,
    snapshot,
)

QUIET = 0.2
CONTENT = "".join(f"key_{number} = '{'x' * number}'\n" for number in range(40)).encode()
WAIT = 10.0  # bound on every wait for something that must happen


def written_long_ago(path: Path, data: bytes = CONTENT) -> Path:
    path.write_bytes(data)
    return dated_back(path)


def pieces(data: bytes = CONTENT, size: int = 37) -> list[bytes]:
    return [data[start : start + size] for start in range(0, len(data), size)]


@pytest.fixture
def cat(tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`cat > file`: a writer process that holds tmp_path/config.toml open until stdin ends."""
    path = tmp_path / "config.toml"
    process = subprocess.Popen(
        ["sh", "-c", 'exec cat > "$1"', "sh", str(path)], stdin=subprocess.PIPE
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(WAIT)


def feed(cat: subprocess.Popen[bytes], data: bytes) -> None:
    assert cat.stdin is not None
    cat.stdin.write(data)
    cat.stdin.flush()


def wait_for_size(path: Path, size: int) -> None:
    deadline = time.monotonic() + WAIT
    while (not path.exists() or path.stat().st_size < size) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert path.stat().st_size == size


@pytest.mark.asyncio
async def test_a_file_written_long_ago_is_read_at_first_attempt(tmp_path: Path) -> None:
    path = written_long_ago(tmp_path / "config.toml")
    assert await read_written(path, quiet=QUIET, timeout=0) == CONTENT


@pytest.mark.asyncio
async def test_a_file_just_written_is_read_once_unchanged_for_the_quiet_time(
    tmp_path: Path,
) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(CONTENT)
    with pytest.raises(StillWritingError, match="kept changing for 0 s"):
        await read_written(path, quiet=60, timeout=0)
    assert await read_written(path, quiet=QUIET, timeout=WAIT) == CONTENT


@pytest.mark.asyncio
async def test_an_mtime_in_the_future_does_not_block_the_reload(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(CONTENT)
    future = time.time() + 3600  # a file copied with `cp -p` from a host whose clock is ahead
    os.utime(path, (future, future))
    assert await read_written(path, quiet=QUIET, timeout=WAIT) == CONTENT


@pytest.mark.asyncio
async def test_a_writer_holding_the_file_open_is_waited_for_through_long_pauses(
    tmp_path: Path, cat: subprocess.Popen[bytes]
) -> None:
    path = tmp_path / "config.toml"
    half = len(CONTENT) // 2
    feed(cat, CONTENT[:half])
    wait_for_size(path, half)
    past = time.time() - 60  # the half file looks old: only the lease shows the writer
    os.utime(path, (past, past))
    assert snapshot(path).data is None

    reader = asyncio.create_task(read_written(path, quiet=QUIET, timeout=WAIT))
    done, _ = await asyncio.wait({reader}, timeout=5 * QUIET)
    assert not done, f"read while cat still had the file open: {reader.result()!r}"
    feed(cat, CONTENT[half:])
    assert cat.stdin is not None
    cat.stdin.close()
    assert await asyncio.to_thread(cat.wait, WAIT) == 0
    assert await asyncio.wait_for(reader, WAIT) == CONTENT


@pytest.mark.asyncio
async def test_a_file_held_open_for_writing_gives_up_after_the_timeout(tmp_path: Path) -> None:
    path = written_long_ago(tmp_path / "config.toml")
    held = pytest.raises(StillWritingError, match=r"stayed open for writing for 0\.5 s")
    with path.open("ab"), held:
        await read_written(path, quiet=QUIET, timeout=0.5)
    assert await read_written(path, quiet=QUIET, timeout=0) == CONTENT  # closed, unchanged


class Rewriter(threading.Thread):
    """Rewrites the file in place again and again: truncate, then append piece by piece,
    closing it between pieces, a few milliseconds apart (no lease can see this writer)."""

    def __init__(self, path: Path, rounds: int) -> None:
        super().__init__(daemon=True)
        self.path, self.rounds = path, rounds
        self.stop = threading.Event()
        self.writing = threading.Event()

    def run(self) -> None:
        for _ in range(self.rounds):
            for index, piece in enumerate(pieces()):
                with self.path.open("wb" if index == 0 else "ab") as file:
                    file.write(piece)
                self.writing.set()
                if self.stop.wait(0.003):
                    return
            if self.stop.wait(0.01):
                return


@pytest.mark.asyncio
async def test_a_writer_that_reopens_the_file_quickly_is_never_read_half_way(
    tmp_path: Path,
) -> None:
    path = written_long_ago(tmp_path / "config.toml")
    writer = Rewriter(path, rounds=6)
    writer.start()
    try:
        assert await asyncio.to_thread(writer.writing.wait, WAIT)
        reads = []
        for _ in range(20):  # each read starts while the writer is (probably) mid-file
            # the service's own quiet time: a busy machine can pause the writer for longer
            # than QUIET, and a writer that pauses longer than the quiet time looks finished
            reads.append(await read_written(path, timeout=WAIT))
            if not writer.is_alive():
                break
            await asyncio.sleep(0.013)
    finally:
        writer.stop.set()
        writer.join(WAIT)
    assert set(reads) == {CONTENT}


@pytest.mark.asyncio
async def test_a_file_that_keeps_changing_gives_up_after_the_timeout(tmp_path: Path) -> None:
    path = written_long_ago(tmp_path / "config.toml")
    writer = Rewriter(path, rounds=1000)
    writer.start()
    try:
        assert await asyncio.to_thread(writer.writing.wait, WAIT)  # else the old file is read
        with pytest.raises(StillWritingError, match="kept changing for 2 s"):
            await read_written(path, timeout=2)
    finally:
        writer.stop.set()
        writer.join(WAIT)


@pytest.mark.asyncio
async def test_a_missing_file_is_an_os_error_at_once(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        await read_written(tmp_path / "absent.toml", quiet=QUIET, timeout=WAIT)


def signature(size: int, mtime: float) -> Signature:
    return Signature(inode=7, size=size, mtime_ns=int(mtime * 1e9))


OLD, YOUNG = signature(1, 100.0), signature(1, 100.9)  # mtime 1 s and 0.1 s before "now"


@pytest.mark.parametrize(
    ("data", "before", "after", "first_seen", "written"),
    [
        (b"x", OLD, OLD, 10.0, True),  # mtime a second old
        (b"x", YOUNG, YOUNG, 10.0, False),  # mtime 0.1 s old, just seen
        (b"x", YOUNG, YOUNG, 9.0, True),  # ...but seen unchanged for a second already
        (b"x", OLD, signature(2, 100.0), 9.0, False),  # grew during the read
        (b"x", OLD, Signature(8, 1, int(100e9)), 9.0, False),  # renamed over during the read
        (None, OLD, OLD, 9.0, False),  # open for writing
    ],
)
def test_is_written(
    data: bytes | None, before: Signature, after: Signature, first_seen: float, written: bool
) -> None:
    current = Snapshot(data, before, after)
    assert is_written(current, first_seen, now=10.0, wall_ns=int(101e9), quiet=0.5) is written


AS_NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all"]
READ_AS_NOBODY = """
import asyncio, errno, fcntl, os, sys
from pathlib import Path
from ucdhcp.config.written import read_written
path = Path(sys.argv[1])
fd = os.open(path, os.O_RDONLY)
try:
    fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_RDLCK)
except OSError as error:
    assert error.errno in (errno.EACCES, errno.EPERM), error
else:
    raise AssertionError("the lease was granted: this test would not test the fallback")
os.close(fd)
sys.stdout.buffer.write(asyncio.run(read_written(path, quiet=0.2, timeout=10)))
"""


@pytest.mark.needs_root  # runs a reader as nobody
def test_a_reader_that_may_not_take_a_lease_still_reads_a_written_file() -> None:
    # F_SETLEASE needs the file's owner or CAP_LEASE: a service user reading root's file has
    # neither, and must fall back to the signature checks alone.
    directory = Path(tempfile.mkdtemp(prefix="ucdhcp-lease-"))
    try:
        directory.chmod(0o755)
        path = directory / "config.toml"
        path.write_bytes(CONTENT)
        path.chmod(0o644)
        result = subprocess.run(
            [*AS_NOBODY, sys.executable, "-c", READ_AS_NOBODY, str(path)],
            capture_output=True,
            timeout=WAIT * 2,
            check=False,
            env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")},
        )
        assert result.returncode == 0, result.stderr.decode()
        assert result.stdout == CONTENT
    finally:
        for child in directory.iterdir():
            child.unlink()
        directory.rmdir()


def test_a_writer_arriving_while_the_lease_is_held_does_not_kill_the_reader(tmp_path):
    # The kernel breaks a read lease by signalling its holder (SIGIO, whose default action ends
    # the process) when a writer opens the file: the service must survive it. Run in a child
    # process so that, if it does not, the test fails instead of the test run dying.
    path = tmp_path / "ucdhcp.toml"
    path.write_text("[server]\n", encoding="utf-8")
    script = """
import fcntl, os, subprocess, sys, time
from ucdhcp.config.written import take_read_lease
path = sys.argv[1]
fd = os.open(path, os.O_RDONLY)
assert take_read_lease(fd) is True
writer = subprocess.Popen(["sh", "-c", f"echo more >> {path}"])
deadline = time.monotonic() + 10
# F_GETLEASE gives the lease's target once a break is pending: the writer waits in open(),
# and the kernel has signalled the break.
while fcntl.fcntl(fd, fcntl.F_GETLEASE) != fcntl.F_UNLCK:
    assert time.monotonic() < deadline, "the writer never opened the file"
    time.sleep(0.01)
fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_UNLCK)
assert writer.wait(10) == 0
print("alive")
"""
    result = subprocess.run(
        [sys.executable, "-c", script, str(path)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert (result.returncode, result.stdout.strip()) == (0, "alive"), result.stderr
    assert path.read_text(encoding="utf-8") == "[server]\nmore\n"
