"""What the serving process keeps of a validated config, as plain frozen dataclasses.

Strategy: pydantic validates the file (model.py) in a short-lived child process (isolated.py);
the server receives these settings and the pure Policy, so it never imports pydantic, whose
models and validators weighed about 13 MiB beside a serving RSS of 38.6 MiB (the 2026-11-28
run, benchmarks/results/HISTORY.md). Only the values the runtime reads are here; the
models keep every default and constraint. Each field has its name in the file (model.py builds
these by keyword, and a test compares the fields).
"""

import ipaddress
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

from ..core.limits import LimitSettings

DEFAULT_CONFIG_FILE = Path("/etc/ucdhcp/ucdhcp.toml")

LogFormat = Literal["auto", "json", "console"]
LogLevel = Literal["debug", "info", "warning", "error"]
RequestLevel = Literal["debug", "info"]


@dataclass(frozen=True, slots=True)
class ServerSettings:
    address: ipaddress.IPv4Address
    port: int
    interfaces: tuple[str, ...] | None  # with address 0.0.0.0; None: all but loopback
    server_id: ipaddress.IPv4Address | None
    receive_buffer: int

    def identifier(self, address: ipaddress.IPv4Address) -> ipaddress.IPv4Address:
        """The server identifier replies carry (option 54, RFC 2131 §4.1): `server_id` when
        set, else `address`, the one they leave from (the bound one, or the interface's)."""
        return self.server_id or address


@dataclass(frozen=True, slots=True)
class LoggingSettings:
    format: LogFormat
    level: LogLevel
    requests: bool
    request_level: RequestLevel
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


__all__ = [
    "DEFAULT_CONFIG_FILE",
    "LimitSettings",
    "LogFormat",
    "LogLevel",
    "LoggingSettings",
    "MetricsSettings",
    "RequestLevel",
    "ServerSettings",
    "Settings",
    "described",
]

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
