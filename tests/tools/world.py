"""A phone's world after DHCP, in namespaces the test creates: DNS (dnsmasq), the certificate
provisioning web service and the registrar's TLS (openssl s_server) with certificates from a
test CA made here with the openssl CLI, and NTP (chronyd -x, which never sets the host clock).

The server namespace (10.99.0.1) hosts every service; the phone namespace (10.99.0.2) runs
`ucdhcp doctor`. The web service is Python's http.server behind TLS (https_server.py): unlike
`openssl s_server -WWW` it answers a missing file with a 404. Every process is started by
Lab.start and stopped by PID at teardown; every wait for a service is bounded.
"""

import json
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.commands import ucdhcp_command
from tests.netns import Lab
from tests.programs import tool

SERVER = "10.99.0.1"
PHONE = "10.99.0.2"
POOL = "pool01.contoso.com"
DOMAIN = "contoso.com"
CERTPROV = "CertProv/CertProvisioningService.svc"
READY_TIMEOUT = 15.0
HTTPS_SERVER = Path(__file__).with_name("https_server.py")
_CA_CONFIG = """[ca]
default_ca = test
[test]
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = anything
unique_subject = no
[anything]
commonName = supplied
"""


class Authority:
    """A test CA made with the openssl CLI; it signs server certificates with chosen names and
    dates (`openssl ca` accepts explicit start and end dates, so expired ones are real)."""

    def __init__(self, directory: Path, name: str) -> None:
        self.directory = directory
        directory.mkdir(parents=True)
        self.pem = directory / "ca.pem"
        self._openssl(
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key",
            "-out", "ca.pem", "-days", "800", "-subj", f"/CN={name}",
        )  # fmt: skip
        (directory / "ca.cnf").write_text(_CA_CONFIG, encoding="ascii")
        (directory / "index.txt").write_text("", encoding="ascii")
        (directory / "serial").write_text("01\n", encoding="ascii")

    def issue(
        self, stem: str, name: str, start: str | None = None, end: str | None = None
    ) -> tuple[Path, Path]:
        """A key and a certificate for DNS:`name` (dates YYYYMMDDHHMMSSZ; default now to +400 d)."""
        key, csr, pem = (self.directory / f"{stem}.{kind}" for kind in ("key", "csr", "pem"))
        self._openssl(
            "req", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(csr),
            "-subj", f"/CN={name}",
        )  # fmt: skip
        extensions = self.directory / f"{stem}.ext"
        extensions.write_text(f"subjectAltName=DNS:{name}\n", encoding="ascii")
        dates = ["-days", "400"] if start is None else ["-startdate", start, "-enddate", str(end)]
        self._openssl(
            "ca", "-batch", "-config", "ca.cnf", "-cert", "ca.pem", "-keyfile", "ca.key",
            "-in", str(csr), "-out", str(pem), "-extfile", str(extensions), "-notext", *dates,
        )  # fmt: skip
        return pem, key

    def _openssl(self, *args: str) -> None:
        subprocess.run(
            [tool("openssl"), *args],
            cwd=self.directory,
            capture_output=True,
            check=True,
            timeout=30,
        )


@dataclass
class World:
    lab: Lab
    server: str
    phone: str
    directory: Path
    ca: Authority
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def dns(self, records: Sequence[str] = (), *, srv: bool = True) -> None:
        """dnsmasq answering for contoso.com only (NXDOMAIN for any other name in it)."""
        args = [f"--address=/{record}/{SERVER}" for record in records]
        if srv:
            args += [
                f"--srv-host=_sipinternaltls._tcp.{DOMAIN},{POOL},5061",
                f"--srv-host=_ntp._udp.{DOMAIN},{POOL},123",
            ]
        self._start(
            "dns",
            "udp",
            53,
            tool("dnsmasq"), "--no-daemon", "--port=53", "--no-resolv", "--no-hosts",
            f"--listen-address={SERVER}", "--bind-interfaces", f"--local=/{DOMAIN}/",
            f"--pid-file={self.directory / 'dns.pid'}", "--log-facility=-", *args,
        )  # fmt: skip

    def web(self, certificate: tuple[Path, Path], *, publish: bool = True) -> None:
        """An HTTPS file server on 443, serving the certificate provisioning path."""
        root = self.directory / "www"
        page = root / CERTPROV
        page.parent.mkdir(parents=True, exist_ok=True)
        if publish:
            page.write_text("certificate provisioning service\n", encoding="ascii")
        else:
            page.unlink(missing_ok=True)
        pem, key = certificate
        command = [sys.executable, str(HTTPS_SERVER), SERVER, "443", str(pem), str(key)]
        self._start("web", "tcp", 443, *command, str(root))

    def registrar(self, certificate: tuple[Path, Path]) -> None:
        """openssl s_server on 5061: completes TLS handshakes like a Front End."""
        self._tls("sip", 5061, certificate)

    def ntp(self) -> None:
        """chronyd serving the namespace at stratum 8; -x: it never touches the host clock."""
        config = self.directory / "chrony.conf"
        config.write_text(
            f"allow {SERVER.rsplit('.', 1)[0]}.0/24\nlocal stratum 8\ncmdport 0\n"
            f"bindaddress {SERVER}\n"
            f"pidfile {self.directory / 'chronyd.pid'}\n"
            f"driftfile {self.directory / 'chrony.drift'}\n",
            encoding="ascii",
        )
        self._start("ntp", "udp", 123, tool("chronyd"), "-x", "-d", "-f", str(config))

    def stop(self, name: str) -> None:
        self.lab.stop(self.processes.pop(name))

    def doctor(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return self.lab.exec(
            self.phone, *ucdhcp_command(), "doctor", *args, check=False, timeout=timeout
        )

    def doctor_json(self, *args: str) -> tuple[int, dict, str]:
        result = self.doctor("--json", *args)
        return result.returncode, json.loads(result.stdout), result.stderr

    def _tls(
        self,
        name: str,
        port: int,
        certificate: tuple[Path, Path],
    ) -> None:
        pem, key = certificate
        self._start(
            name,
            "tcp",
            port,
            tool("openssl"), "s_server", "-quiet", "-accept", f"{SERVER}:{port}",
            "-cert", str(pem), "-key", str(key),
        )  # fmt: skip

    def _start(self, name: str, protocol: str, port: int, *command: str) -> None:
        if name in self.processes:
            self.stop(name)
        log = self.directory / f"{name}.log"
        process = self.lab.start(self.server, *command, stdout=log)
        self.processes[name] = process
        self._wait_listening(name, protocol, port, process, log)

    def _wait_listening(
        self, name: str, protocol: str, port: int, process: subprocess.Popen[bytes], log: Path
    ) -> None:
        flag = "-Hltn" if protocol == "tcp" else "-Hlun"
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(
                    f"{name} exited ({process.returncode}): {log.read_text(errors='replace')}"
                )
            shown = self.lab.exec(self.server, "ss", flag, f"sport = :{port}", check=False)
            if shown.stdout.strip():
                return
            time.sleep(0.05)
        pytest.fail(f"{name} not listening on {protocol} {port} within {READY_TIMEOUT:.0f} s")


def make_world(lab: Lab, directory: Path) -> World:
    server, phone = lab.host("srv"), lab.host("ph")
    lab.link(server, "srv0", f"{SERVER}/24", phone, "ph0", f"{PHONE}/24")
    return World(lab, server, phone, directory, Authority(directory / "ca", "Test Root"))


def healthy(world: World) -> None:
    """Everything a phone needs, right."""
    certificate = world.ca.issue("pool", POOL)
    world.dns([POOL])
    world.web(certificate)
    world.registrar(certificate)
    world.ntp()


def flags(world: World, *extra: str) -> list[str]:
    """doctor's arguments for the lab's values (option 120 pool01, option 42 the server)."""
    return [
        "--sip-server", POOL, "--ntp-server", SERVER, "--sip-domain", DOMAIN,
        "--dns", SERVER, "--ca", str(world.ca.pem), "--timeout", "2", *extra,
    ]  # fmt: skip
