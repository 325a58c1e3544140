"""Validation in a child process (config/isolated.py): the server gets the same settings,
policy and errors as an in-process load, without importing pydantic itself."""

import asyncio
import sys
from pathlib import Path

import pytest

from tests.dhcp.golden import OPTION_43_POOL01, OPTION_120_POOL01
from ucdhcp.config import isolated
from ucdhcp.config.errors import ConfigError
from ucdhcp.config.isolated import validate, validate_async
from ucdhcp.config.loading import load_settings
from ucdhcp.core.policy import Profile

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "ucdhcp.example.toml"
BROKEN = """
[server]
port = true
[[sites]]
name = "hq"
sip_servers = ["pool01"]
"""


def test_child_returns_the_settings_and_policy_of_an_in_process_load() -> None:
    settings, policy = validate(EXAMPLE)
    assert (settings, policy) == load_settings(EXAMPLE)
    # The encoded options crossed intact, and the memos are fresh: the policy answers.
    headquarters = policy.site_for(bytes((10, 1, 2, 50)))
    assert headquarters is not None and headquarters.name == "headquarters"
    options = headquarters.payloads[Profile.MS_UC_CLIENT]
    assert (options[120], options[43]) == (OPTION_120_POOL01, OPTION_43_POOL01)


def test_child_reports_every_problem_with_file_and_field_like_an_in_process_load(
    tmp_path: Path,
) -> None:
    path = tmp_path / "broken.toml"
    path.write_text(BROKEN, encoding="utf-8")
    with pytest.raises(ConfigError) as in_process:
        load_settings(path)
    with pytest.raises(ConfigError) as in_child:
        validate(path)
    assert in_child.value.file == str(path)
    assert in_child.value.problems == in_process.value.problems
    assert [where for where, _ in in_child.value.problems] == [
        "server.port",
        "sites[0].sip_servers[0]",
    ]


def test_child_validates_the_bytes_it_is_given_not_the_file(tmp_path: Path) -> None:
    # A reload validates the bytes the server read once the file settled (written.py).
    path = tmp_path / "ucdhcp.toml"
    path.write_text(BROKEN, encoding="utf-8")
    settings, policy = asyncio.run(validate_async(path, EXAMPLE.read_bytes()))
    assert [site.name for site in policy.sites] == ["headquarters", "branch-oslo"]
    assert settings == validate(EXAMPLE)[0]


def test_unreadable_file_is_a_config_error_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "missing.toml"
    with pytest.raises(ConfigError) as raised:
        validate(missing)
    assert raised.value.problems == [("", "cannot read: No such file or directory")]
    assert str(raised.value).startswith(f"{missing}: ")


@pytest.mark.parametrize("run", ["sync", "async"])
def test_a_child_over_its_time_is_killed_and_reported(
    monkeypatch: pytest.MonkeyPatch, run: str
) -> None:
    monkeypatch.setattr(isolated, "TIMEOUT", 0.001)  # no interpreter starts that fast
    with pytest.raises(ConfigError) as raised:
        if run == "sync":
            validate(EXAMPLE)
        else:
            asyncio.run(validate_async(EXAMPLE, EXAMPLE.read_bytes()))
    [(where, why)] = raised.value.problems
    assert where == ""
    assert "validat" in why and ("timed out" in why or "took over" in why)


def test_a_crashing_child_is_a_config_error_with_its_last_words(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A child that cannot even start its module (here: a module path that does not exist).
    monkeypatch.setattr(isolated, "__name__", "ucdhcp.config.no_such_module")
    with pytest.raises(ConfigError) as raised:
        validate(EXAMPLE)
    [(_, why)] = raised.value.problems
    assert why.startswith("validation failed: ")
    assert "No module named ucdhcp.config.no_such_module" in why


@pytest.mark.parametrize("output", ["print('a warning on stdout')", "pass"])
def test_a_child_answering_anything_but_its_pickle_is_a_config_error(
    monkeypatch: pytest.MonkeyPatch, output: str
) -> None:
    # What the child writes is unpickled only as a whole answer; anything else (a library
    # printing to stdout, nothing at all) fails the validation, never half-loads a config.
    monkeypatch.setattr(isolated, "_command", lambda path, data: [sys.executable, "-c", output])
    with pytest.raises(ConfigError) as raised:
        validate(EXAMPLE)
    [(where, why)] = raised.value.problems
    assert where == ""
    assert why.startswith("validation failed: unreadable answer (")
