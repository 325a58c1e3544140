"""What the ops tests share: a free UDP port on loopback, and the events a `serve` wrote."""

import json
import socket
from pathlib import Path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def events(output: Path, name: str) -> list[dict[str, object]]:
    lines = output.read_text(encoding="utf-8").splitlines()
    return [event for line in lines if (event := json.loads(line))["event"] == name]
