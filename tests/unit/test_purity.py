"""The pure core does no I/O: it imports no asyncio, socket, structlog or pydantic."""

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import ucdhcp

FORBIDDEN = ("asyncio", "socket", "structlog", "pydantic")
PACKAGE = Path(ucdhcp.__file__).parent
PURE_MODULES = sorted(
    [
        *(PACKAGE / "wire").glob("*.py"),
        PACKAGE / "policy.py",
        PACKAGE / "routing.py",
        PACKAGE / "responder.py",
        PACKAGE / "limits.py",
        PACKAGE / "ratelimit.py",
        PACKAGE / "stats.py",
        PACKAGE / "diagnosis.py",
    ]
)


def imported_top_level_names(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_every_pure_module_is_checked():
    names = {path.relative_to(PACKAGE).as_posix() for path in PURE_MODULES}
    assert {"wire/message.py", "wire/reply.py", "policy.py", "routing.py", "responder.py"} <= names


@pytest.mark.parametrize(
    "path", PURE_MODULES, ids=lambda path: path.relative_to(PACKAGE).as_posix()
)
def test_pure_module_source_imports_no_io_or_framework(path):
    assert not imported_top_level_names(path) & set(FORBIDDEN)


PROBE = """
import json, sys
import ucdhcp
after_package = sorted(sys.modules)
import ucdhcp.responder, ucdhcp.limits, ucdhcp.ratelimit, ucdhcp.stats, ucdhcp.diagnosis
print(json.dumps({"package": after_package, "responder": sorted(sys.modules)}))
"""


@pytest.fixture(scope="module")
def loaded_modules() -> dict[str, set[str]]:
    """Modules in sys.modules of a fresh interpreter after `import ucdhcp` and after
    `import ucdhcp.responder`."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True
    )
    return {step: set(names) for step, names in json.loads(result.stdout).items()}


@pytest.mark.parametrize("forbidden", FORBIDDEN)
def test_importing_the_responder_does_not_load(forbidden, loaded_modules):
    assert "ucdhcp.responder" in loaded_modules["responder"]
    culprit = (
        "the package __init__ (`import ucdhcp` alone loads it)"
        if forbidden in loaded_modules["package"]
        else "a module under ucdhcp.responder's imports"
    )
    assert forbidden not in loaded_modules["responder"], f"{forbidden} is loaded by {culprit}"
