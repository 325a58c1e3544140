"""Validating a config in a child process, so that the serving process never imports pydantic.

Strategy: `serve` and each reload run `python -m ucdhcp.config.isolated PATH` (the file's
bytes on stdin when the server has already read them, written.py). The child validates them
with pydantic (loading.py) and writes the result to stdout as a pickle: the Settings and the
pure Policy, or the problems of a ConfigError. The server then holds only plain dataclasses:
pydantic's models and validators (about 13 MB, most of a server's memory) live in the child
for its ~0.3 s, and a reload no longer runs the validation on the event loop, which keeps
answering while the child works.

Pickle is safe here: the server starts the child itself, with its own interpreter and
package, and reads the child's stdout only; nothing from the network or the file takes that
path. Dataclasses travel as their constructor arguments (`_Pickler`), so the receiving side
rebuilds each object (and a Policy its memos, empty) whether the core is compiled or not.
"""

import asyncio
import contextlib
import dataclasses
import io
import os
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

from ..core.policy import Policy
from .errors import ConfigError
from .settings import Settings

TIMEOUT = 60.0  # seconds; a validation takes ~0.3 s, a loaded box might take a few
_FROM_STDIN = "-"


def validate(path: Path, data: bytes | None = None) -> tuple[Settings, Policy]:
    """The settings and policy of the file at `path` (or of `data`, its bytes already read).

    Raises:
        ConfigError: the file's problems, or why the validating child failed.
    """
    try:
        done = subprocess.run(
            _command(path, data), input=data, capture_output=True, timeout=TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise ConfigError(str(path), [("", f"cannot validate: {error}")]) from None
    return _result(path, done.returncode, done.stdout, done.stderr)


async def validate_async(path: Path, data: bytes | None = None) -> tuple[Settings, Policy]:
    """validate() without blocking the event loop; the child is killed if the caller is
    cancelled (a stop during a reload)."""
    try:
        child = await asyncio.create_subprocess_exec(
            *_command(path, data),
            stdin=subprocess.DEVNULL if data is None else subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
    except OSError as error:
        raise ConfigError(str(path), [("", f"cannot validate: {error}")]) from None
    try:
        stdout, stderr = await asyncio.wait_for(child.communicate(data), TIMEOUT)
    except BaseException as error:  # TimeoutError, CancelledError: never leave it running
        with contextlib.suppress(ProcessLookupError):
            child.kill()
        await child.wait()
        if isinstance(error, TimeoutError):
            raise ConfigError(str(path), [("", f"validation took over {TIMEOUT:.0f} s")]) from None
        raise
    assert child.returncode is not None
    return _result(path, child.returncode, stdout, stderr)


def _command(path: Path, data: bytes | None) -> list[str]:
    # -P: the current directory is not searched for modules (the server may run anywhere).
    arguments = [str(path)] if data is None else [str(path), _FROM_STDIN]
    return [sys.executable, "-P", "-m", __name__, *arguments]


def _result(path: Path, code: int, stdout: bytes, stderr: bytes) -> tuple[Settings, Policy]:
    if code != 0:
        last = stderr.decode(errors="replace").strip().splitlines()[-1:] or [f"exit code {code}"]
        raise ConfigError(str(path), [("", f"validation failed: {last[0]}")])
    try:
        answer = pickle.loads(stdout)  # our own child's output: see the module's docstring
        if answer[0] == "error":
            problems: list[tuple[str, str]] = answer[2]
            raise ConfigError(answer[1], problems)
        settings, policy = answer[1], answer[2]
    except ConfigError:
        raise
    except Exception as error:  # anything else on its stdout: never a half-read config
        why = f"validation failed: unreadable answer ({type(error).__name__})"
        raise ConfigError(str(path), [("", why)]) from None
    if not (isinstance(settings, Settings) and isinstance(policy, Policy)):
        raise ConfigError(str(path), [("", "validation failed: unexpected answer")])
    return settings, policy


class _Pickler(pickle.Pickler):
    """Dataclasses as (class, constructor arguments): frozen dataclasses compiled by mypyc
    cannot be unpickled field by field, and a Policy's memos need not travel."""

    def reducer_override(self, obj: Any) -> Any:
        if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            fields = dataclasses.fields(obj)
            return type(obj), tuple(getattr(obj, field.name) for field in fields if field.init)
        return NotImplemented


def dumps(answer: tuple[object, ...]) -> bytes:
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(answer)
    return buffer.getvalue()


def main(arguments: list[str]) -> int:
    """The child: validate, answer on stdout, exit 0 (any other exit is a crash)."""
    from .loading import load_settings  # noqa: PLC0415 - pydantic, in the child only

    path = Path(arguments[0])
    data = sys.stdin.buffer.read() if arguments[1:] == [_FROM_STDIN] else None
    try:
        settings, policy = load_settings(path, data)
    except ConfigError as error:
        answer: tuple[object, ...] = ("error", error.file, error.problems)
    else:
        answer = ("ok", settings, policy)
    sys.stdout.buffer.write(dumps(answer))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "1")  # no entry-point scan: faster start
    sys.exit(main(sys.argv[1:]))
