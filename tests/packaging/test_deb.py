"""The Debian package (packaging/build-deb.sh), built and installed for real with podman.

Builds the package from the Dockerfile's `deb` stage on the local Debian 12 base
(container/build-base.sh: no registry is reachable here), then installs it with
`apt install ./ucdhcp_*.deb` in a clean Debian 12 container (the base plus systemd, as on an
appliance; no compiler) with no network at all, and checks there: `ucdhcp --version` says
compiled, `ucdhcp check` passes on the shipped /etc/ucdhcp/ucdhcp.toml, the unit passes
`systemd-analyze verify`, the conffile, sysctl.d file, man page (generated from the argument
parser), bash completion and licence are in place; an edited conffile survives `remove`; and
`purge` leaves nothing but what Debian policy keeps (dpkg's and apt's own records and logs).

Cold about 3 min (the base image, the compiled wheel, systemd in the target image); warm
about 30 s. Root only; podman, runc and debootstrap come from the set-up (scripts/test).
"""

import hashlib
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

import ucdhcp
from tests.container import require_podman
from tests.programs import path_with_sbin
from ucdhcp.cli import COMMANDS

pytestmark = pytest.mark.needs_root

ROOT = Path(__file__).resolve().parents[2]
CONTAINERS_CONF = ROOT / "container" / "containers.conf"
BASE_IMAGE = "localhost/ucdhcp-base:bookworm"
TARGET_IMAGE = "localhost/ucdhcp-debian12-systemd:bookworm"  # a clean appliance: base + systemd
CHECKOUT = hashlib.sha256(bytes(ROOT)).hexdigest()[:8]  # one build tag per worktree
CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
DEB = f"ucdhcp_{ucdhcp.__version__}-1_amd64.deb"
# What Debian policy lets a purged package leave: dpkg's and apt's records, caches and logs.
KEPT = re.compile(r"^/var/(lib/dpkg|lib/apt|cache/apt|cache/debconf|cache/ldconfig|log)(/|$)")
SNAPSHOT = (
    "find / -xdev \\( -path /proc -o -path /sys -o -path /dev -o -path /debs -o -path /tmp"
    " -o -path /run \\) -prune -o -print | sort"
)
TARGET = f"""FROM {BASE_IMAGE}
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \\
        --no-install-recommends systemd >/dev/null && rm -rf /var/lib/apt/lists/*
"""


def run(
    *command: str, timeout: float = 900, check: bool = True
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "CONTAINERS_CONF": str(CONTAINERS_CONF), "PATH": path_with_sbin()},
        check=False,
    )
    if check and result.returncode != 0:
        pytest.fail(
            f"{' '.join(command)} exited {result.returncode}:\n{result.stdout}{result.stderr}"
        )
    return result


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_podman()
    run(str(ROOT / "container" / "build-base.sh"), BASE_IMAGE)
    out = tmp_path_factory.mktemp("deb")
    env_build = [f"BASE={BASE_IMAGE}", f"TAG=localhost/ucdhcp-deb:test-{CHECKOUT}"]
    built = run("env", *env_build, str(ROOT / "packaging" / "build-deb.sh"), str(out))
    assert built.stdout.strip() == f"{out}/{DEB}", built.stdout
    if run("podman", "image", "exists", TARGET_IMAGE, check=False).returncode != 0:
        containerfile = out / "Containerfile"
        containerfile.write_text(TARGET, encoding="utf-8")
        run(
            "podman", "build", "--network", "host", "-v", f"{CA_BUNDLE}:{CA_BUNDLE}:ro",
            "-t", TARGET_IMAGE, "-f", str(containerfile), str(out),
        )  # fmt: skip
    return out / DEB


@pytest.fixture(scope="module")
def appliance(package: Path) -> Iterator[str]:
    """A running clean Debian 12 container without any network, the package's folder at /debs."""
    name = f"ucdhcp-deb-test-{os.getpid()}"
    run(
        "podman", "run", "--detach", "--name", name, "--network", "none",
        "-v", f"{package.parent}:/debs:ro", TARGET_IMAGE, "sleep", "1800",
    )  # fmt: skip
    try:
        yield name
    finally:
        run("podman", "rm", "--force", "--time", "0", name, check=False)


def inside(
    name: str, script: str, check: bool = True, shell: str = "sh"
) -> subprocess.CompletedProcess[str]:
    return run("podman", "exec", name, shell, "-c", script, timeout=300, check=check)


def test_the_package_installs_offline_runs_compiled_and_purges_cleanly(
    appliance: str, package: Path
) -> None:
    fields = run("dpkg-deb", "--field", str(package), "Depends", "Architecture").stdout
    assert "Depends: python3.11, libc6 (>= 2.34)" in fields
    assert inside(appliance, "command -v gcc cc c99 || true").stdout == ""  # no compiler
    before = inside(appliance, SNAPSHOT).stdout.splitlines()

    installed = inside(appliance, f"cd /debs && apt install -y ./{DEB}", check=False)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert (
        inside(appliance, "ucdhcp --version").stdout == f"ucdhcp {ucdhcp.__version__} (compiled)\n"
    )
    check = inside(appliance, "ucdhcp check -c /etc/ucdhcp/ucdhcp.toml", check=False)
    assert check.returncode == 0, check.stderr
    assert "headquarters" in check.stdout  # the example's sites, encoded
    verify = inside(
        appliance, "systemd-analyze verify /lib/systemd/system/ucdhcp.service", check=False
    )
    assert verify.returncode == 0 and "ucdhcp" not in verify.stderr, verify.stderr

    conffiles = inside(appliance, "dpkg-query -W -f '${Conffiles}' ucdhcp").stdout
    assert conffiles.split()[0] == "/etc/ucdhcp/ucdhcp.toml"
    sysctl = inside(appliance, "cat /usr/lib/sysctl.d/ucdhcp.conf").stdout
    assert re.search(r"^net\.core\.rmem_max = 33554432$", sysctl, re.M)
    manual = inside(appliance, "zcat /usr/share/man/man1/ucdhcp.1.gz").stdout
    assert manual.startswith(".TH UCDHCP 1") and all(f".SS {name}\n" in manual for name in COMMANDS)
    assert "\\-\\-workers" in manual  # options, from the parser
    completed = inside(
        appliance,
        ". /usr/share/bash-completion/completions/ucdhcp; COMP_WORDS=(ucdhcp serve --w);"
        ' COMP_CWORD=2; _ucdhcp; echo "${COMPREPLY[@]}"',
        shell="bash",
    )
    assert completed.stdout.split() == ["--workers"]
    assert "License: MIT" in inside(appliance, "cat /usr/share/doc/ucdhcp/copyright").stdout
    assert (
        inside(appliance, "readlink -f /usr/bin/ucdhcp").stdout.strip() == "/opt/ucdhcp/bin/ucdhcp"
    )

    # remove keeps an edited conffile (Debian policy 10.7.3); purge takes it and all the rest.
    inside(appliance, "echo '# edited' >> /etc/ucdhcp/ucdhcp.toml && apt-get remove -y -q ucdhcp")
    kept = inside(appliance, "test ! -e /opt/ucdhcp && tail -n 1 /etc/ucdhcp/ucdhcp.toml")
    assert kept.stdout == "# edited\n"
    inside(appliance, "apt-get purge -y -q ucdhcp")
    after = inside(appliance, SNAPSHOT).stdout.splitlines()
    changed = sorted(set(before) ^ set(after))
    assert [path for path in changed if not KEPT.match(path)] == [], changed
