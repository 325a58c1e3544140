"""ISC dhcrelay between the phone's subnet and ucdhcp's, with and without option 82 (-a):
where each reply goes, and whether the phone receives it.

    phone ns  eth0 10.2.0.50 --- eth0 10.2.0.1  relay ns (dhcrelay, forwarding)
                                 eth1 10.9.0.1 --- eth0 10.9.0.10  ucdhcp ns (route to 10.2/24)

dhcrelay forwards a server reply whose BROADCAST flag is clear to `yiaddr`, which is 0.0.0.0 in
an INFORM ACK: a reply sent through the relay reaches the phone only when the flag is set (by
the phone, or by ucdhcp for a client without an address), or when ucdhcp answers ciaddr
directly (the default, `relayed_inform = "ciaddr"`).
"""

from pathlib import Path

import pytest

from tests.dhcp.golden import OPTION_43_POOL01, OPTION_120_POOL01
from tests.dhcp.reply import ACK
from tests.dhcp.request import BROADCAST, mac, phone_request
from tests.netns import Lab
from tests.programs import tool
from tests.waiting import READY_TIMEOUT, wait_until

from .actors import (
    POOL01,
    SILENCE,
    WATCH,
    Phone,
    SiteConfig,
    Ucdhcp,
    Watch,
    config_toml,
    delivered,
    replies_to,
)
from .link_frames import BROADCAST_MAC, Frame, PhoneCapture, broadcast_frame

pytestmark = pytest.mark.needs_root

PHONE_ADDRESS, GIADDR, RELAY_UP, SERVER = "10.2.0.50", "10.2.0.1", "10.9.0.1", "10.9.0.10"
SITES = [SiteConfig("branch", ["10.2.0.0/24"], POOL01)]  # ucdhcp's own 10.9.0.0/24 is no site
RELAY_AGENT_INFORMATION = 82


class RelayedBranch:
    """The three namespaces, ucdhcp with `replies`, and dhcrelay (with -a if `agent_options`)."""

    def __init__(self, lab: Lab, directory: Path, replies: str, agent_options: bool) -> None:
        dhcrelay = tool("dhcrelay")
        phone_ns, self.relay, self.server = lab.host("ph"), lab.host("rl"), lab.host("srv")
        lab.link(phone_ns, "eth0", f"{PHONE_ADDRESS}/24", self.relay, "eth0", f"{GIADDR}/24")
        lab.link(self.relay, "eth1", f"{RELAY_UP}/24", self.server, "eth0", f"{SERVER}/24")
        lab.exec(self.relay, "sysctl", "-qw", "net.ipv4.ip_forward=1")
        lab.exec(self.server, "ip", "route", "add", "10.2.0.0/24", "via", RELAY_UP)
        config = config_toml(SITES, replies=replies)
        self.ucdhcp = Ucdhcp(lab, self.server, directory, config).started("eth0")
        self.log = directory / "dhcrelay.log"
        option_82 = ["-a"] if agent_options else []
        self.dhcrelay = lab.start(
            self.relay,
            *(dhcrelay, "-d", "-4", "--no-pid", *option_82, "-iu", "eth1", "-id", "eth0"),
            SERVER,
            stdout=self.log,
        )
        wait_until(lambda: "Socket/fallback" in self.relay_log(), READY_TIMEOUT, "dhcrelay")
        self.phone = Phone(lab, phone_ns)
        self.server_side = Phone(lab, self.server)  # a capture on ucdhcp's interface

    def relay_log(self) -> str:
        if self.dhcrelay.poll() is not None:
            pytest.fail(f"dhcrelay exited: {self.log.read_text(errors='replace')}")
        return self.log.read_text(errors="replace")

    def inform(
        self, xid: int, *, ciaddr: bool, broadcast_flag: bool, listen: float
    ) -> PhoneCapture:
        """The phone broadcasts an INFORM (from ciaddr, or from 0.0.0.0) and listens."""
        source = PHONE_ADDRESS if ciaddr else "0.0.0.0"
        request = phone_request(
            chaddr=mac(self.phone.mac),
            xid=xid,
            ciaddr=source,
            flags=BROADCAST if broadcast_flag else 0,
        )
        frame = broadcast_frame(self.phone.mac, request, source=source)
        return self.phone.exchange(frames=[frame], xid=xid, listen=listen)

    def capture_server_side(self, listen: float = WATCH) -> Watch:
        return self.server_side.watch(self.ucdhcp.log_path.parent, listen=listen, outgoing=True)


def assert_options(reply: Frame) -> None:
    assert reply.message_type == ACK
    assert reply.server_id == SERVER  # ucdhcp's address on the interface facing the relay
    assert reply.options[120] == OPTION_120_POOL01
    assert reply.options[43] == OPTION_43_POOL01


@pytest.mark.parametrize("agent_options", [False, True], ids=["plain", "option82"])
def test_relayed_inform_with_ciaddr_is_answered_at_ciaddr_directly(
    lab: Lab, tmp_path: Path, agent_options: bool
) -> None:
    branch = RelayedBranch(lab, tmp_path, "", agent_options)
    xid = 0x6A000001
    reply = delivered(branch.inform(xid, ciaddr=True, broadcast_flag=False, listen=5), xid)
    # Routed by the relay router, not relayed by dhcrelay: from ucdhcp itself, to ciaddr:68.
    assert (reply.ip_src, reply.sport) == (SERVER, 67)
    assert (reply.eth_dst, reply.ip_dst, reply.dport) == (branch.phone.mac, PHONE_ADDRESS, 68)
    assert reply.giaddr == GIADDR
    assert_options(reply)
    sent = branch.ucdhcp.sent(xid)
    assert [(e["destination"], e["destination_kind"]) for e in sent] == [
        (f"{PHONE_ADDRESS}:68", "ciaddr")
    ]
    # Start-up diagnosis: the site's subnet is on no interface and no relay is configured.
    assert branch.ucdhcp.find("site_unreachable", site="branch")


@pytest.mark.parametrize("agent_options", [False, True], ids=["plain", "option82"])
def test_relayed_inform_without_ciaddr_goes_to_giaddr_with_broadcast_set(
    lab: Lab, tmp_path: Path, agent_options: bool
) -> None:
    branch = RelayedBranch(lab, tmp_path, "", agent_options)
    server_side = branch.capture_server_side()
    xid = 0x6A000002
    reply = delivered(branch.inform(xid, ciaddr=False, broadcast_flag=False, listen=5), xid)
    # ucdhcp set the BROADCAST flag, so dhcrelay broadcast the reply on the phone's segment.
    assert reply.flags & BROADCAST
    assert (reply.eth_dst, reply.ip_dst, reply.dport) == (BROADCAST_MAC, "255.255.255.255", 68)
    assert (reply.ip_src, reply.sport) == (GIADDR, 67)
    assert_options(reply)
    assert RELAY_AGENT_INFORMATION not in reply.options  # dhcrelay strips what it added

    seen = [frame for frame in server_side.frames() if frame.xid == xid]
    requests = [frame for frame in seen if not frame.outgoing and frame.op == 1]
    answers = [frame for frame in seen if frame.outgoing and frame.op == 2]
    assert len(requests) == 1 and len(answers) == 1, [frame.describe() for frame in seen]
    request, answer = requests[0], answers[0]
    assert (answer.ip_dst, answer.dport) == (GIADDR, 67)
    assert answer.giaddr == GIADDR and answer.flags & BROADCAST
    if agent_options:
        # RFC 3046 §2.2: echoed byte for byte, as the last option.
        assert RELAY_AGENT_INFORMATION in request.options
        assert answer.option_list[-1] == (82, request.options[82])
    else:
        assert RELAY_AGENT_INFORMATION not in request.options
        assert RELAY_AGENT_INFORMATION not in answer.options


def test_relay_mode_reply_without_broadcast_flag_is_lost_by_dhcrelay(
    lab: Lab, tmp_path: Path
) -> None:
    # ucdhcp answers giaddr:67 as configured, but dhcrelay forwards a reply whose flag is clear
    # to yiaddr, 0.0.0.0 here: the frame reaches the phone's MAC addressed to IP 0.0.0.0, and
    # the phone's IP stack drops it. dhcrelay's behaviour, pinned here: "relay" mode needs
    # phones that set the BROADCAST flag, or a relay that delivers such replies.
    branch = RelayedBranch(lab, tmp_path, 'relayed_inform = "relay"', agent_options=False)
    xid = 0x6A000003
    seen = branch.inform(xid, ciaddr=True, broadcast_flag=False, listen=SILENCE)
    assert seen.accepted(xid) == []  # the phone received nothing
    on_link = replies_to(seen, xid)
    assert [(f.ip_src, f.ip_dst, f.eth_dst) for f in on_link] == [
        (GIADDR, "0.0.0.0", branch.phone.mac)
    ]
    assert not on_link[0].flags & BROADCAST
    sent = branch.ucdhcp.sent(xid)
    assert [(e["destination"], e["destination_kind"]) for e in sent] == [(f"{GIADDR}:67", "relay")]
    assert "to 0.0.0.0" in branch.relay_log()


def test_relay_mode_reply_with_the_phones_broadcast_flag_reaches_the_phone(
    lab: Lab, tmp_path: Path
) -> None:
    branch = RelayedBranch(lab, tmp_path, 'relayed_inform = "relay"', agent_options=False)
    xid = 0x6A000004
    reply = delivered(branch.inform(xid, ciaddr=True, broadcast_flag=True, listen=5), xid)
    assert (reply.ip_src, reply.ip_dst, reply.eth_dst) == (GIADDR, "255.255.255.255", BROADCAST_MAC)
    assert reply.ciaddr == PHONE_ADDRESS
    assert_options(reply)
    sent = branch.ucdhcp.sent(xid)
    assert [(e["destination"], e["destination_kind"]) for e in sent] == [(f"{GIADDR}:67", "relay")]


def test_relay_not_in_trusted_relays_gets_no_answer(lab: Lab, tmp_path: Path) -> None:
    branch = RelayedBranch(lab, tmp_path, 'trusted_relays = ["10.9.0.99"]', agent_options=False)
    for xid, ciaddr in ((0x6A000005, False), (0x6A000006, True)):
        frames = branch.inform(xid, ciaddr=ciaddr, broadcast_flag=True, listen=SILENCE)
        assert replies_to(frames, xid) == []
        event = branch.ucdhcp.wait_for("request_ignored", xid=f"0x{xid:08x}")
        assert (event["reason"], event["giaddr"]) == ("untrusted_relay", GIADDR)
    assert branch.ucdhcp.find("reply_sent") == []


def test_trusted_relay_is_answered(lab: Lab, tmp_path: Path) -> None:
    branch = RelayedBranch(lab, tmp_path, f'trusted_relays = ["{GIADDR}"]', agent_options=False)
    xid = 0x6A000007
    reply = delivered(branch.inform(xid, ciaddr=False, broadcast_flag=False, listen=5), xid)
    assert_options(reply)
    # A configured relay list tells the start-up diagnosis how the site is reached.
    assert branch.ucdhcp.find("site_unreachable") == []
