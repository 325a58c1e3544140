"""Test helpers live in helper modules: no module under tests/ imports from a test module
(`test_*.py`) or a `conftest.py`. A helper kept in a test module is hidden among tests and
its importer depends on that module's tests and marks; a conftest.py holds only fixtures and
hooks, which pytest finds without an import (an imported conftest can load twice, under two
names)."""

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent


def _is_test_or_conftest(name: str) -> bool:
    return name.startswith("test_") or name == "conftest"


def _offending(node: ast.AST) -> str | None:
    """The module an import statement names that is a test module or a conftest, if any; for
    `from M import n` n counts too, as it may be a module."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    elif isinstance(node, ast.ImportFrom):
        module = "." * node.level + (node.module or "")
        names = [module, *(f"{module.rstrip('.')}.{alias.name}" for alias in node.names)]
    else:
        return None
    for name in names:
        if any(_is_test_or_conftest(part) for part in name.split(".")):
            return name
    return None


def violations(source: str, path: str) -> list[str]:
    """`path:line: imports M` for each import of a test module or a conftest in `source`."""
    return [
        f"{path}:{node.lineno}: imports {name}"
        for node in ast.walk(ast.parse(source, path))
        if (name := _offending(node)) is not None
    ]


@pytest.mark.parametrize(
    "source",
    [
        "from .test_floods import Segment",
        "from ..integration.conftest import LOOPBACK",
        "from tests.conftest import RUN_AS_ROOT",
        "from . import conftest",
        "import tests.integration.test_serve_process",
        "def f():\n    from .test_floods import Segment",
    ],
)
def test_an_import_of_a_test_module_or_conftest_is_reported(source: str) -> None:
    assert violations(source, "<example>")


@pytest.mark.parametrize(
    "source",
    ["from tests.netns import lab", "from .loopback import Loopback", "import pytest_asyncio"],
)
def test_an_import_of_a_helper_module_is_not_reported(source: str) -> None:
    assert violations(source, "<example>") == []


def test_no_module_under_tests_imports_a_test_module_or_a_conftest() -> None:
    found = [
        problem
        for path in sorted(TESTS.rglob("*.py"))
        for problem in violations(path.read_text(encoding="utf-8"), str(path.relative_to(TESTS)))
    ]
    assert not found, "move what these import into a helper module:\n" + "\n".join(found)
