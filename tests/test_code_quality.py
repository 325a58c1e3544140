"""Everything shipped stays ruff-clean and `mypy --strict`-clean, and its shell scripts
shellcheck-clean: checked by the suite so CI enforces it."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.programs import tool_or_skip

ROOT = Path(__file__).resolve().parents[1]
# Everything shipped or run: the package, its tests, the container's probe, the benchmarks,
# the packaging, the fuzzer and the build script.
TYPED = ("src", "container", "benchmarks", "packaging", "fuzz", "setup.py")
CHECKED = (*TYPED, "tests")
# Not the project's: the venv, git's and tools' caches, build output.
UNSHIPPED = {".git", ".venv", "build", "dist", "__pycache__"}
SHELL = re.compile(rb"#!\s*/(usr/)?bin/(env\s+)?(sh|dash|bash)\b")


def _tool(name: str) -> str:
    candidate = Path(sys.executable).parent / name
    found = str(candidate) if candidate.exists() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: pip install -e '.[test]'")
    return found


def assert_clean(command: list[str], timeout: float) -> None:
    """Run a checker over the tree; it must exit 0 (its report is the failure message)."""
    result = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_reports_no_problems() -> None:
    assert_clean([_tool("ruff"), "check", *CHECKED], timeout=120)


def test_mypy_strict_reports_no_problems() -> None:
    assert_clean([_tool("mypy"), "--strict", *TYPED], timeout=300)


def shell_scripts() -> list[str]:
    """Every shell script in the tree (by its `#!` line, or a `.sh` name), relative to ROOT."""
    found = []
    for folder, subfolders, files in os.walk(ROOT):
        subfolders[:] = [
            name
            for name in subfolders
            if name not in UNSHIPPED
            and not name.endswith((".egg-info", "_cache"))
            and (not name.startswith(".") or name == ".ci")
        ]
        for name in files:
            path = Path(folder, name)
            with path.open("rb") as file:
                if name.endswith(".sh") or SHELL.match(file.readline()):
                    found.append(str(path.relative_to(ROOT)))
    return sorted(found)


def test_shell_scripts_are_found_wherever_they_ship() -> None:
    found = set(shell_scripts())
    assert {"scripts/test", "scripts/lock", "packaging/build-deb.sh", ".ci/run"} <= found
    assert {"packaging/deb/postinst", "container/entrypoint.sh"} <= found


def test_shellcheck_reports_no_problems() -> None:
    assert_clean([tool_or_skip("shellcheck"), *shell_scripts()], timeout=120)
