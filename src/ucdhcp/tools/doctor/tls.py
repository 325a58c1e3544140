"""TLS to a phone's servers (Python's ssl): TCP connect, handshake, the certificate chain checked
against the system store or the enterprise root (`--ca`), its names and its dates, each as its
own checklist line, every connection bounded by the step's timeout. Trust is judged as a phone
judges it: chain, name, dates, without the RFC 5280 profile checks of VERIFY_X509_STRICT
(Python 3.13 turns them on by default; enterprise CAs often lack what they demand).

Strategy: a first handshake verifies nothing and keeps the chain the server sent, so the
issuer, names, dates and chain are reported for any certificate, trusted or not. OpenSSL
reports one verification error and stops, in the order chain, name, dates (OpenSSL 3
verify_chain): when the name is wrong, a handshake without the name check still judges the
chain and the dates; when the chain is untrusted, the names and dates are judged from the
certificate that was sent. So one run names every fault it can.
"""

import contextlib
import socket
import ssl
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from .checklist import Check, Status, Step, fail, ok, warn
from .targets import DoctorOptions

# X509_V_ERR_* codes (openssl/x509_vfy.h)
_UNTRUSTED = {2, 18, 19, 20, 21, 27}
_NOT_YET_VALID = 9
_EXPIRED = 10
_HOSTNAME_MISMATCH = 62
EXPIRY_WARNING = 30 * 86400  # renewals forgotten in the last month are the usual outage


@dataclass(frozen=True, slots=True)
class Certificate:
    """One certificate the server sent, as far as a report needs it."""

    subject: str  # commonName (else organizationName)
    names: tuple[str, ...]  # subjectAltName DNS entries
    issuer: str
    not_before: float  # seconds since the epoch; 0.0 when not read
    not_after: float


@dataclass(slots=True)
class Verification:
    """The certificate verdicts; None means "could not be judged"."""

    trusted: bool | None = None
    names_ok: bool | None = None
    dates_ok: bool | None = None
    certificate: Certificate | None = None  # the server's own (first sent)
    chain: tuple[Certificate, ...] = ()  # as sent, the server's first
    reason: str = ""  # OpenSSL's message for the first fault of the chain or name
    date_reason: str = ""  # why the dates are wrong
    version: str | None = None
    checks: list[Check] = field(default_factory=list)


def context(settings: DoctorOptions, check_hostname: bool = True) -> ssl.SSLContext:
    """Chain, name and dates, as a phone checks them: not the strict profile checks (critical
    basic constraints, key usage, key identifiers) that Python 3.13 enables by default."""
    tls = ssl.create_default_context(
        cafile=None if settings.ca_file is None else str(settings.ca_file)
    )
    tls.verify_flags &= ~ssl.VERIFY_X509_STRICT
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
    step: Step, hostname: str, address: str, port: int, settings: DoctorOptions, role: str
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
    step: Step,
    where: str,
    hostname: str,
    port: int,
    error: OSError,
    settings: DoctorOptions,
    role: str,
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


def _verify(hostname: str, address: str, port: int, settings: DoctorOptions) -> Verification:
    result = Verification()
    try:
        with connect(address, port, hostname, unverified_context(), settings.timeout) as tls:
            result.version = tls.version()
            result.chain = sent_chain(tls)
    except (ssl.SSLError, OSError) as error:
        result.reason = _reason(error)
        return result
    result.certificate = result.chain[0] if result.chain else None
    try:
        with connect(address, port, hostname, context(settings), settings.timeout):
            _accept(result)
            result.names_ok = True
        return result
    except ssl.SSLCertVerificationError as error:
        _record(result, error)
    except (ssl.SSLError, OSError) as error:  # the verifying handshake itself failed
        result.version, result.reason = None, _reason(error)
        return result
    if result.names_ok is False:  # judge the chain and dates without the name
        try:
            with connect(address, port, hostname, context(settings, False), settings.timeout):
                _accept(result)
        except ssl.SSLCertVerificationError as error:
            _record(result, error)
        except (ssl.SSLError, OSError) as error:
            result.reason = result.reason or _reason(error)
    if result.trusted is False and result.certificate is not None:
        _judge_sent(result, hostname, result.certificate)
    return result


def _accept(result: Verification) -> None:
    result.trusted = True
    result.dates_ok = True


def _judge_sent(result: Verification, hostname: str, certificate: Certificate) -> None:
    """Names and dates of an untrusted certificate, judged from what the server sent (OpenSSL
    stopped at the chain and said nothing about them)."""
    result.names_ok = covers(certificate.names, hostname)
    now = time.time()
    if certificate.not_before and now < certificate.not_before:
        result.dates_ok, result.date_reason = False, "certificate is not yet valid"
    elif certificate.not_after and now > certificate.not_after:
        result.dates_ok, result.date_reason = False, "certificate has expired"
    else:
        result.dates_ok = bool(certificate.not_after)


def covers(names: tuple[str, ...], hostname: str) -> bool:
    """Whether a certificate's DNS names cover `hostname` (RFC 6125 §6.4: exact, or a wildcard
    standing for the whole left-most label)."""
    host = hostname.lower().rstrip(".")
    for name in (name.lower().rstrip(".") for name in names):
        if name == host or (name.startswith("*.") and host.partition(".")[2] == name[2:]):
            return True
    return False


def sent_chain(tls: ssl.SSLSocket) -> tuple[Certificate, ...]:
    """The certificates the server sent, its own first, whether or not they were verified.
    CPython keeps them on the connection's _ssl object (get_unverified_chain, public on
    SSLSocket only from 3.13, and there as DER); empty where it does not."""
    connection = getattr(tls, "_sslobj", None)
    read = getattr(connection, "get_unverified_chain", None)
    sent = read() if read is not None else None
    return tuple(_certificate(certificate.get_info()) for certificate in sent or ())


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
        result.date_reason = message
        return
    else:
        result.trusted = False
    result.reason = result.reason or message


def _certificate(info: Mapping[str, Any]) -> Certificate:
    """From the dict CPython gives for a certificate (as getpeercert() does)."""
    names = tuple(str(value) for kind, value in info.get("subjectAltName", ()) if kind == "DNS")
    return Certificate(
        subject=_name(info.get("subject", ()), "no subject"),
        names=names,
        issuer=_name(info.get("issuer", ()), "unknown issuer"),
        not_before=_seconds(info.get("notBefore")),
        not_after=_seconds(info.get("notAfter")),
    )


def _name(rdns: Any, missing: str) -> str:
    """commonName, else organizationName, of a distinguished name given as CPython's RDNs."""
    fields = {key: str(value) for rdn in rdns for key, value in rdn}
    return fields.get("commonName") or fields.get("organizationName") or missing


def _seconds(when: object) -> float:
    try:
        return float(ssl.cert_time_to_seconds(str(when))) if when else 0.0
    except ValueError:
        return 0.0


def _chain_text(chain: tuple[Certificate, ...]) -> str:
    if not chain:
        return "chain sent: not readable"
    return "chain sent: " + ", ".join(f"{cert.subject} (issuer {cert.issuer})" for cert in chain)


def _certificate_checks(
    step: Step, hostname: str, result: Verification, settings: DoctorOptions
) -> list[Check]:
    trust = f"--ca {settings.ca_file}" if settings.ca_file else "the system trust store"
    certificate = result.certificate
    chain = _chain_text(result.chain)
    if result.trusted is False:
        checks = [
            fail(
                step,
                f"certificate of {hostname} not trusted by {trust}: {result.reason} ({chain})",
                "use a certificate issued by the root the phones trust (the enterprise CA),"
                " or give --ca FILE with that root",
            )
        ]
        if certificate is None:
            skipped = f"names and dates of {hostname}'s certificate not checked"
            return [*checks, Check(step, Status.SKIP, skipped)]
    else:
        checks = [ok(step, f"certificate chain of {hostname} trusted by {trust} ({chain})")]
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
        if "not yet valid" in result.date_reason:
            fix = f"check the clocks of the CA and of {hostname}, or wait for the start date"
            when = f" (from {_day(certificate.not_before)})" if certificate else ""
        else:
            fix = f"renew the certificate of {hostname}"
            when = f" (until {_day(certificate.not_after)})" if certificate else ""
        return fail(step, f"certificate of {hostname}: {result.date_reason}{when}", fix)
    if certificate is None or not certificate.not_after:
        return Check(step, Status.SKIP, f"dates of {hostname}'s certificate not read")
    until = _day(certificate.not_after)
    if certificate.not_after - time.time() < EXPIRY_WARNING:
        return warn(
            step,
            f"certificate of {hostname} expires soon ({until})",
            f"renew the certificate of {hostname}",
        )
    return ok(step, f"certificate of {hostname} valid until {until}")


def _day(seconds: float) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(seconds)) if seconds else "an unread date"


def _reason(error: BaseException) -> str:
    if isinstance(error, ssl.SSLError) and error.reason:
        return str(error.reason).replace("_", " ").lower()
    if isinstance(error, TimeoutError):
        return "timed out"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) or type(error).__name__
