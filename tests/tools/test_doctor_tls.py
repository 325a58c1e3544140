"""doctor's TLS verdicts against `openssl s_server` on 127.0.0.1, with CAs made here by the
openssl CLI: an enterprise-style CA lacking what RFC 5280's strict profile (Python 3.13's
default VERIFY_X509_STRICT) demands is trusted as a phone trusts it; for any certificate,
trusted or not, the issuer, names, expiry and the chain the server sent are reported."""

import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.programs import tool
from ucdhcp.tools.doctor.checklist import Status, Step
from ucdhcp.tools.doctor.targets import DoctorOptions
from ucdhcp.tools.doctor.tls import check_server, covers

POOL = "pool01.contoso.com"
LOOPBACK = "127.0.0.1"
READY_TIMEOUT = 15.0
# What Windows AD CS and many older enterprise roots look like: basicConstraints present but
# not critical, no keyUsage, no key identifiers. OpenSSL's defaults would add all of them.
ENTERPRISE_CA = """[req]
distinguished_name = dn
x509_extensions = enterprise
[dn]
[enterprise]
basicConstraints = CA:TRUE
"""
LEAF = "subjectAltName = DNS:{name}\nbasicConstraints = CA:FALSE\n"


def openssl(directory: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [tool("openssl"), *args],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def make_ca(directory: Path, name: str, *, enterprise: bool = True) -> Path:
    """A self-signed root `name`: enterprise-style, or with OpenSSL's strict-profile defaults."""
    directory.mkdir(parents=True, exist_ok=True)
    config = directory / "req.cnf"
    config.write_text(ENTERPRISE_CA, encoding="ascii")
    extra = ["-config", str(config)] if enterprise else []
    made = openssl(
        directory, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key",
        "-out", f"{name}.pem", "-days", "800", "-subj", f"/CN={name}", *extra,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    return directory / f"{name}.pem"


def issue(directory: Path, ca: str, name: str, extensions: str, days: str = "400") -> Path:
    """`name`'s key and certificate (name.key, name.pem) signed by `ca` in `directory`."""
    (directory / f"{name}.ext").write_text(extensions, encoding="ascii")
    for args in (
        ("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out",
         f"{name}.csr", "-subj", f"/CN={name}"),
        ("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key",
         "-set_serial", str(time.time_ns() % 10**12), "-days", days, "-out", f"{name}.pem",
         "-extfile", f"{name}.ext"),
    ):  # fmt: skip
        made = openssl(directory, *args)
        assert made.returncode == 0, made.stderr
    return directory / f"{name}.pem"


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator["TlsServers"]:
    servers = TlsServers(tmp_path)
    yield servers
    servers.stop()


class TlsServers:
    """openssl s_server processes on 127.0.0.1, stopped by PID at the end of the test."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self, certificate: Path, *chain: Path) -> int:
        with socket.socket() as probe:
            probe.bind((LOOPBACK, 0))
            port: int = probe.getsockname()[1]
        extra = ["-cert_chain", str(chain[0])] if chain else []
        process = subprocess.Popen(
            [tool("openssl"), "s_server", "-quiet", "-accept", f"{LOOPBACK}:{port}",
             "-cert", str(certificate), "-key", str(certificate.with_suffix(".key")), *extra],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.processes.append(process)
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            assert process.poll() is None, "openssl s_server exited"
            with socket.socket() as client:
                if client.connect_ex((LOOPBACK, port)) == 0:
                    return port
            time.sleep(0.05)
        pytest.fail(f"openssl s_server not listening within {READY_TIMEOUT:.0f} s")

    def stop(self) -> None:
        for process in self.processes:
            process.kill()
            process.wait(timeout=10)


def doctor_tls(port: int, ca: Path) -> list[tuple[Status, str]]:
    settings = DoctorOptions(timeout=3.0, ca_file=ca)
    checks = check_server(Step.REGISTRAR, POOL, LOOPBACK, port, settings, "SIP TLS listener")
    return [(check.status, check.detail) for check in checks]


@pytest.fixture(params=["3.11", "3.13"], ids=["python-3.11-defaults", "python-3.13-defaults"])
def python_defaults(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """ssl.create_default_context as this interpreter makes it, or with the verify flags that
    Python 3.13 adds by default (strict X.509 and partial chains; gh-107361), which is what
    the doctor must undo (3.13 is not installed on the CI machine)."""
    if request.param == "3.13":
        original = ssl.create_default_context

        def with_313_flags(*args: Any, **kwargs: Any) -> ssl.SSLContext:
            context = original(*args, **kwargs)
            context.verify_flags |= ssl.VERIFY_X509_STRICT | ssl.VERIFY_X509_PARTIAL_CHAIN
            return context

        monkeypatch.setattr(ssl, "create_default_context", with_313_flags)
    return str(request.param)


def test_an_enterprise_ca_without_the_strict_extensions_is_trusted_as_phones_do(
    tmp_path: Path, tls_server: TlsServers, python_defaults: str
) -> None:
    ca = make_ca(tmp_path, "Contoso Enterprise Root")
    leaf = issue(tmp_path, "Contoso Enterprise Root", POOL, LEAF.format(name=POOL))
    # The CA really is one the strict profile refuses, and only the strict profile.
    strict = openssl(tmp_path, "verify", "-x509_strict", "-CAfile", str(ca), str(leaf))
    assert (
        strict.returncode != 0
        and "basic constraints of ca cert not marked critical" in strict.stderr.lower()
    )
    assert openssl(tmp_path, "verify", "-CAfile", str(ca), str(leaf)).returncode == 0
    port = tls_server.start(leaf)
    strict_context = ssl.create_default_context(cafile=str(ca))
    strict_context.verify_flags |= ssl.VERIFY_X509_STRICT  # as Python 3.13's default has it
    with (
        pytest.raises(ssl.SSLCertVerificationError),
        socket.create_connection((LOOPBACK, port), timeout=3) as raw,
        strict_context.wrap_socket(raw, server_hostname=POOL),
    ):
        pass

    checks = doctor_tls(port, ca)
    assert [status for status, _ in checks] == [Status.OK] * 5, checks
    trusted = checks[2][1]
    assert trusted == (
        f"certificate chain of {POOL} trusted by --ca {ca}"
        f" (chain sent: {POOL} (issuer Contoso Enterprise Root))"
    )
    assert checks[3][1] == f"certificate names cover {POOL} ({POOL})"
    until = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 400 * 86400))
    assert checks[4][1] in {
        f"certificate of {POOL} valid until {until}",
        f"certificate of {POOL} valid until "
        + time.strftime("%Y-%m-%d", time.gmtime(time.time() + 399 * 86400)),  # around midnight
    }


def test_an_untrusted_chain_still_reports_issuer_names_expiry_and_chain(
    tmp_path: Path, tls_server: TlsServers
) -> None:
    make_ca(tmp_path, "Issuing Root", enterprise=False)
    intermediate = issue(
        tmp_path, "Issuing Root", "Issuing CA 2", "basicConstraints = critical, CA:TRUE\n"
    )
    leaf = issue(tmp_path, "Issuing CA 2", POOL, LEAF.format(name="other.contoso.com"), "20")
    other_root = make_ca(tmp_path / "other", "Other Root")
    port = tls_server.start(leaf, intermediate)

    checks = doctor_tls(port, other_root)
    statuses = [status for status, _ in checks]
    assert statuses == [Status.OK, Status.OK, Status.FAIL, Status.FAIL, Status.WARN], checks
    assert checks[2][1] == (
        f"certificate of {POOL} not trusted by --ca {other_root}: unable to get local issuer"
        f" certificate (chain sent: {POOL} (issuer Issuing CA 2),"
        " Issuing CA 2 (issuer Issuing Root))"
    )
    # Names and dates judged from the certificate sent, though the chain is not trusted.
    assert checks[3][1] == f"certificate of {POOL} is for other names (other.contoso.com)"
    assert checks[4][1].startswith(f"certificate of {POOL} expires soon (")


def test_an_expired_untrusted_certificate_says_when_it_expired(
    tmp_path: Path, tls_server: TlsServers
) -> None:
    make_ca(tmp_path, "Old Root")
    leaf = issue(tmp_path, "Old Root", POOL, LEAF.format(name=POOL), days="-1")
    port = tls_server.start(leaf)
    checks = doctor_tls(port, make_ca(tmp_path / "other", "Other Root"))
    assert [status for status, _ in checks][2:] == [Status.FAIL, Status.OK, Status.FAIL]
    assert checks[4][1].startswith(f"certificate of {POOL}: certificate has expired (until ")


@pytest.mark.parametrize(
    ("names", "hostname", "covered"),
    [
        (("pool01.contoso.com",), "POOL01.contoso.com.", True),
        (("*.contoso.com",), "pool01.contoso.com", True),
        (("*.contoso.com",), "a.pool01.contoso.com", False),  # one label only (RFC 6125)
        (("*.contoso.com",), "contoso.com", False),
        (("other.contoso.com",), "pool01.contoso.com", False),
        ((), "pool01.contoso.com", False),
    ],
)
def test_names_cover_a_hostname_as_rfc_6125_says(
    names: tuple[str, ...], hostname: str, covered: bool
) -> None:
    assert covers(names, hostname) is covered
