"""What the serving process keeps of a validated config, as plain frozen dataclasses.

Strategy: pydantic validates the file (model.py) in a short-lived child process (isolated.py);
the server receives these settings and the pure Policy, so it never imports pydantic, whose
models and validators are most of a server's memory (benchmarks/README.md, memory). Only the
values the runtime reads are here; the models keep every default and constraint.
"""

import ipaddress
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

DEFAULT_PATH = Path("/etc/ucdhcp/ucdhcp.toml")
REQUESTS_BURST = 20  # logging.requests_rate: seconds' worth of events logged in one burst

LogFormat = Literal["auto", "json", "console"]
LogLevel = Literal["debug", "info", "warning", "error"]


@dataclass(frozen=True, slots=True)
class ServerSettings:
    address: ipaddress.IPv4Address
    port: int
    interfaces: tuple[str, ...] | None  # with address 0.0.0.0; None: all but loopback
    server_id: ipaddress.IPv4Address | None
    receive_buffer: int


@dataclass(frozen=True, slots=True)
class LimitSettings:
    replies_per_client: int
    replies_per_destination: int
    replies_per_relay: int
    replies_per_port: int
    requests_per_source: int
    max_wait: float = 2.0  # seconds in the receive queue before a request is stale


@dataclass(frozen=True, slots=True)
class LoggingSettings:
    format: LogFormat
    level: LogLevel
    requests: bool
    request_level: Literal["debug", "info"]
    ignored_rate: float
    requests_rate: float


@dataclass(frozen=True, slots=True)
class MetricsSettings:
    listen: str | None  # as written, for messages
    endpoint: tuple[str, int] | None  # (address, port) parsed from it; None: off


@dataclass(frozen=True, slots=True)
class Settings:
    server: ServerSettings
    logging: LoggingSettings
    metrics: MetricsSettings
    limits: LimitSettings
    relays_configured: bool  # replies.trusted_relays is set (diagnosis.py)


Section = ServerSettings | LoggingSettings | MetricsSettings | LimitSettings


def described(section: Section) -> dict[str, object]:
    """A settings section as JSON-ready values, for log events."""
    return {name: _plain(value) for name, value in asdict(section).items()}


def _plain(value: object) -> object:
    if isinstance(value, ipaddress.IPv4Address):
        return str(value)
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    return value
