"""Every event the code logs is documented, and the documented ones exist: operators grep for
them (`journalctl`, alert rules), so an event nobody can look up is a defect."""

import ast
import re
from pathlib import Path

import ucdhcp

PACKAGE = Path(ucdhcp.__file__).parent
DOCS = Path(__file__).parent.parent / "docs"
# The service events' table, and the start-up diagnosis (also `check --runtime`).
TABLES = (DOCS / "operating.md", DOCS / "deploying.md")
LEVELS = {"debug", "info", "warning", "error", "exception", "critical"}


def logged_events() -> dict[str, str]:
    """event -> where it is logged: `log.<level>("event", ...)`, `log.log(level, "event",
    ...)`, and the findings of start-up diagnosis and `check` (`Finding("event", ...)`)."""
    found: dict[str, str] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            function, arguments = node.func, node.args
            event: ast.expr | None = None
            if isinstance(function, ast.Attribute) and isinstance(function.value, ast.Name):
                if function.value.id == "log" and function.attr in LEVELS and arguments:
                    event = arguments[0]
                elif function.value.id == "log" and function.attr == "log" and arguments[1:]:
                    event = arguments[1]
            elif isinstance(function, ast.Name) and function.id == "Finding" and arguments:
                event = arguments[0]
            if isinstance(event, ast.Constant) and isinstance(event.value, str):
                where = f"{path.relative_to(PACKAGE.parent)}:{node.lineno}"
                found.setdefault(event.value, where)
    return found


def documented_events() -> set[str]:
    """Every event named in the first column of a table of TABLES headed `| event |`."""
    names = set()
    for path in TABLES:
        header = ""
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.startswith("|"):
                header = ""
            elif not header:
                header = line.split("|")[1].strip()
            elif header == "event":
                names.update(re.findall(r"`([a-z0-9_]+)`", line.split("|")[1]))
    return names


def test_the_scan_finds_the_events_of_every_kind() -> None:
    events = logged_events()
    assert {"server_started", "interface_removed", "site_unreachable", "port_unavailable"} <= set(
        events
    )
    assert len(events) > 30


def test_every_logged_event_is_in_an_events_table() -> None:
    missing = {event: where for event, where in logged_events().items()}
    for event in documented_events():
        missing.pop(event, None)
    assert missing == {}, "document these in docs/operating.md (Logs) or docs/deploying.md"


def test_every_documented_event_is_logged_by_the_code() -> None:
    source = "\n".join(path.read_text(encoding="utf-8") for path in PACKAGE.rglob("*.py"))
    stale = sorted(event for event in documented_events() if f'"{event}"' not in source)
    assert stale == []
