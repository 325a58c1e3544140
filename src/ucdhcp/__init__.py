"""ucdhcp: an options-only DHCP responder for Microsoft UC (Lync) IP phones."""

import os
import sys
from collections.abc import Sequence
from importlib.machinery import SOURCE_SUFFIXES, FileFinder, ModuleSpec, SourceFileLoader

# Kept here rather than read from package metadata: importlib.metadata pulls in `socket`
# (through email.utils), and the pure core must be importable without it.
__version__ = "0.1.0"

# Set (to anything but "" or "0"): import every ucdhcp module from its .py source even where a
# wheel installed mypyc-compiled modules beside it (setup.py), e.g. to debug the core.
PURE_VARIABLE = "UCDHCP_PURE"


class _SourcesFirst:
    """A meta path finder, ahead of the standard one, that finds ucdhcp's submodules among the
    .py sources only, so the extension modules next to them are never loaded."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: object = None
    ) -> ModuleSpec | None:
        if path is None or not fullname.startswith(__name__ + "."):
            return None
        for entry in path:
            spec = FileFinder(entry, (SourceFileLoader, SOURCE_SUFFIXES)).find_spec(fullname)
            if spec is not None:
                return spec
        return None


if os.environ.get(PURE_VARIABLE, "") not in ("", "0"):
    sys.meta_path.insert(0, _SourcesFirst())


def compiled() -> bool:
    """Whether the per-packet core runs as mypyc-compiled modules (a wheel built with a C
    compiler, UCDHCP_PURE unset) rather than as Python source."""
    from .core import responder  # noqa: PLC0415 - `import ucdhcp` alone must stay light

    return (responder.__file__ or "").endswith(".so")


def build() -> str:
    """The build in a word, for `--version` and the server_started event."""
    return "compiled" if compiled() else "pure Python"
