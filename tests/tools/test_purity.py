"""The tools' logic is pure like the responder core: only the probe's client, the doctor's
network checks and the watch's capture do I/O."""

import ast
from pathlib import Path

import pytest

import ucdhcp.tools

TOOLS = Path(ucdhcp.tools.__file__).parent
IO_MODULES = {  # paths below tools/
    "probe/client.py",  # the probe's sockets
    "healthcheck.py",  # the container's health check: one INFORM over UDP
    "doctor/dns.py",  # dnspython queries
    "doctor/tls.py",  # TCP and TLS connections
    "doctor/web.py",  # the HTTP GET
    "doctor/ntp.py",  # the NTP query (its packet codec is pure and tested without sockets)
    "watch/capture.py",  # the AF_PACKET socket
}
FORBIDDEN = {"asyncio", "socket", "select", "structlog", "subprocess"}


def imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize(
    "path",
    sorted(p for p in TOOLS.rglob("*.py") if p.relative_to(TOOLS).as_posix() not in IO_MODULES),
    ids=lambda p: p.relative_to(TOOLS).as_posix(),
)
def test_tool_module_does_no_io(path):
    assert not imported(path) & FORBIDDEN
