"""The tools' logic is pure like the responder core: only the probe's client, the health check,
`check --runtime`'s host findings, the doctor's network checks and the watch's capture do I/O,
themselves or through the runtime's I/O modules."""

import ast
from pathlib import Path

import pytest

import ucdhcp.tools

TOOLS = Path(ucdhcp.tools.__file__).parent
IO_MODULES = {  # paths below tools/
    "probe/client.py",  # the probe's sockets
    "healthcheck.py",  # the container's health check: one INFORM over UDP
    "config_check.py",  # check --runtime: binds the port once, lists the interfaces
    "doctor/dns.py",  # dnspython queries
    "doctor/tls.py",  # TCP and TLS connections
    "doctor/web.py",  # the HTTP GET
    "doctor/ntp.py",  # the NTP query (its packet codec is pure and tested without sockets)
    "watch/capture.py",  # the AF_PACKET socket
}
FORBIDDEN = {"asyncio", "socket", "select", "structlog", "subprocess"}
PURE_RUNTIME = {"stats", "diagnosis", "token_buckets", "addresses"}  # tests/unit/test_layers.py


def imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("runtime"):
            # ..runtime.X: the runtime does I/O but for its pure modules
            modules = (
                [node.module] if "." in node.module else [f"runtime.{a.name}" for a in node.names]
            )
            names |= {"socket" for m in modules if m.split(".")[1] not in PURE_RUNTIME}
    return names


@pytest.mark.parametrize(
    "path",
    sorted(p for p in TOOLS.rglob("*.py") if p.relative_to(TOOLS).as_posix() not in IO_MODULES),
    ids=lambda p: p.relative_to(TOOLS).as_posix(),
)
def test_tool_module_does_no_io(path):
    assert not imported(path) & FORBIDDEN
