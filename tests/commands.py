"""How tests run the `ucdhcp` command: the venv's entry point next to this interpreter, else
the one on PATH, else `python -m ucdhcp`."""

import shutil
import subprocess
import sys
from pathlib import Path


def ucdhcp_command() -> list[str]:
    script = Path(sys.executable).parent / "ucdhcp"
    if script.exists():
        return [str(script)]
    found = shutil.which("ucdhcp")
    return [found] if found else [sys.executable, "-m", "ucdhcp"]


def run_ucdhcp(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`ucdhcp ARGS...` to its end, output captured as text (bounded by `timeout`)."""
    return subprocess.run(
        [*ucdhcp_command(), *args], capture_output=True, text=True, timeout=timeout, check=False
    )
