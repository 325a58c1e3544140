"""nmap as a third-party client: a small NSE script built on nmap's own `dhcp` library sends a
phone's INFORM (option 60 MS-UC-Client, option 55 [43, 120]) and prints the raw options of
the reply; the 120/43 bytes must be DHCPUtil's.
"""

import re
from pathlib import Path

import pytest

from tests.dhcp.golden import OPTION_43_POOL01, OPTION_120_POOL01
from tests.netns import Lab
from tests.programs import tool

from .actors import POOL01, SiteConfig, Ucdhcp, config_toml

pytestmark = pytest.mark.needs_root

SCRIPT = Path(__file__).with_name("nse") / "ucdhcp-inform.nse"
SERVER, CLIENT = "10.1.2.10", "10.1.2.60"
NMAP_TIMEOUT = 60
_OPTION = re.compile(r"option (\d+): ([0-9a-f]*)$")


def printed_options(output: str) -> list[tuple[int, bytes]]:
    found = []
    for line in output.splitlines():
        match = _OPTION.search(line.strip())
        if match:
            found.append((int(match.group(1)), bytes.fromhex(match.group(2))))
    return found


def test_nmap_dhcp_library_inform_gets_dhcputil_options(lab: Lab, tmp_path: Path) -> None:
    nmap = tool("nmap")
    server, client = lab.host("srv"), lab.host("nm")
    lab.link(server, "eth0", f"{SERVER}/24", client, "eth0", f"{CLIENT}/24")
    config = config_toml([SiteConfig("headquarters", ["10.1.2.0/24"], POOL01)])
    ucdhcp = Ucdhcp(lab, server, tmp_path, config).started("eth0")

    result = lab.exec(
        client,
        *(nmap, "-n", "-Pn", "-sn", "-e", "eth0", "--script", str(SCRIPT)),
        *("--script-args", f"ucdhcp-inform.ciaddr={CLIENT}", "--script-timeout", "30s", SERVER),
        timeout=NMAP_TIMEOUT,
    )
    output = result.stdout
    assert "ERROR" not in output, output
    options = printed_options(output)
    assert [code for code, _ in options] == [53, 54, 43, 120], output  # option 55 order
    values = dict(options)
    assert values[53] == b"\x05"  # DHCPACK
    assert values[54] == bytes(map(int, SERVER.split(".")))
    assert values[43] == OPTION_43_POOL01
    assert values[120] == OPTION_120_POOL01
    assert f"ciaddr: {CLIENT}" in output and "yiaddr: 0.0.0.0" in output

    sent = ucdhcp.wait_for("reply_sent", vendor_class="MS-UC-Client")
    assert (sent["destination"], sent["source"]) == (f"{CLIENT}:68", f"{CLIENT}:68")
