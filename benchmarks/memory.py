"""Where ucdhcp's resident memory comes from: RSS of a fresh interpreter after each cumulative
import stage, up to a loaded config (no sockets, no root needed).

  .venv/bin/python benchmarks/memory.py

The stages up to "config loaded" are what `ucdhcp serve` imports (since 4ab319c the other
commands and prometheus_client are imported on demand); the last stage is what turning on
`[metrics] listen` adds. Each stage runs in its own `python -c` process and prints VmRSS,
RssAnon and RssFile from /proc/self/status after its imports, so the differences between
consecutive stages are what each step adds (`import pydantic` alone is lazy: the pydantic stage
imports the names ucdhcp.config uses). run.py measures the real serving process (VmRSS after
the rounds and after a boot storm); this script explains that figure.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

CONFIG = """\
[[sites]]
name = "bench"
subnets = ["10.77.0.0/16"]
sip_servers = ["pool01.contoso.com"]
"""

STAGES = [
    ("bare interpreter", "pass"),
    ("+ asyncio", "import asyncio"),
    ("+ socket, json, ipaddress, tomllib", "import socket, json, ipaddress, tomllib"),
    ("+ uvloop", "import uvloop"),
    ("+ structlog", "import structlog"),
    (
        "+ pydantic (BaseModel & co. loaded)",
        "from pydantic import BaseModel, Field, ConfigDict, AfterValidator, model_validator",
    ),
    ("+ ucdhcp.config (its models built)", "import ucdhcp.config"),
    ("+ ucdhcp.core.responder (hot path)", "import ucdhcp.core.responder"),
    ("+ ucdhcp.runtime.service", "import ucdhcp.runtime.service"),
    ("+ ucdhcp.cli, commands.serve", "import ucdhcp.cli, ucdhcp.commands.serve"),
    (
        "+ config loaded (load_policy)",
        "from ucdhcp.config import load_policy; load_policy(__import__('pathlib').Path(CONFIG))",
    ),
    ("+ ucdhcp.runtime.metrics ([metrics] listen only)", "import ucdhcp.runtime.metrics"),
]


def status(code: str, config: Path) -> dict[str, int]:
    # Each stage imports the earlier stages' modules too (cumulative).
    prefix = "; ".join(stage for _, stage in STAGES[: _index(code)])
    program = (
        f"CONFIG = {str(config)!r}\n{prefix}\n{code}\n"
        "for line in open('/proc/self/status'):\n"
        "    name, _, value = line.partition(':')\n"
        "    if name in ('VmRSS', 'RssAnon', 'RssFile'):\n"
        "        print(name, value.split()[0])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    return {line.split()[0]: int(line.split()[1]) for line in out.splitlines()}


def _index(code: str) -> int:
    return next(index for index, (_, stage) in enumerate(STAGES) if stage == code)


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "ucdhcp.toml"
        config.write_text(CONFIG, encoding="utf-8")
        print(f"{'stage (cumulative)':<40}{'VmRSS MiB':>10}{'+MiB':>7}{'anon':>7}{'file':>7}")
        previous = 0
        for name, code in STAGES:
            fields = status(code, config)
            rss = fields["VmRSS"]
            print(
                f"{name:<40}{rss / 1024:>10.1f}{(rss - previous) / 1024:>+7.1f}"
                f"{fields['RssAnon'] / 1024:>7.1f}{fields['RssFile'] / 1024:>7.1f}"
            )
            previous = rss
    return 0


if __name__ == "__main__":
    sys.exit(main())
