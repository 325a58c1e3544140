"""What the ops tests share: the events a `serve` wrote to its output file."""

import json
from pathlib import Path


def events(output: Path, name: str) -> list[dict[str, object]]:
    lines = output.read_text(encoding="utf-8").splitlines()
    return [event for line in lines if (event := json.loads(line))["event"] == name]
