"""The hashed lock files (requirements/, docs/development.md#locked-requirements) cover what
pyproject.toml asks for, agree with one another, and are what the set-up and the image install."""

import re
import tomllib
from pathlib import Path

import ucdhcp

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def required(specifiers: list[str]) -> set[str]:
    return {normal(re.split(r"[<>=!~\[; ]", spec, maxsplit=1)[0]) for spec in specifiers}


def locked(name: str) -> dict[str, str]:
    """package -> version of a lock file, each entry carrying at least one sha256 hash."""
    text = (ROOT / "requirements" / name).read_text(encoding="utf-8")
    entries = re.findall(
        r"^([A-Za-z0-9_.-]+)==(\S+) \\\n((?:\s+--hash=sha256:[0-9a-f]{64}.*\n)+)", text, re.M
    )
    pins = re.findall(r"^[A-Za-z0-9_.-]+==", text, re.M)
    assert len(entries) == len(pins), f"{name}: an entry without hashes"
    return {normal(package): version for package, version, _ in entries}


def test_test_lock_covers_runtime_build_and_test_requirements() -> None:
    project = PYPROJECT["project"]
    wanted = required(project["dependencies"])
    wanted |= required(project["optional-dependencies"]["test"])
    wanted |= required(PYPROJECT["build-system"]["requires"])
    assert wanted <= set(locked("test.txt")), wanted - set(locked("test.txt"))


def test_build_and_runtime_locks_are_subsets_of_the_test_lock_at_its_versions() -> None:
    everything = locked("test.txt")
    runtime, build = locked("runtime.txt"), locked("build.txt")
    assert required(PYPROJECT["project"]["dependencies"]) <= set(runtime)
    assert required(PYPROJECT["build-system"]["requires"]) <= set(build)
    assert set(runtime) <= set(build)
    for name in (*runtime, *build):
        assert {**runtime, **build}[name] == everything[name], name


def test_the_set_up_and_the_image_install_with_hashes_only() -> None:
    setup = (ROOT / "scripts" / "test").read_text(encoding="utf-8")
    assert ".venv/bin/pip install -q --require-hashes -r requirements/test.txt" in setup
    assert "--no-deps --no-build-isolation -e ." in setup
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    commands = [part for line in dockerfile.splitlines() for part in line.split("&&")]
    installs = [part for part in commands if "pip install" in part or "pip download" in part]
    assert all("--require-hashes" in line or "--no-deps" in line for line in installs), installs
    assert "--no-build-isolation" in dockerfile


def test_the_image_is_pinned_by_debian_release_and_digest_and_labelled_with_the_version() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    (base,) = re.findall(r"^ARG BASE=(\S+)$", dockerfile, re.M)
    assert re.fullmatch(r"docker\.io/library/debian:bookworm-\d{8}@sha256:[0-9a-f]{64}", base)
    assert f"ARG UCDHCP_VERSION={ucdhcp.__version__}\n" in dockerfile
