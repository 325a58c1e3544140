"""Builds the pure core (src/ucdhcp/wire, src/ucdhcp/core) and the per-packet glue around it
(runtime/protocol.py, sender.py, stats.py, request_log.py, token_buckets.py) with mypyc when a
wheel is built (`pip install .`, `pip wheel .`, the Dockerfile), and nothing else.

Everything else about the package is in pyproject.toml. The compiled modules sit next to the
.py sources in the wheel, which Python's import system prefers; `UCDHCP_PURE=1` makes ucdhcp
import the sources instead (src/ucdhcp/__init__.py). The install still succeeds as plain Python:
- for an editable install (`pip install -e .`): never compiled, so an edited .py file is never
  shadowed by a stale compiled module (docs/development.md);
- when mypyc cannot compile the code (an unsupported mypy version, a type error) or no C
  compiler builds the result: a warning, and the wheel holds the sources alone;
- when UCDHCP_NO_COMPILE=1 is set in the build's environment.
"""

import os
import sys
from pathlib import Path
from typing import Any

from setuptools import setup
from setuptools.command.build_ext import build_ext

# The per-packet path: every module of these two layers (the layers' __init__ files too, so a
# package and its modules are either all compiled or all not).
COMPILED_LAYERS = ("wire", "core")
# The runtime modules every datagram runs through: the asyncio callback, the send path and the
# counters. mypyc type-checks what they import (structlog, and orjson through logs.py), which
# is why pyproject.toml's build requirements name those packages.
COMPILED_GLUE = (
    "runtime/protocol.py",
    "runtime/sender.py",
    "runtime/stats.py",
    "runtime/request_log.py",  # with logging.requests on, every datagram too
    "runtime/token_buckets.py",
)
# setuptools commands that build a wheel's contents; anything else (metadata, sdist,
# editable_wheel) must not run mypyc, which takes seconds.
_BUILDING = {"bdist_wheel", "build", "build_ext", "install"}


def _warn(message: str) -> None:
    print(f"ucdhcp setup.py: {message}; installing pure Python", file=sys.stderr)


def _compiled_sources() -> list[str]:
    package = Path("src", "ucdhcp")
    layers = [path for layer in COMPILED_LAYERS for path in sorted((package / layer).glob("*.py"))]
    return [str(path) for path in [*layers, *(package / name for name in COMPILED_GLUE)]]


def _ext_modules() -> list[Any]:
    arguments = set(sys.argv[1:])
    if "editable_wheel" in arguments or "develop" in arguments or not arguments & _BUILDING:
        return []
    if os.environ.get("UCDHCP_NO_COMPILE", "") not in ("", "0"):
        _warn("UCDHCP_NO_COMPILE is set")
        return []
    try:
        from mypyc.build import mypycify  # noqa: PLC0415 - a build requirement, only here

        # group_name: the shared runtime library is ucdhcp__mypyc, not a hash-named module.
        return list(mypycify(_compiled_sources(), opt_level="3", group_name="ucdhcp"))
    except (SystemExit, Exception) as error:  # mypy reports type errors by exiting
        _warn(f"mypyc did not compile the core ({type(error).__name__}: {error})")
        return []


class OptionalBuildExt(build_ext):
    """build_ext that falls back to the .py sources when the C build fails (no compiler, no
    Python headers): every compiled module it wrote is removed, so the wheel never holds a
    module whose shared mypyc library is missing."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as error:  # CompileError, DistutilsExecError, LinkError, OSError, ...
            _warn(f"the C build failed ({type(error).__name__}: {error})")
            for output in self.get_outputs():
                Path(output).unlink(missing_ok=True)
            self.extensions: list[Any] = []
            self.distribution.ext_modules = []


setup(ext_modules=_ext_modules(), cmdclass={"build_ext": OptionalBuildExt})
