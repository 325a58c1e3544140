"""The compiled build (setup.py): a wheel built here holds mypyc-compiled wire/ and core/
modules and the per-packet glue (runtime/protocol, sender, stats, request_log, token_buckets) beside
their sources, runs them (`--version`, server_started), answers protocol.md §7 byte for byte
both compiled and with UCDHCP_PURE=1, and passes the core unit and property tests
(tests/unit); a wheel whose C build fails is pure Python and still installs.

.venv's editable install, which runs the rest of the suite, is never compiled; this module
builds the wheel once (~20 s) into a separate venv. It needs a C compiler and Python's headers:
as root `./scripts/test` installs them; another user without them gets a skip.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.dhcp.golden import INFORM_REPLY, OPTION_43_POOL01, OPTION_120_POOL01
from tests.dhcp.reply import expected_ack, xid_of
from tests.dhcp.request import phone_request, tlv
from tests.integration.serving import free_port

ROOT = Path(__file__).resolve().parents[2]
BUILD_TIMEOUT = 300  # a wheel build (mypyc ~10 s, gcc ~10 s here) or a venv's installs
RUN_TIMEOUT = 120
REPLY_TIMEOUT = 5.0
LOOPBACK = "127.0.0.1"
COMPILED = [
    *(
        f"ucdhcp/{layer}/{path.stem}"
        for layer in ("wire", "core")
        for path in sorted((ROOT / "src" / "ucdhcp" / layer).glob("*.py"))
    ),
    *(
        f"ucdhcp/runtime/{name}"
        for name in ("protocol", "sender", "stats", "request_log", "token_buckets")
    ),
]
# The §7 exchange through the installed package, in whatever build the interpreter runs.
GOLDEN = """
import ipaddress, ucdhcp
from tests.dhcp.golden import INFORM, SERVER_ID
from ucdhcp.core.policy import Policy, SiteSpec, build_site
from ucdhcp.core.responder import Arrival, Responder
from ucdhcp.wire.vendor import CertProvisioning
site = build_site(SiteSpec(
    name="pool01", subnets=(ipaddress.IPv4Network("10.1.2.0/24"),),
    sip_servers=("pool01.contoso.com",), cert_provisioning=CertProvisioning("pool01.contoso.com"),
))
reply = Responder(Policy(sites=(site,))).respond(INFORM, ("10.1.2.50", 68), Arrival(SERVER_ID))
print(ucdhcp.compiled(), ucdhcp.core.responder.__file__, reply.payload.hex())
"""


def run(
    command: list[str | Path], *, timeout: float = BUILD_TIMEOUT, **environment: str
) -> subprocess.CompletedProcess[str]:
    """`command` from the repository's root, PYTHONPATH unset: imports come from the venv."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    env.update(PIP_DISABLE_PIP_VERSION_CHECK="1", **environment)
    result = subprocess.run(
        [str(part) for part in command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, f"{command}: {result.returncode}\n{result.stdout}{result.stderr}"
    return result


def build_wheel(directory: Path, **environment: str) -> Path:
    """A wheel built from a copy of the sources: setuptools would reuse the objects of a build/
    left in the checkout by an earlier build, even when the compiler now fails."""
    source = directory / "source"
    shutil.copytree(ROOT / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "setup.py", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, source / name)
    # The build requirements are the lock's, installed in this venv (scripts/test), not an
    # isolated build environment's unpinned ones.
    command = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation"]
    command += [str(source), "-w", str(directory)]
    run(command, **environment)
    (wheel,) = directory.glob("ucdhcp-*.whl")
    return wheel


def members(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def extension_modules(wheel: Path) -> set[str]:
    """Members that are extension modules, by module path (suffix dropped)."""
    return {name.split(".", 1)[0] for name in members(wheel) if name.endswith(".so")}


@pytest.fixture(scope="module")
def compiled_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which(os.environ.get("CC", "cc")) is None and os.geteuid() != 0:
        pytest.skip("no C compiler (cc): `sudo ./scripts/test` installs gcc and python3-dev")
    return build_wheel(tmp_path_factory.mktemp("compiled-wheel"))


@pytest.fixture(scope="module")
def venv(compiled_wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv with the compiled wheel and the test extras installed (not editable)."""
    path = tmp_path_factory.mktemp("compiled-venv")
    run([sys.executable, "-m", "venv", path])
    pip = [path / "bin" / "python", "-m", "pip", "install", "-q"]
    run([*pip, "--require-hashes", "-r", ROOT / "requirements" / "test.txt"])
    run([*pip, "--no-deps", compiled_wheel])
    return path


def test_wheel_holds_every_core_module_compiled_beside_its_source(compiled_wheel: Path) -> None:
    assert extension_modules(compiled_wheel) == {*COMPILED, "ucdhcp__mypyc"}
    # The sources stay in the wheel: UCDHCP_PURE=1 imports them.
    assert {f"{module}.py" for module in COMPILED} <= members(compiled_wheel)


def test_version_says_compiled_unless_ucdhcp_pure_is_set(venv: Path) -> None:
    ucdhcp = venv / "bin" / "ucdhcp"
    assert run([ucdhcp, "--version"]).stdout == "ucdhcp 0.1.0 (compiled)\n"
    assert run([ucdhcp, "--version"], UCDHCP_PURE="1").stdout == "ucdhcp 0.1.0 (pure Python)\n"


def test_compiled_and_pure_answer_the_section_7_inform_byte_for_byte(venv: Path) -> None:
    python = venv / "bin" / "python"
    answers = {}
    for pure in ("0", "1"):
        compiled, module, payload = run([python, "-c", GOLDEN], UCDHCP_PURE=pure).stdout.split()
        answers[compiled] = bytes.fromhex(payload)
        assert module.startswith(str(venv))  # the installed package, not src/
        assert module.endswith(".so" if pure == "0" else "responder.py")
    assert answers == {"True": INFORM_REPLY, "False": INFORM_REPLY}


@pytest.fixture
def client() -> Iterator[socket.socket]:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((LOOPBACK, 0))
        sock.settimeout(REPLY_TIMEOUT)
        yield sock


@pytest.mark.parametrize("pure", ["0", "1"], ids=["compiled", "pure"])
def test_installed_serve_reports_its_build_and_answers_a_phone(
    venv: Path, tmp_path: Path, client: socket.socket, pure: str
) -> None:
    port = free_port()
    config = tmp_path / "ucdhcp.toml"
    config.write_text(
        f'[server]\naddress = "{LOOPBACK}"\nport = {port}\n[logging]\nformat = "json"\n'
        '[[sites]]\nname = "headquarters"\nsubnets = ["10.1.2.0/24"]\n'
        'sip_servers = ["pool01.contoso.com"]\n',
        encoding="utf-8",
    )
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    process = subprocess.Popen(
        [venv / "bin" / "ucdhcp", "serve", "-c", config],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**env, "UCDHCP_PURE": pure},
    )
    try:
        assert process.stdout is not None
        for _ in range(20):  # bounded: server_started is among the first few events
            event = json.loads(process.stdout.readline() or '{"event": "eof"}')
            if event["event"] in ("server_started", "eof"):
                break
        assert event["event"] == "server_started"
        assert event["compiled"] is (pure == "0")
        request = phone_request()
        client.sendto(request, (LOOPBACK, port))
        reply, source = client.recvfrom(4096)
        assert source == (LOOPBACK, port)
        assert xid_of(reply) == xid_of(request)
        assert reply == expected_ack(tlv(43, OPTION_43_POOL01) + tlv(120, OPTION_120_POOL01))
    finally:
        process.kill()
        process.wait(timeout=RUN_TIMEOUT)


def test_core_unit_and_property_tests_pass_on_the_compiled_build(venv: Path) -> None:
    python = venv / "bin" / "python"
    assert run([python, "-c", "import ucdhcp; print(ucdhcp.build())"]).stdout == "compiled\n"
    result = run(
        [python, "-m", "pytest", "tests/unit", "-q", "-p", "no:cacheprovider"],
        timeout=RUN_TIMEOUT * 5,
    )
    assert " passed" in result.stdout.splitlines()[-1]
    assert "failed" not in result.stdout.splitlines()[-1]


def test_a_failed_c_build_installs_pure_python(tmp_path: Path) -> None:
    # CC=false: mypyc generates the C, the compiler "fails"; setup.py keeps the sources only.
    wheel = build_wheel(tmp_path / "wheel", CC="false")
    assert not extension_modules(wheel)
    # A wheel declared with extension modules keeps its Python files under .data/purelib/,
    # which pip installs into site-packages like any others.
    purelib = "ucdhcp-0.1.0.data/purelib/"
    installed = {name.removeprefix(purelib) for name in members(wheel)}
    assert {f"{module}.py" for module in COMPILED} <= installed
