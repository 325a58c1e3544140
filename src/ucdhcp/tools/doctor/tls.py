"""TLS to a phone's servers (Python's ssl): TCP connect, handshake, the certificate chain checked
against the system store or the enterprise root (`--ca`), its names and its dates, each as its
own checklist line, every connection bounded by the step's timeout.

Strategy: OpenSSL reports one verification error and stops, in the order chain, name, dates
(OpenSSL 3 verify_chain). When the name is wrong, a second handshake without the name check
still judges the chain and the dates, so one run names every fault it can.
"""

import contextlib
import socket
import ssl
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from .checklist import Check, Status, Step, fail, ok, warn
from .targets import Settings

# X509_V_ERR_* codes (openssl/x509_vfy.h)
_UNTRUSTED = {2, 18, 19, 20, 21, 27}
_NOT_YET_VALID = 9
_EXPIRED = 10
_HOSTNAME_MISMATCH = 62
EXPIRY_WARNING = 30 * 86400  # renewals forgotten in the last month are the usual outage


@dataclass(frozen=True, slots=True)
class Certificate:
    """What a verified handshake tells about the server's certificate."""

    names: tuple[str, ...]  # subjectAltName DNS entries
    issuer: str
    not_after: float  # seconds since the epoch


@dataclass(slots=True)
class Verification:
    """The certificate verdicts; None means "could not be judged"."""

    trusted: bool | None = None
    names_ok: bool | None = None
    dates_ok: bool | None = None
    certificate: Certificate | None = None
    reason: str = ""  # OpenSSL's message for the first fault
    version: str | None = None
    checks: list[Check] = field(default_factory=list)


def context(settings: Settings, check_hostname: bool = True) -> ssl.SSLContext:
    tls = ssl.create_default_context(
        cafile=None if settings.ca_file is None else str(settings.ca_file)
    )
    tls.check_hostname = check_hostname
    return tls


def unverified_context() -> ssl.SSLContext:
    tls = ssl.create_default_context()
    tls.check_hostname = False
    tls.verify_mode = ssl.CERT_NONE
    return tls


@contextlib.contextmanager
def connect(
    address: str, port: int, hostname: str, tls: ssl.SSLContext, timeout: float
) -> Iterator[ssl.SSLSocket]:
    """A TLS connection with SNI `hostname`; every read and write bounded by `timeout`."""
    with (
        socket.create_connection((address, port), timeout=timeout) as raw,
        tls.wrap_socket(raw, server_hostname=hostname) as wrapped,
    ):
        yield wrapped


def check_server(
    step: Step, hostname: str, address: str, port: int, settings: Settings, role: str
) -> list[Check]:
    """TCP, TLS and certificate checks of `hostname`:`port` reached at `address`."""
    where = f"{hostname}:{port} ({address})"
    try:
        with socket.create_connection((address, port), timeout=settings.timeout):
            pass
    except OSError as error:
        return [_tcp_failure(step, where, hostname, port, error, settings, role)]
    checks = [ok(step, f"TCP {where} connected")]
    result = _verify(hostname, address, port, settings)
    if result.version is None and result.trusted is None:
        checks.append(
            fail(
                step,
                f"TLS handshake with {where} failed: {result.reason}",
                f"serve TLS with a certificate on {hostname}:{port}",
            )
        )
        return checks
    checks.append(
        ok(step, f"TLS handshake with {where}: {result.version or 'certificate received'}")
    )
    return checks + _certificate_checks(step, hostname, result, settings)


def _tcp_failure(
    step: Step, where: str, hostname: str, port: int, error: OSError, settings: Settings, role: str
) -> Check:
    if isinstance(error, TimeoutError):
        return fail(
            step,
            f"TCP {where}: no answer within {settings.timeout:g} s",
            f"open TCP {port} to {hostname} from the phones' network (firewall?)",
        )
    return fail(
        step,
        f"TCP {where}: {error.strerror or error}",
        f"start the {role} on {hostname}:{port}, or correct the port the phones get",
    )


def _verify(hostname: str, address: str, port: int, settings: Settings) -> Verification:
    result = Verification()
    try:
        with connect(address, port, hostname, context(settings), settings.timeout) as tls:
            _accept(result, tls)
            result.names_ok = True
        return result
    except ssl.SSLCertVerificationError as error:
        _record(result, error)
    except (ssl.SSLError, OSError) as error:
        result.reason = _reason(error)
        return result
    if result.names_ok is False:  # judge the chain and dates without the name
        try:
            with connect(
                address, port, hostname, context(settings, False), settings.timeout
            ) as tls:
                _accept(result, tls)
        except ssl.SSLCertVerificationError as error:
            _record(result, error)
        except (ssl.SSLError, OSError) as error:
            result.reason = result.reason or _reason(error)
    return result


def _accept(result: Verification, tls: ssl.SSLSocket) -> None:
    result.trusted = True
    result.dates_ok = True
    result.version = tls.version()
    result.certificate = _certificate(tls.getpeercert() or {})


def _record(result: Verification, error: ssl.SSLCertVerificationError) -> None:
    code = error.verify_code
    message = error.verify_message or _reason(error)
    if code in _UNTRUSTED:
        result.trusted = False
    elif code == _HOSTNAME_MISMATCH:
        result.names_ok = False
    elif code in (_EXPIRED, _NOT_YET_VALID):
        result.trusted = True  # the chain was built before the dates were looked at
        result.names_ok = True if result.names_ok is None else result.names_ok
        result.dates_ok = False
    else:
        result.trusted = False
    result.reason = result.reason or message
    if code in (_EXPIRED, _NOT_YET_VALID):
        result.reason = message


def _certificate(peer: Mapping[str, object]) -> Certificate:
    names = tuple(
        str(value)
        for kind, value in peer.get("subjectAltName", ())  # type: ignore[attr-defined]
        if kind == "DNS"
    )
    issuer = ", ".join(
        str(value)
        for rdn in peer.get("issuer", ())  # type: ignore[attr-defined]
        for key, value in rdn
        if key in ("commonName", "organizationName")
    )
    not_after = ssl.cert_time_to_seconds(str(peer["notAfter"])) if "notAfter" in peer else 0.0
    return Certificate(names, issuer or "unknown issuer", not_after)


def _certificate_checks(
    step: Step, hostname: str, result: Verification, settings: Settings
) -> list[Check]:
    trust = f"--ca {settings.ca_file}" if settings.ca_file else "the system trust store"
    certificate = result.certificate
    if result.trusted is False:
        return [
            fail(
                step,
                f"certificate of {hostname} not trusted by {trust}: {result.reason}",
                "use a certificate issued by the root the phones trust (the enterprise CA),"
                " or give --ca FILE with that root",
            ),
            Check(step, Status.SKIP, f"names and dates of {hostname}'s certificate not checked"),
        ]
    issuer = f" (issuer {certificate.issuer})" if certificate else ""
    checks = [ok(step, f"certificate chain of {hostname} trusted by {trust}{issuer}")]
    names = ", ".join(certificate.names) if certificate and certificate.names else "none listed"
    if result.names_ok:
        checks.append(ok(step, f"certificate names cover {hostname} ({names})"))
    else:
        listed = f"is for other names ({names})" if certificate else f"does not name {hostname}"
        checks.append(
            fail(
                step,
                f"certificate of {hostname} {listed}",
                f"reissue the certificate with DNS:{hostname} in its subject alternative names",
            )
        )
    checks.append(_dates_check(step, hostname, result))
    return checks


def _dates_check(step: Step, hostname: str, result: Verification) -> Check:
    certificate = result.certificate
    if result.dates_ok is False:
        if "not yet valid" in result.reason:
            fix = f"check the clocks of the CA and of {hostname}, or wait for the start date"
        else:
            fix = f"renew the certificate of {hostname}"
        return fail(step, f"certificate of {hostname}: {result.reason}", fix)
    if certificate is None or not certificate.not_after:
        return Check(step, Status.SKIP, f"dates of {hostname}'s certificate not read")
    until = time.strftime("%Y-%m-%d", time.gmtime(certificate.not_after))
    if certificate.not_after - time.time() < EXPIRY_WARNING:
        return warn(
            step,
            f"certificate of {hostname} expires soon ({until})",
            f"renew the certificate of {hostname}",
        )
    return ok(step, f"certificate of {hostname} valid until {until}")


def _reason(error: BaseException) -> str:
    if isinstance(error, ssl.SSLError) and error.reason:
        return str(error.reason).replace("_", " ").lower()
    if isinstance(error, TimeoutError):
        return "timed out"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) or type(error).__name__
