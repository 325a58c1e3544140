"""Each setting has one name from the file to the server: the settings the serving process
keeps (config/settings.py) are built by keyword from the config sections (config/model.py),
field for field, and the runtime reads them under the same names."""

import dataclasses
import ipaddress

import pytest

from ucdhcp.config.model import (
    Config,
    LimitsSection,
    LoggingSection,
    MetricsSection,
    ServerSection,
)
from ucdhcp.config.settings import (
    LimitSettings,
    LoggingSettings,
    MetricsSettings,
    ServerSettings,
    Settings,
)

SECTIONS = {
    "server": (ServerSection, ServerSettings),
    "logging": (LoggingSection, LoggingSettings),
    "metrics": (MetricsSection, MetricsSettings),
    "limits": (LimitsSection, LimitSettings),
}
DERIVED = {"endpoint"}  # metrics: (address, port) parsed from `listen`
# A value other than the default for every field the server keeps.
GIVEN = {
    "server": {
        "port": 6767,
        "interfaces": ["eth0"],
        "server_id": "10.1.2.10",
        "receive_buffer": 1 << 21,
    },
    "logging": {
        "format": "json",
        "level": "warning",
        "requests": True,
        "request_level": "debug",
        "ignored_rate": 3.0,
        "requests_rate": 7.0,
    },
    "metrics": {"listen": "127.0.0.1:9167"},
    "limits": {
        "replies_per_client": 1,
        "replies_per_destination": 2,
        "replies_per_relay": 3,
        "replies_per_port": 4,
        "requests_per_source": 5,
        "max_wait": 1.5,
    },
}
SITE = {"name": "hq", "sip_servers": ["pool01.contoso.com"]}


@pytest.mark.parametrize("name", SECTIONS)
def test_the_server_keeps_every_field_of_a_section_under_its_name_in_the_file(name: str) -> None:
    section, settings = SECTIONS[name]
    kept = {field.name for field in dataclasses.fields(settings)}
    assert set(section.model_fields) == kept - DERIVED


def test_the_settings_are_the_sections_of_the_file() -> None:
    kept = [field.name for field in dataclasses.fields(Settings)]
    assert kept == list(SECTIONS)
    assert set(kept) <= set(Config.model_fields)


def test_every_value_given_in_the_file_reaches_the_settings() -> None:
    for name, values in GIVEN.items():  # the test itself misses no field but one:
        address = {"address"} if name == "server" else set()  # interfaces need 0.0.0.0
        assert set(values) | address == set(SECTIONS[name][0].model_fields)
    settings = Config.model_validate({**GIVEN, "sites": [SITE]}).settings()
    assert settings.server == ServerSettings(
        address=ipaddress.IPv4Address("0.0.0.0"),
        port=6767,
        interfaces=("eth0",),
        server_id=ipaddress.IPv4Address("10.1.2.10"),
        receive_buffer=1 << 21,
    )
    assert settings.logging == LoggingSettings(**GIVEN["logging"])  # type: ignore[arg-type]
    assert settings.metrics == MetricsSettings(
        listen="127.0.0.1:9167", endpoint=("127.0.0.1", 9167)
    )
    assert settings.limits == LimitSettings(**GIVEN["limits"])  # type: ignore[arg-type]


def test_the_defaults_are_the_files_not_the_settings() -> None:
    # The settings' own defaults turn a limit off; what the server gets is the file's default.
    settings = Config.model_validate({"sites": [SITE]}).settings()
    assert settings.limits == LimitSettings(
        **{name: field.default for name, field in LimitsSection.model_fields.items()}
    )
    assert settings.limits.replies_per_client == 20
