"""packaging/generate.py: the man page and the bash completion say what the argument parser
says, every command and every option of it (no root, no package build)."""

import argparse
import subprocess
import sys
from pathlib import Path

from ucdhcp.cli import COMMANDS, build_parser

ROOT = Path(__file__).resolve().parents[2]


def generated(kind: str) -> str:
    return subprocess.run(
        [sys.executable, str(ROOT / "packaging" / "generate.py"), kind],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout


def every_option() -> dict[str, list[str]]:
    parser = build_parser()
    (action,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {
        name: [
            option
            for option_action in action.choices[name]._actions
            if option_action.help != argparse.SUPPRESS
            for option in option_action.option_strings
        ]
        for name in COMMANDS
    }


def test_the_man_page_lists_every_command_and_option_with_its_help() -> None:
    page = generated("man")
    assert page.startswith(".TH UCDHCP 1 ")
    for name, options in every_option().items():
        section = page.split(f".SS {name}\n", 1)[1].split(".SS ", 1)[0]
        for option in options:
            assert option.replace("-", "\\-") in section, (name, option)
    assert "the TOML config file (default /etc/ucdhcp/ucdhcp.toml)" in page


def test_bash_completion_offers_commands_then_each_commands_options(tmp_path: Path) -> None:
    script = tmp_path / "ucdhcp.bash"
    script.write_text(generated("bash"), encoding="utf-8")

    def complete(*words: str) -> list[str]:
        line = " ".join(f"'{word}'" for word in words)
        result = subprocess.run(
            ["bash", "-c", f'. {script}; COMP_WORDS=(ucdhcp {line}); COMP_CWORD={len(words)};'
             ' _ucdhcp; echo "${COMPREPLY[@]}"'],
            capture_output=True, text=True, timeout=30, check=True,
        )  # fmt: skip
        return result.stdout.split()

    assert complete("") == ["--version", "-h", "--help", *COMMANDS]
    for name, options in every_option().items():
        assert complete(name, "-") == sorted(options, key=options.index), name
    assert complete("decode", "--option", "") == ["43", "120"]
