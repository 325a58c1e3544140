"""The README's two quick-start commands are the ones CI and users run."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def quick_start_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", section, flags=re.DOTALL)[:2]


def test_readme_starts_with_a_serve_command_using_the_shipped_example_config() -> None:
    serve = quick_start_commands()[0]
    assert "ucdhcp serve -c config/ucdhcp.example.toml" in serve
    assert (ROOT / "config" / "ucdhcp.example.toml").is_file()


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    test_command = quick_start_commands()[1]
    assert "pytest" in test_command
    ci_lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert test_command in ci_lines
