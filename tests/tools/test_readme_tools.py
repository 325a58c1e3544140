"""The `doctor` and `watch` examples of docs/tools.md are what the commands print in the test
lab: the command line is read from docs/tools.md and run, and the output compared line by line
with only the figures that vary from run to run (dates, offsets, timings, the random MAC)
masked."""

import re
import shlex
from pathlib import Path

import pytest

from tests.commands import ucdhcp_command

from .rivals import ROGUE, UCDHCP, make_rivals_bridge
from .world import POOL, make_world

pytestmark = pytest.mark.needs_root  # network namespaces

ROOT = Path(__file__).resolve().parents[2]
VARYING = [
    (re.compile(r"\d{4}-\d{2}-\d{2}"), "DATE"),
    (re.compile(r"offset [+-]\d+\.\d{3} s"), "offset N s"),
    (re.compile(r"by [+-]\d+ s"), "by N s"),
    (re.compile(r"\+\d+\.\d{3} s "), "+T s "),
    (re.compile(r"chaddr (?:[0-9a-f]{2}:){5}[0-9a-f]{2}"), "chaddr MAC"),
]


def readme_example(command: str) -> tuple[list[str], list[str]]:
    """The arguments and the output lines of the docs block starting `$ ucdhcp COMMAND`."""
    text = (ROOT / "docs" / "tools.md").read_text(encoding="utf-8")
    match = re.search(rf"```text\n\$ ucdhcp {command} (.*?)\n(.*?)```", text, flags=re.DOTALL)
    assert match, f"no `$ ucdhcp {command}` example in docs/tools.md"
    return shlex.split(match.group(1)), match.group(2).splitlines()


def masked(lines: list[str]) -> list[str]:
    result = []
    for line in lines:
        text = line
        for pattern, replacement in VARYING:
            text = pattern.sub(replacement, text)
        result.append(text)
    return result


def test_readme_doctor_example_is_the_real_output(lab, tmp_path):
    arguments, expected = readme_example("doctor")
    world = make_world(lab, tmp_path)
    certificate = world.ca.issue("pool", POOL)
    world.dns([POOL])
    world.web(world.ca.issue("other", "other.contoso.com"))  # a certificate for another host
    world.registrar(certificate)  # NTP not started: nothing answers on UDP 123
    result = lab.exec(
        world.phone,
        "sh", "-c", 'cd "$0" && exec "$@"', str(world.ca.directory),  # --ca ca.pem is relative
        *ucdhcp_command(), "doctor", *arguments,
        check=False,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert masked(result.stdout.splitlines()) == masked(expected)


def test_readme_watch_example_is_the_real_output(lab, tmp_path):
    arguments, expected = readme_example("watch")
    assert arguments[:2] == ["-i", "ph0"]
    segment = make_rivals_bridge(lab, tmp_path)
    segment.serve()
    segment.rogue_dnsmasq("pool02.contoso.com")
    watcher = segment.watch(*arguments[2:])
    xid = int(re.search(r"xid 0x([0-9A-F]{8})", "\n".join(expected)).group(1), 16)
    segment.inform(xid, ROGUE, UCDHCP)
    code, text = watcher.finish()
    assert code == 1
    assert masked(text.splitlines()) == masked(expected)
