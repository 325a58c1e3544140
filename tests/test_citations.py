"""Every citation in the repository points into it: a file named in code, tests or docs exists,
"protocol.md §N" names a section of docs/protocol.md, and nothing cites an issue (the issue
tracker is not in the repository: what an issue decided belongs in the docs)."""

import os
import re
import subprocess
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parent.parent
CHECKED = re.compile(
    r"(src|tests|docs|benchmarks|container|scripts|systemd|config|fuzz|packaging|monitoring)/"
    r"|README\.md$"
)
# A file name: a word, maybe after folders, with one of the extensions the repository uses
# for code and pages; not part of a longer path (/etc/...), an attribute or a URL.
FILE = re.compile(r"(?<![\w/.$~-])((?:[\w-]+/)*[\w-]+\.(?:py|md|sh|yml|yaml))\b")
SECTION = re.compile(r"protocol\.md,? §§?(\d+)")
# "issue 12", "issue #12", "the issue", "this issue's", "the robustness issue", "(issue: ...)";
# not the verb (`ca.issue(...)`) or "issuer".
ISSUE = re.compile(
    r"\bissues? #?\d+\b|\b(?:the|this|that)\s+(?:[\w-]+\s+)?issue\b|\(issues?\b",
    re.IGNORECASE,
)
NOT_THE_PROJECTS = {".git", ".venv", "build", "dist", "__pycache__"}
# Files a test writes itself before naming them.
WRITTEN_BY_TESTS = {"absolute.py", "downward.py", "relative.py", "udhcpc-script.sh"}


def tracked() -> list[str]:
    """The repository's files: git's list, or outside a git checkout (an unpacked release)
    every file below ROOT but build output, caches and virtual environments."""
    listed = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=False, timeout=30
    )
    if listed.returncode == 0:
        return [name for name in listed.stdout.splitlines() if (ROOT / name).is_file()]
    found = []
    for folder, subfolders, files in os.walk(ROOT):
        subfolders[:] = [
            name
            for name in subfolders
            if name not in NOT_THE_PROJECTS and not name.endswith((".egg-info", "_cache"))
        ]
        found += [str(Path(folder, name).relative_to(ROOT)) for name in files]
    return found


def texts() -> list[tuple[str, str]]:
    found = []
    for name in tracked():
        if not CHECKED.match(name) or name.endswith((".png", ".json", ".txt", ".pcap")):
            continue
        try:
            found.append((name, (ROOT / name).read_text(encoding="utf-8")))
        except UnicodeDecodeError:
            continue
    return found


def test_every_cited_file_is_in_the_repository() -> None:
    names = tracked()
    known = set(names) | {PurePosixPath(name).name for name in names} | WRITTEN_BY_TESTS
    missing = []
    for name, text in texts():
        for match in FILE.finditer(text):
            cited = match[1]
            if cited in known or PurePosixPath(cited).name in known:
                continue
            if (ROOT / PurePosixPath(name).parent / cited).exists():
                continue
            missing.append(f"{name}: {cited}")
    assert missing == []


def test_every_cited_section_of_protocol_md_exists() -> None:
    page = (ROOT / "docs" / "protocol.md").read_text(encoding="utf-8")
    sections = set(re.findall(r"^## (\d+)\. ", page, re.MULTILINE))
    wrong = [
        f"{name}: §{number}"
        for name, text in texts()
        for number in SECTION.findall(text)
        if number not in sections
    ]
    assert sections and wrong == []


def test_nothing_cites_an_issue() -> None:
    cited = [
        f"{name}: {match[0]}"
        for name, text in texts()
        if name != "tests/test_citations.py"  # which spells out what it looks for
        for match in ISSUE.finditer(text)
    ]
    assert cited == []
