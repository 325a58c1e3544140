"""The tree shows the layers, and imports only point down them:

    wire (pure codec) -> core (pure decision) -> config (pydantic, in a child process for the
    server) -> runtime (sockets, asyncio)
    -> tools (what the tool commands do) -> commands (arguments, exit codes) -> cli

and the pure modules do no I/O: they import no asyncio, socket, structlog or pydantic, neither
in their source nor through what they import."""

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import ucdhcp

PACKAGE = Path(ucdhcp.__file__).parent
LAYERS = ("wire", "core", "config", "runtime", "tools", "commands", "cli")
FORBIDDEN = ("asyncio", "socket", "structlog", "pydantic")
# Pure, though they live beside the glue that uses them: counters, start-up findings, the
# token buckets of the request log, the host's addresses as plain values.
PURE_RUNTIME = ("stats.py", "diagnosis.py", "token_buckets.py", "addresses.py")
PURE_MODULES = sorted(
    [
        *(PACKAGE / "wire").glob("*.py"),
        *(PACKAGE / "core").glob("*.py"),
        *(PACKAGE / "runtime" / name for name in PURE_RUNTIME),
    ]
)
SOURCES = sorted(PACKAGE.rglob("*.py"))


def module_name(path: Path, package: Path = PACKAGE) -> str:
    parts = path.relative_to(package.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(module: str) -> str | None:
    """The layer of an ucdhcp module; None for the package itself and __main__."""
    parts = module.split(".")
    if len(parts) < 2 or parts[1] == "__main__":
        return None
    return parts[1] if parts[1] in LAYERS else None


def imported_modules(path: Path, root: Path = PACKAGE) -> set[str]:
    """Absolute names of the ucdhcp modules that `path` imports (relative imports resolved)."""
    package = module_name(path, root).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            found |= {f"{module}.{alias.name}" for alias in node.names} | {module}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return {name for name in found if name.split(".")[0] == "ucdhcp"}


def top_level_imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_the_top_of_the_package_is_only_the_layers_and_the_entry_point():
    top = {
        p.name
        for p in PACKAGE.iterdir()
        if not p.name.startswith(("_", ".")) and p.name != "py.typed"
    }
    assert top == {"wire", "core", "config", "runtime", "tools", "commands", "cli.py"}


def upward_imports(path: Path, root: Path = PACKAGE) -> set[str]:
    """The modules `path` imports from a layer above its own."""
    own = layer_of(module_name(path, root))
    if own is None:
        return set()
    return {
        name
        for name in imported_modules(path, root)
        if (layer := layer_of(name)) is not None and LAYERS.index(layer) > LAYERS.index(own)
    }


@pytest.mark.parametrize("path", SOURCES, ids=lambda path: path.relative_to(PACKAGE).as_posix())
def test_imports_point_down_the_layers(path):
    assert not upward_imports(path), f"imports from a higher layer: {upward_imports(path)}"


def test_the_layer_check_catches_upward_imports_relative_or_absolute(tmp_path):
    core = tmp_path / "ucdhcp" / "core"
    core.mkdir(parents=True)
    relative = core / "relative.py"
    relative.write_text("from ..runtime.protocol import ResponderProtocol\n")
    absolute = core / "absolute.py"
    absolute.write_text("import ucdhcp.tools.probe\n")
    downward = core / "downward.py"
    downward.write_text("from ..wire.message import parse_message\nfrom . import limits\n")
    root = tmp_path / "ucdhcp"
    assert upward_imports(relative, root) == {
        "ucdhcp.runtime.protocol",
        "ucdhcp.runtime.protocol.ResponderProtocol",
    }
    assert upward_imports(absolute, root) == {"ucdhcp.tools.probe"}
    assert upward_imports(downward, root) == set()


def test_every_pure_module_is_checked():
    names = {path.relative_to(PACKAGE).as_posix() for path in PURE_MODULES}
    assert {"wire/message.py", "wire/reply.py", "core/policy.py", "core/responder.py"} <= names
    assert all(path.exists() for path in PURE_MODULES)


@pytest.mark.parametrize(
    "path", PURE_MODULES, ids=lambda path: path.relative_to(PACKAGE).as_posix()
)
def test_pure_module_source_imports_no_io_or_framework(path):
    assert not top_level_imports(path) & set(FORBIDDEN)


PROBE = """
import json, sys
import ucdhcp
after_package = sorted(sys.modules)
import ucdhcp.core.responder, ucdhcp.core.limits
import ucdhcp.runtime.stats, ucdhcp.runtime.diagnosis, ucdhcp.runtime.token_buckets
after_pure = sorted(sys.modules)
import ucdhcp.cli
ucdhcp.cli.build_parser("serve")  # what `ucdhcp serve` imports
print(json.dumps({"package": after_package, "responder": after_pure, "serve": sorted(sys.modules)}))
"""


@pytest.fixture(scope="module")
def loaded_modules() -> dict[str, set[str]]:
    """Modules in sys.modules of a fresh interpreter after `import ucdhcp` and after
    importing the pure modules."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True
    )
    return {step: set(names) for step, names in json.loads(result.stdout).items()}


@pytest.mark.parametrize("forbidden", FORBIDDEN)
def test_importing_the_pure_modules_does_not_load(forbidden, loaded_modules):
    assert "ucdhcp.core.responder" in loaded_modules["responder"]
    culprit = (
        "the package __init__ (`import ucdhcp` alone loads it)"
        if forbidden in loaded_modules["package"]
        else "a module under the pure modules' imports"
    )
    assert forbidden not in loaded_modules["responder"], f"{forbidden} is loaded by {culprit}"


def test_the_serving_process_does_not_load_pydantic(loaded_modules):
    # config/isolated.py validates in a child: the server keeps plain settings (docs/operating.md).
    assert "ucdhcp.runtime.service" in loaded_modules["serve"]
    assert "ucdhcp.config.isolated" in loaded_modules["serve"]
    assert not {name for name in loaded_modules["serve"] if name.split(".")[0] == "pydantic"}
