"""Step 2's last part: an HTTP GET of the certificate provisioning path, over TLS, answered by a
web service; and the server's clock, from its `Date` header (RFC 9110 §6.6.1)."""

import email.utils
import socket
import ssl
import time

from .checklist import Check, Status, Step, fail, ok, warn
from .targets import DoctorOptions
from .tls import connect, unverified_context

MAX_HEAD = 65536  # status line and headers; the body is not read
MAX_SKEW = 300.0  # seconds; Lync's sign-in tokens and Kerberos allow five minutes


def check_path(
    hostname: str, address: str, port: int, path: str, scheme: str, settings: DoctorOptions
) -> list[Check]:
    """GET `path` (certificates were judged already: this connection does not verify)."""
    url = f"{scheme}://{hostname}:{port}{path}"
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {hostname}\r\nUser-Agent: ucdhcp-doctor\r\n"
        "Accept: */*\r\nConnection: close\r\n\r\n"
    ).encode("ascii")
    try:
        head = _exchange(hostname, address, port, scheme, request, settings.timeout)
    except (OSError, ssl.SSLError) as error:
        return [
            fail(
                Step.WEB,
                f"GET {url}: {_reason(error, settings)}",
                f"make the web service on {hostname}:{port} answer HTTP requests",
            )
        ]
    status_line, headers = _parse_head(head)
    checks = [_status_check(url, status_line, hostname)]
    checks.append(_skew_check(hostname, headers.get("date"), time.time()))
    return checks


def _exchange(
    hostname: str, address: str, port: int, scheme: str, request: bytes, timeout: float
) -> bytes:
    deadline = time.monotonic() + timeout
    if scheme == "https":
        with connect(address, port, hostname, unverified_context(), timeout) as tls:
            tls.sendall(request)
            return _read_head(tls, deadline)
    # plain HTTP: a scheme phones do not use, still worth telling apart from a 404
    with socket.create_connection((address, port), timeout=timeout) as plain:
        plain.sendall(request)
        return _read_head(plain, deadline)


def _read_head(sock: socket.socket, deadline: float) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data and len(data) < MAX_HEAD:
        if time.monotonic() > deadline:
            raise TimeoutError("timed out")
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    if not data:
        raise ConnectionError("the server closed the connection without answering")
    return data


def _parse_head(head: bytes) -> tuple[str, dict[str, str]]:
    lines = head.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if colon:
            headers[name.strip().lower()] = value.strip()
    return lines[0].strip(), headers


def _status_check(url: str, status_line: str, hostname: str) -> Check:
    parts = status_line.split(" ", 2)
    code = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
    shown = f"GET {url}: {status_line[:80]}"
    if 200 <= code < 300:
        return ok(Step.WEB, shown)
    if code in (401, 403):  # Lync web services ask for authentication: the service is there
        return ok(Step.WEB, f"{shown} (a web service asking for authentication)")
    if code == 404:
        return fail(
            Step.WEB,
            shown,
            f"publish the certificate provisioning service on {hostname} at this path (Lync"
            " web services), or correct the path and web server in option 43",
        )
    if 300 <= code < 400:
        return warn(
            Step.WEB, shown, "point option 43 at the final URL: phones do not follow redirects"
        )
    return fail(Step.WEB, shown or f"GET {url}: not HTTP", f"check the web service on {hostname}")


def _skew_check(hostname: str, date: str | None, now: float) -> Check:
    if date is None:
        return Check(Step.WEB, Status.SKIP, f"clock of {hostname} not checked: no Date header")
    try:
        server = email.utils.parsedate_to_datetime(date).timestamp()
    except (TypeError, ValueError):
        return Check(Step.WEB, Status.SKIP, f"clock of {hostname} not checked: Date {date!r}")
    skew = server - now
    shown = f"clock of {hostname} differs from this machine's by {round(skew):+d} s"
    if abs(skew) > MAX_SKEW:
        return fail(Step.WEB, shown, f"synchronise the clock of {hostname} (and of this machine)")
    return ok(Step.WEB, shown)


def _reason(error: BaseException, settings: DoctorOptions) -> str:
    if isinstance(error, TimeoutError):
        return f"no answer within {settings.timeout:g} s"
    if isinstance(error, ssl.SSLError) and error.reason:
        return str(error.reason).replace("_", " ").lower()
    return str(error) or type(error).__name__
