"""`--help` on every command says what it does, and on every option what it is for: the man
page (packaging/) is generated from the same parser, so a missing help string would be a
blank in it too."""

import argparse

import pytest

from ucdhcp.cli import COMMANDS, build_parser, main


def subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    (action,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_every_command_is_registered_with_a_description() -> None:
    found = subcommands()
    assert list(found) == list(COMMANDS)
    for name, parser in found.items():
        assert parser.description and len(parser.description) > 40, name


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_option_of_every_command_says_what_it_does(name: str) -> None:
    for action in subcommands()[name]._actions:
        if action.help == argparse.SUPPRESS:
            continue  # internal (serve --worker-index, set by the supervisor)
        assert action.help and len(action.help) > 8, (name, action.option_strings or action.dest)


@pytest.mark.parametrize("name", list(COMMANDS))
def test_help_of_each_command_exits_0_and_shows_its_description(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([name, "--help"])
    assert exit_.value.code == 0
    shown = " ".join(capsys.readouterr().out.split())
    description = subcommands()[name].description or ""
    assert " ".join(description.split())[:40] in shown


def test_workers_help_states_the_limit_the_code_enforces() -> None:
    (workers,) = (a for a in subcommands()["serve"]._actions if "--workers" in a.option_strings)
    assert workers.help is not None and "at most 64" in workers.help
