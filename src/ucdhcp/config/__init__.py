"""The TOML configuration: pydantic models that forbid unknown keys, loading with errors that
name the file, the field path and the reason, and the translation into a pure Policy.
"""

from .errors import ConfigError, FieldValueError
from .loading import build_policy, load_config, load_policy, parse_config, read_config
from .model import (
    DEFAULT_PATH,
    REQUESTS_BURST,
    Config,
    LimitsSection,
    LoggingSection,
    ServerSection,
)

__all__ = [
    "DEFAULT_PATH",
    "REQUESTS_BURST",
    "Config",
    "ConfigError",
    "FieldValueError",
    "LimitsSection",
    "LoggingSection",
    "ServerSection",
    "build_policy",
    "load_config",
    "load_policy",
    "parse_config",
    "read_config",
]
