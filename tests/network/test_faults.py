"""Send errors never stop the service: a reply the host's firewall refuses (sendto() fails
with EPERM) is counted as dropped and logged, and the next phone is answered as usual.

    phone ns eth0 10.1.2.50 ---- eth0 10.1.2.10 ucdhcp ns (OUTPUT drops 10.1.2.66)

The refused reply goes to a relay (10.1.2.66:67), which the UDP socket serves: replies to
phones on the link leave as Ethernet frames, which the OUTPUT chain does not see (sender.py).
"""

import shutil
import signal
from pathlib import Path

import pytest

from tests.dhcp.golden import OPTION_120_POOL01
from tests.dhcp.request import UNSET, mac, phone_request
from tests.netns import Lab

from .actors import POOL01, Phone, SiteConfig, Ucdhcp, config_toml, delivered

pytestmark = pytest.mark.needs_root

UCDHCP, PHONE_ADDRESS, FIREWALLED = "10.1.2.10", "10.1.2.50", "10.1.2.66"


def test_refused_send_is_counted_and_the_next_phone_is_answered(lab: Lab, tmp_path: Path) -> None:
    iptables = shutil.which("iptables")
    if iptables is None:
        pytest.fail("iptables is missing: apt-get install iptables")
    server_ns, phone_ns = lab.host("uc"), lab.host("ph")
    lab.link(server_ns, "eth0", f"{UCDHCP}/24", phone_ns, "eth0", f"{PHONE_ADDRESS}/24")
    # Only inside the server's own namespace: a local firewall that refuses one address.
    lab.exec(server_ns, iptables, "-A", "OUTPUT", "-d", FIREWALLED, "-j", "DROP")
    config = config_toml([SiteConfig("headquarters", ["10.1.2.0/24"], POOL01)])
    ucdhcp = Ucdhcp(lab, server_ns, tmp_path, config).started("eth0")
    phone = Phone(lab, phone_ns)

    # An INFORM relayed by 10.1.2.66 without ciaddr: the reply to giaddr:67 is refused.
    refused = phone_request(chaddr=mac(phone.mac), xid=0xFA017001, ciaddr=UNSET, giaddr=FIREWALLED)
    phone.exchange(udp=(UCDHCP, refused), listen=0.5)
    ucdhcp.wait_for("reply_dropped", error="EPERM")

    answered = phone_request(chaddr=mac(phone.mac), xid=0xFA017002, ciaddr=PHONE_ADDRESS)
    seen = phone.exchange(udp=(UCDHCP, answered), xid=0xFA017002)
    assert delivered(seen, 0xFA017002).options[120] == OPTION_120_POOL01

    ucdhcp.process.send_signal(signal.SIGUSR1)
    counters = ucdhcp.wait_for("counters")
    assert counters["dropped"] == {"EPERM": 1}
    assert counters["received"] == {"inform": 2}
    assert counters["replies"] == {"ciaddr": 1}  # sent only: the refused one is not counted
    assert ucdhcp.process.poll() is None  # still serving
