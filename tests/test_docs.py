"""The documentation cannot drift from the commands: every output a page shows after a
`<!-- output checked by tests/test_docs.py (exit N) -->` comment is what the command prints
today, with that exit status; and every relative link in README.md and docs/ reaches an
existing file and heading, as do those of the benchmarks' README and history."""

import os
import re
import shlex
import subprocess
import sys
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]
LINKED_PAGES = [
    *PAGES,
    ROOT / "benchmarks" / "README.md",
    ROOT / "benchmarks" / "results" / "HISTORY.md",
]

OUTPUT_MARK = "<!-- output checked by tests/test_docs.py"
OUTPUT = re.compile(
    re.escape(OUTPUT_MARK) + r" \(exit (\d+)\) -->\n```console\n(.*?)^```$", re.S | re.M
)
FILE = re.compile(
    r"<!-- file for tests/test_docs.py: ([\w.-]+) -->\n```\w*\n(.*?)^```$", re.S | re.M
)
# Commands whose shown output depends only on their arguments and files: every example of them
# is checked (`check --runtime` looks at the host, so its examples cannot be).
OFFLINE_COMMANDS = ("options", "check", "decode")
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


@dataclass(frozen=True, slots=True)
class Example:
    page: Path
    line: int
    command: str
    output: str
    exit_status: int
    files: dict[str, str]

    def __str__(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def page_files(text: str) -> dict[str, str]:
    return {match[1]: match[2] for match in FILE.finditer(text)}


def examples(page: Path) -> Iterator[Example]:
    text = page.read_text(encoding="utf-8")
    for match in OUTPUT.finditer(text):
        command, _, output = match[2].partition("\n")
        assert command.startswith("$ ucdhcp "), f"{page.name}: a checked block starts {command!r}"
        line = text.count("\n", 0, match.start()) + 1
        yield Example(page, line, command[2:], output, int(match[1]), page_files(text))


EXAMPLES = [example for page in PAGES for example in examples(page)]


def run_example(example: Example, directory: Path) -> subprocess.CompletedProcess[str]:
    """Run the example's command in `directory`, which holds the page's files and `config/`."""
    for name, content in example.files.items():
        (directory / name).write_text(content, encoding="utf-8")
    (directory / "config").symlink_to(ROOT / "config")
    arguments = shlex.split(example.command)[1:]
    # Unbuffered, so that stdout and stderr keep the order a terminal would show them in.
    environment = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.run(
        [sys.executable, "-m", "ucdhcp", *arguments],
        cwd=directory,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("example", EXAMPLES, ids=str)
def test_shown_output_is_what_the_command_prints(example: Example, tmp_path: Path) -> None:
    result = run_example(example, tmp_path)
    assert result.stdout == example.output
    assert result.returncode == example.exit_status


def test_the_pages_show_checked_outputs_of_each_offline_command_and_errors() -> None:
    shown = {shlex.split(example.command)[1] for example in EXAMPLES}
    assert set(OFFLINE_COMMANDS) <= shown
    assert {example.exit_status for example in EXAMPLES} >= {0, 1, 2}


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_check_mark_is_followed_by_a_console_block(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    marks = re.findall("^" + re.escape(OUTPUT_MARK), text, flags=re.M)
    file_marks = re.findall(r"^<!-- file for tests/test_docs.py", text, flags=re.M)
    assert len(marks) == len(list(examples(page)))
    assert len(file_marks) == len(page_files(text))


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_example_of_an_offline_command_is_checked(page: Path) -> None:
    checked = {example.command for example in examples(page)}
    shown = {
        line[2:]
        for line in code_lines(page.read_text(encoding="utf-8"))
        if line.startswith("$ ucdhcp ")
        and shlex.split(line)[2] in OFFLINE_COMMANDS
        and "--runtime" not in shlex.split(line)
    }
    assert shown - checked == set(), "examples not run by this test"


def code_lines(text: str) -> Iterator[str]:
    inside = False
    for line in text.splitlines():
        if line.startswith("```"):
            inside = not inside
        elif inside:
            yield line


def prose_lines(text: str) -> Iterator[str]:
    """The lines outside fenced code blocks."""
    inside = False
    for line in text.splitlines():
        if line.startswith("```"):
            inside = not inside
        elif not inside:
            yield line


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, only letters, digits, `_`, spaces and
    hyphens kept, spaces turned into hyphens."""
    kept = (
        char
        for char in heading.strip().lower()
        if char in " -" or unicodedata.category(char)[0] in "LMN" or char == "_"
    )
    return "".join(kept).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    found: set[str] = set()
    for line in prose_lines(page.read_text(encoding="utf-8")):
        if match := re.match(r"#{1,6} (.+)", line):
            base = candidate = slug(match[1])
            number = 0
            while candidate in found:  # GitHub numbers repeated headings: name, name-1, ...
                number += 1
                candidate = f"{base}-{number}"
            found.add(candidate)
    return found


def links(page: Path) -> Iterator[str]:
    for line in prose_lines(page.read_text(encoding="utf-8")):
        yield from LINK.findall(line)


def relative_links() -> Iterator[tuple[Path, str]]:
    for page in LINKED_PAGES:
        for target in links(page):
            if not re.match(r"[a-z]+:", target):
                yield page, target


@pytest.mark.parametrize(
    ("page", "target"),
    list(relative_links()),
    ids=lambda value: value.name if isinstance(value, Path) else value,
)
def test_relative_link_reaches_a_file_and_heading(page: Path, target: str) -> None:
    path, _, anchor = target.partition("#")
    file = (page.parent / path).resolve() if path else page
    assert file.exists(), f"{page.name}: {target}: no such file"
    assert file.is_relative_to(ROOT), f"{page.name}: {target}: outside the repository"
    if anchor:
        assert file.suffix == ".md", f"{page.name}: {target}: anchor into a non-Markdown file"
        assert anchor in anchors(file), f"{page.name}: {target}: no such heading"


def test_the_readme_links_every_page_of_docs() -> None:
    linked = {(ROOT / target.partition("#")[0]).resolve() for target in links(ROOT / "README.md")}
    assert set(DOCS.glob("*.md")) <= linked


def test_the_slug_is_githubs_for_headings_with_code_and_punctuation() -> None:
    assert slug("`ucdhcp options`: the values, like DHCPUtil prints them") == (
        "ucdhcp-options-the-values-like-dhcputil-prints-them"
    )
    assert slug("Where the reply goes (RFC 2131 §4.1, §4.3.5)") == (
        "where-the-reply-goes-rfc-2131-41-435"
    )
    assert slug("Changing a running server's config") == "changing-a-running-servers-config"
