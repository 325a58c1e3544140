"""The container image, built and run for real with podman.

Builds a local Debian base image (container/build-base.sh: debootstrap + `podman import`,
skipped when it already exists: no registry is reachable here), builds the Dockerfile on it
with the settings of container/containers.conf (runc, cgroupfs, explicit ulimits) and
`--network host` (never podman's default bridge network: it changes the host's forwarding and
firewall), its Python packages from the hashed lock (requirements/), checks its OCI labels
(version, source, licence, base), then runs the image the way it is deployed on a voice VLAN:

    client eth0 --- bridge "seg" (namespace sw) --- host eth0 ~ macvlan -> ctr eth0 (ucdhcp)

as the non-root user, with the config directory mounted read-only. A client on the segment
broadcasts a phone's DHCPINFORM from UDP 68 and must get the DHCPACK with options 120 and 43
for pool01.contoso.com, at its ciaddr. Also checked: every log line is JSON, the server's user
and capabilities, the HEALTHCHECK (kept by --format docker, and run once), a reload by SIGHUP of
a config replaced on the host, a quick exit 0 on `podman stop` (SIGTERM), the image size. This
kernel has no 802.1Q: one veth segment stands in for the VLAN.

The image runs under four capability sets; in each the phone is answered, and the log's
`interface_added` says whether replies leave as Ethernet frames (CAP_NET_RAW), which shows on
the wire: a frame goes straight to the phone's MAC, while a UDP reply waits for the container's
kernel to ARP for the phone first (so only then does the container hold a neighbour entry).

- podman's defaults (no NET_RAW in the bounding set): bin/python, NET_BIND_SERVICE, no frames;
- podman with `--cap-add NET_RAW` (bounding and ambient): bin/python-frames, both, frames;
- Docker's defaults (NET_RAW in the bounding set, nothing ambient; its list set in a copy of
  container/containers.conf): bin/python-frames, both, frames;
- `--cap-drop all` and no-new-privileges: bin/python3 binding 67 through the namespace's
  net.ipv4.ip_unprivileged_port_start, no capability, no frames.

Cold (debootstrap of the base image) about 100 s; warm about 5 s, about 20 s when src/ changed.
Root only; podman, runc and debootstrap come from the set-up (scripts/test): missing, it fails.
"""

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import ucdhcp
from tests.dhcp.golden import OPTION_43_POOL01, OPTION_120_POOL01
from tests.dhcp.reply import Bootp
from tests.dhcp.request import BROADCAST, MESSAGE_TYPES, phone_request
from tests.netns import Lab
from tests.programs import path_with_sbin

from . import require_podman

pytestmark = pytest.mark.needs_root

ROOT = Path(__file__).resolve().parents[2]
CONTAINERS_CONF = ROOT / "container" / "containers.conf"
BASE_IMAGE = "localhost/ucdhcp-base:bookworm"
# One tag per checkout: worktrees of one machine building at once would otherwise retag (and
# remove) each other's image mid-test.
IMAGE = f"localhost/ucdhcp:test-{hashlib.sha256(bytes(ROOT)).hexdigest()[:8]}"
UID = "10067"
USER = f"{UID}:{UID}"  # the image's ucdhcp user, given explicitly as a deployment would
CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
OCI_LABELS = (
    "org.opencontainers.image.version",
    "org.opencontainers.image.source",
    "org.opencontainers.image.licenses",
    "org.opencontainers.image.base.name",
)

CONTAINER_ADDRESS, CLIENT_ADDRESS = "10.10.0.10", "10.10.0.50"
CAP_NET_BIND_SERVICE, CAP_NET_RAW = 1 << 10, 1 << 13  # linux/capability.h
# Docker's default capabilities (moby's oci/caps/defaults.go): NET_RAW among them.
DOCKER_DEFAULT_CAPABILITIES = (
    "CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW", "SETGID", "SETUID",
    "SETFCAP", "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE",
)  # fmt: skip
MAX_IMAGE_MB, MAX_ADDED_MB = 300, 80  # base ~150 MB (Debian python3 + pip), ucdhcp ~35 MB
MACVLAN_BRIDGE = ("type", "macvlan", "mode", "bridge")
STOP_SECONDS = 3.0  # podman's own SIGKILL would come after 10 s

CONFIG = f"""\
[server]
address = "0.0.0.0"

[[sites]]
name = "voice"
subnets = ["{CLIENT_ADDRESS.rsplit(".", 1)[0]}.0/24"]
sip_servers = ["pool01.contoso.com"]
"""

# Runs in the client's namespace: a phone's socket (UDP 68 on its interface, allowed to
# broadcast), the INFORM resent every second until the reply to its xid arrives.
CLIENT = r"""
import select, socket, sys, time
request, xid, device = bytes.fromhex(sys.argv[1]), bytes.fromhex(sys.argv[2]), sys.argv[3]
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, device.encode())
sock.bind(("0.0.0.0", 68))
deadline, next_send = time.monotonic() + 10, 0.0
while (now := time.monotonic()) < deadline:
    if now >= next_send:
        sock.sendto(request, ("255.255.255.255", 67))
        next_send = now + 1
    if select.select([sock], [], [], max(0.0, min(next_send, deadline) - now))[0]:
        data, (address, port) = sock.recvfrom(4096)
        if len(data) > 240 and data[0] == 2 and data[4:8] == xid:
            print(address, port, data.hex())
            sys.exit(0)
sys.exit(1)
"""


def podman(
    *args: str, check: bool = True, timeout: float = 60, conf: Path = CONTAINERS_CONF
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        ["podman", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "CONTAINERS_CONF": str(conf)},
        check=False,
    )
    if check and result.returncode != 0:
        pytest.fail(f"podman {' '.join(args)} exited {result.returncode}:\n{result.stderr}")
    return result


def build_images() -> float:
    """The base image (once) and the ucdhcp image; returns the seconds it took."""
    start = time.monotonic()
    base = subprocess.run(
        [str(ROOT / "container" / "build-base.sh"), BASE_IMAGE],
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "CONTAINERS_CONF": str(CONTAINERS_CONF), "PATH": path_with_sbin()},
        check=False,
    )
    if base.returncode != 0:
        pytest.fail(f"container/build-base.sh failed:\n{base.stdout}\n{base.stderr}")
    print(f"\n{base.stdout.strip()} ({time.monotonic() - start:.0f} s)")
    built = time.monotonic()
    previous = podman("image", "inspect", "--format", "{{.Id}}", IMAGE, check=False).stdout
    podman(
        *("build", "--format", "docker", "--network", "host"),
        *("-v", f"{CA_BUNDLE}:{CA_BUNDLE}:ro", "--build-arg", f"BASE={BASE_IMAGE}"),
        *("-t", IMAGE, "-f", str(ROOT / "Dockerfile"), str(ROOT)),
        timeout=900,
    )
    print(f"podman build: {time.monotonic() - built:.0f} s")
    current = podman("image", "inspect", "--format", "{{.Id}}", IMAGE).stdout
    if previous.strip() and previous != current:
        # The image this tag named before, and its cached layers: they would pile up run
        # after run while the source changes. The current build's cache is kept.
        podman("rmi", previous.strip(), check=False)
    return time.monotonic() - start


def image_size_mb(image: str) -> float:
    return int(podman("image", "inspect", "--format", "{{.Size}}", image).stdout) / 1e6


def segment(lab: Lab) -> tuple[str, str]:
    """The voice segment: (container namespace, client namespace), see the module docstring."""
    switch, host = lab.host("sw"), lab.host("hst")
    container, client = lab.host("ctr"), lab.host("cli")
    lab.link(switch, "v1", None, host, "eth0", None)
    lab.link(switch, "v2", None, client, "eth0", f"{CLIENT_ADDRESS}/24")
    lab.bridge(switch, "seg", ["v1", "v2"])
    lab.exec(host, "ip", "link", "add", "link", "eth0", "name", "mv0", *MACVLAN_BRIDGE)
    lab.exec(host, "ip", "link", "set", "mv0", "netns", container)
    lab.exec(container, "ip", "link", "set", "mv0", "name", "eth0")
    lab.exec(container, "ip", "addr", "add", f"{CONTAINER_ADDRESS}/24", "dev", "eth0")
    lab.exec(container, "ip", "link", "set", "eth0", "up")
    return container, client


def log_events(name: str) -> list[dict[str, object]]:
    """Every line the container wrote, each of which must be a JSON object."""
    result = podman("logs", name)
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    events = []
    for line in lines:
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError:
            pytest.fail(f"a log line is not JSON: {line!r}\nall lines:\n" + "\n".join(lines))
    return events


def wait_for_event(name: str, event: str, timeout: float = 20) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [entry for entry in log_events(name) if entry.get("event") == event]
        if found:
            return found[0]
        state = podman("inspect", "--format", "{{.State.Status}}", name).stdout.strip()
        if state != "running":
            logs = podman("logs", name)
            pytest.fail(f"container {state} before {event}:\n{logs.stdout}{logs.stderr}")
        time.sleep(0.2)
    pytest.fail(f"no {event} within {timeout} s:\n{podman('logs', name).stdout}")


def docker_conf(directory: Path) -> Path:
    """container/containers.conf with Docker's default capabilities instead of podman's: a
    non-root user then has them in its bounding set only, as under Docker."""
    text = CONTAINERS_CONF.read_text(encoding="utf-8")
    start = text.index("default_capabilities = [")
    end = text.index("]", start) + 1
    listed = ", ".join(f'"{name}"' for name in DOCKER_DEFAULT_CAPABILITIES)
    conf = directory / "containers-docker-defaults.conf"
    conf.write_text(f"{text[:start]}default_capabilities = [{listed}]{text[end:]}")
    return conf


def mac_of(lab: Lab, namespace: str) -> bytes:
    shown = lab.exec(namespace, "ip", "-j", "link", "show", "eth0").stdout
    return bytes.fromhex(json.loads(shown)[0]["address"].replace(":", ""))


def inform(xid: int, mac: bytes) -> bytes:
    """A Lync phone's broadcast DHCPINFORM: option 60 MS-UC-Client, 55 asking for 43 and 120,
    chaddr its own MAC (where a frame is addressed), padded to BOOTP's 300 bytes."""
    request = phone_request(
        xid=xid, flags=BROADCAST, ciaddr=CLIENT_ADDRESS, chaddr=mac, parameters=(43, 120)
    )
    return request.ljust(300, b"\0")


def ask(lab: Lab, client_ns: str, xid: int, name: str, pool: str = "pool01") -> None:
    """A phone's broadcast INFORM from the client must get the DHCPACK for `pool`."""
    request = inform(xid, mac_of(lab, client_ns))
    result = lab.exec(
        client_ns, *(sys.executable, "-c", CLIENT, request.hex(), f"{xid:08x}", "eth0"), check=False
    )
    assert result.returncode == 0, f"no reply to the INFORM: {result.stderr}\n" + (
        podman("logs", name).stdout
    )
    address, port, data = result.stdout.split()
    reply = bytes.fromhex(data)
    assert (address, port) == (CONTAINER_ADDRESS, "67")
    ack = Bootp(reply)
    assert ack.message_type == MESSAGE_TYPES["ack"]
    assert ack.options[120] == OPTION_120_POOL01.replace(b"pool01", pool.encode())
    assert ack.options[43] == OPTION_43_POOL01.replace(b"pool01", pool.encode())
    assert ack.server_id == CONTAINER_ADDRESS


def server_status(name: str) -> dict[str, str]:
    """/proc/1/status of the container: its PID 1 is ucdhcp itself (the entry point execs)."""
    text = podman("exec", name, "cat", "/proc/1/status").stdout
    return {
        key: value.strip() for key, _, value in (line.partition(":") for line in text.splitlines())
    }


def stop(name: str) -> None:
    """`podman stop` (SIGTERM): ucdhcp must exit 0 at once, its last log line server_stopped."""
    stopping = time.monotonic()
    podman("stop", "--time", "10", name)
    seconds = time.monotonic() - stopping
    exit_code = podman("inspect", "--format", "{{.State.ExitCode}}", name).stdout.strip()
    print(f"podman stop {name}: exit {exit_code} after {seconds:.2f} s")
    assert exit_code == "0"
    assert seconds < STOP_SECONDS
    events = [entry["event"] for entry in log_events(name)]
    assert events[-1] == "server_stopped", events


def test_image_serves_a_phone_on_a_macvlan_as_non_root(lab: Lab, tmp_path: Path) -> None:
    require_podman()
    seconds = build_images()
    size, base_size = image_size_mb(IMAGE), image_size_mb(BASE_IMAGE)
    print(
        f"images built in {seconds:.0f} s; {IMAGE} is {size:.0f} MB ({size - base_size:.0f} MB"
        f" on top of the {base_size:.0f} MB base)"
    )
    assert size < MAX_IMAGE_MB and size - base_size < MAX_ADDED_MB

    labels = json.loads(
        podman("image", "inspect", "--format", "{{json .Labels}}", IMAGE).stdout or "{}"
    )
    assert {key: labels.get(key) for key in OCI_LABELS} == {
        "org.opencontainers.image.version": ucdhcp.__version__,
        "org.opencontainers.image.source": "https://github.com/ucdhcp/ucdhcp",
        "org.opencontainers.image.licenses": "MIT",
        "org.opencontainers.image.base.name": BASE_IMAGE,
    }, labels

    healthcheck = json.loads(
        podman("inspect", "--type", "image", "--format", "{{json .HealthCheck}}", IMAGE).stdout
    )
    assert healthcheck and healthcheck["Test"][0] == "CMD", healthcheck  # kept: --format docker
    # The core was compiled in the build stage; the image itself has no compiler.
    compilers = podman(
        *("run", "--rm", "--network", "none", "--entrypoint", "/opt/ucdhcp/bin/python3", IMAGE),
        *("-c", "import shutil; print([shutil.which(c) for c in ('cc', 'gcc', 'c99')])"),
    ).stdout
    assert compilers == "[None, None, None]\n"

    container_ns, client_ns = segment(lab)
    # The directory is mounted, not the file: a file replaced by rename (editors, config
    # management) is then seen by the container, and a reload reads the new one.
    config_dir = tmp_path / "etc-ucdhcp"
    config_dir.mkdir(mode=0o755)
    config = config_dir / "ucdhcp.toml"
    config.write_text(CONFIG)
    config.chmod(0o644)  # readable by the container's non-root user
    runs = ("podman", "podman-raw", "docker", "nocaps")
    names = {run: f"ucdhcp-test-{os.getpid()}-{run}" for run in runs}

    def run(name: str, *options: str, conf: Path = CONTAINERS_CONF) -> None:
        # The container's neighbour table starts empty: an entry for the phone afterwards
        # means the reply waited for ARP (the UDP socket), none means it left as a frame.
        lab.exec(container_ns, "ip", "neigh", "flush", "dev", "eth0")
        podman(
            *("run", "--detach", "--name", name, "--user", USER, "--read-only", *options),
            *("--network", f"ns:/run/netns/{container_ns}"),
            *("-v", f"{config_dir}:/etc/ucdhcp:ro"),
            *("--health-interval", "disable"),  # no systemd timers here: run by hand below
            IMAGE,
            conf=conf,
        )
        started = wait_for_event(name, "server_started")
        assert started["interfaces"] == ["eth0"], started  # its only link: the macvlan
        assert started["compiled"] is True, started  # the build stage compiled the core

    def check_capabilities(name: str, held: int) -> None:
        """ucdhcp holds exactly `held`, and sends frames exactly when it holds CAP_NET_RAW."""
        status = server_status(name)
        assert status["Uid"].split()[1] == UID  # the server's effective uid
        assert int(status["CapEff"], 16) == held, status["CapEff"]
        frames = bool(held & CAP_NET_RAW)
        added = wait_for_event(name, "interface_added")
        assert added["replies_as_frames"] is frames, added
        unavailable = [e for e in log_events(name) if e["event"] == "frames_unavailable"]
        assert len(unavailable) == (0 if frames else 1), unavailable
        shown = lab.exec(container_ns, "ip", "-j", "neigh", "show", CLIENT_ADDRESS, "dev", "eth0")
        arped = json.loads(shown.stdout or "[]") != []
        assert arped is not frames, f"{name}: frames {frames}, neighbour entry {arped}"
        print(f"{name}: CapEff {held:#x}, replies_as_frames {frames}")

    try:
        # As deployed under podman: the image's user, podman's default capabilities (no
        # NET_RAW), nothing added. Its only capability is the one the image's bin/python
        # carries (file capability); replies go through the UDP socket.
        name = names["podman"]
        run(name)
        ask(lab, client_ns, 0x5C0DE067, name)
        assert podman("exec", name, "id", "-u").stdout.strip() == UID
        check_capabilities(name, CAP_NET_BIND_SERVICE)

        check = podman("healthcheck", "run", name, check=False)
        assert check.returncode == 0, f"HEALTHCHECK failed: {check.stdout}{check.stderr}"
        health = json.loads(podman("inspect", "--format", "{{json .State.Health}}", name).stdout)
        print(f"healthcheck: {health['Log'][-1]['Output'].strip()}")

        # SIGHUP reaches ucdhcp (PID 1 through the entry point's exec): the config, replaced
        # on the host by a rename, is reread and the next phone gets the new pool.
        replacement = config_dir / "ucdhcp.toml.new"
        replacement.write_text(CONFIG.replace("pool01", "pool02"))
        replacement.chmod(0o644)
        replacement.rename(config)
        podman("kill", "--signal", "HUP", name)
        wait_for_event(name, "config_reloaded")
        ask(lab, client_ns, 0x5C0DE069, name, pool="pool02")
        stop(name)
        assert {"server_started", "interface_added"} <= {e["event"] for e in log_events(name)}
        config.write_text(CONFIG)

        # podman with NET_RAW added: the entry point picks bin/python-frames.
        name = names["podman-raw"]
        run(name, "--cap-add", "NET_RAW")
        ask(lab, client_ns, 0x5C0DE06A, name)
        check_capabilities(name, CAP_NET_BIND_SERVICE | CAP_NET_RAW)
        check = podman("healthcheck", "run", name, check=False)
        assert check.returncode == 0, f"HEALTHCHECK failed: {check.stdout}{check.stderr}"
        stop(name)

        # Docker's default capabilities: NET_RAW is in the bounding set but, for a non-root
        # user, in no other set; only the file capability of bin/python-frames grants it.
        name = names["docker"]
        run(name, conf=docker_conf(tmp_path))
        ask(lab, client_ns, 0x5C0DE06B, name)
        assert int(server_status(name)["CapAmb"], 16) == 0
        check_capabilities(name, CAP_NET_BIND_SERVICE | CAP_NET_RAW)
        stop(name)

        # Hardened: no capability at all (the kernel would refuse to run either +ep
        # interpreter); the entry point falls back to the plain one, which binds 67 thanks to
        # the namespace's net.ipv4.ip_unprivileged_port_start (what a Kubernetes "restricted"
        # pod would set).
        name = names["nocaps"]
        lab.exec(container_ns, "sysctl", "-qw", "net.ipv4.ip_unprivileged_port_start=67")
        run(name, "--cap-drop", "all", "--security-opt", "no-new-privileges")
        ask(lab, client_ns, 0x5C0DE068, name)
        check_capabilities(name, 0)
        check = podman("healthcheck", "run", name, check=False)
        assert check.returncode == 0, f"HEALTHCHECK failed: {check.stdout}{check.stderr}"
        stop(name)
    finally:
        for name in names.values():
            podman("rm", "--force", "--time", "0", name, check=False)
