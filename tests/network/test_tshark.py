"""tshark captures the exchange on the phone's side and its own DHCP dissector decodes option
120 as pool01.contoso.com: the bytes on the wire are what a third-party decoder expects.
tshark has no MS-UC-Client dissector for option 43, so its raw bytes are checked here.
"""

import signal
import subprocess
from pathlib import Path

import pytest

from tests.dhcp.golden import OPTION_43_POOL01
from tests.dhcp.reply import Bootp
from tests.dhcp.request import BROADCAST, UNSET, mac, phone_request
from tests.netns import Lab, run
from tests.programs import tool
from tests.waiting import READY_TIMEOUT, wait_until

from .actors import POOL01, Phone, SiteConfig, Ucdhcp, config_toml
from .link_frames import broadcast_frame

pytestmark = pytest.mark.needs_root

SERVER, PHONE_ADDRESS = "10.1.2.10", "10.1.2.50"
XID_BROADCAST, XID_UNICAST = 0x5A000001, 0x5A000002
CAPTURE_TIMEOUT = 10.0
FIELDS = (
    "dhcp.id",
    "dhcp.option.dhcp",
    "dhcp.option.dhcp_server_id",
    "dhcp.option.sip_server.encoding",
    "dhcp.option.sip_server.name",
    "ip.dst",
    "udp.payload",
)


def decoded_replies(capture: Path) -> dict[int, dict[str, str]]:
    """Per xid, tshark's reading of each DHCPACK in the capture file."""
    result = run(
        *(tool("tshark"), "-r", str(capture), "-Y", "dhcp.option.dhcp == 5", "-T", "fields"),
        *(arg for field in FIELDS for arg in ("-e", field)),
        "-E",
        "separator=|",
    )
    decoded = {}
    for line in result.stdout.splitlines():
        values = dict(zip(FIELDS, line.split("|"), strict=True))
        decoded[int(values["dhcp.id"], 16)] = values
    return decoded


def test_tshark_decodes_option_120_on_the_phones_side(lab: Lab, tmp_path: Path) -> None:
    tshark_path = tool("tshark")
    server, phone_ns = lab.host("srv"), lab.host("ph")
    lab.link(server, "eth0", f"{SERVER}/24", phone_ns, "eth0", f"{PHONE_ADDRESS}/24")
    config = config_toml([SiteConfig("headquarters", ["10.1.2.0/24"], POOL01)])
    Ucdhcp(lab, server, tmp_path, config).started("eth0")
    phone = Phone(lab, phone_ns)

    capture, console = tmp_path / "phone.pcapng", tmp_path / "tshark.out"
    command = (tshark_path, "-n", "-i", "eth0", "-f", "udp port 67 or udp port 68")
    # Four packets (two INFORMs out, two ACKs in) end the capture: libpcap hands packets over in
    # blocks, so stopping tshark right after the exchange could lose the last ones. -a bounds it.
    stop_after = ("-c", "4", "-a", "duration:60")
    tshark = lab.start(phone_ns, *command, *stop_after, "-w", str(capture), stdout=console)
    wait_until(
        lambda: "Capturing on" in console.read_text(errors="replace"),
        READY_TIMEOUT,
        "tshark to start capturing",
    )
    broadcast = phone_request(
        chaddr=mac(phone.mac), xid=XID_BROADCAST, ciaddr=UNSET, flags=BROADCAST
    )
    unicast = phone_request(chaddr=mac(phone.mac), xid=XID_UNICAST, ciaddr=PHONE_ADDRESS)
    seen = phone.exchange(frames=[broadcast_frame(phone.mac, broadcast)], xid=XID_BROADCAST)
    seen += phone.exchange(udp=(SERVER, unicast), source=PHONE_ADDRESS, xid=XID_UNICAST)
    assert {frame.xid for frame in seen if frame.op == 2} == {XID_BROADCAST, XID_UNICAST}
    try:
        tshark.wait(CAPTURE_TIMEOUT)
    except subprocess.TimeoutExpired:
        lab.stop(tshark, signal.SIGINT)  # by PID; tshark closes the file on SIGINT

    decoded = decoded_replies(capture)
    assert set(decoded) == {XID_BROADCAST, XID_UNICAST}, console.read_text(errors="replace")
    for xid, destination in ((XID_BROADCAST, "255.255.255.255"), (XID_UNICAST, PHONE_ADDRESS)):
        ack = decoded[xid]
        assert ack["ip.dst"] == destination
        assert ack["dhcp.option.dhcp_server_id"] == SERVER
        assert ack["dhcp.option.sip_server.encoding"] == "0"  # RFC 3361: domain names
        assert ack["dhcp.option.sip_server.name"] == POOL01
        # The UDP payload as captured, parsed by hand: option 43's sub-options are DHCPUtil's.
        assert Bootp(bytes.fromhex(ack["udp.payload"])).options[43] == OPTION_43_POOL01
