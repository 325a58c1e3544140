"""The capabilities systemd/ucdhcp.service grants, applied for real to `ucdhcp serve`.

With the unit's set (CAP_NET_BIND_SERVICE and CAP_NET_RAW) a reply to a phone on the link
leaves as a frame addressed to the phone's MAC: the server never ARPs for the phone, so its
neighbour table stays empty. With CAP_NET_BIND_SERVICE alone ucdhcp says so once
(`frames_unavailable`, `replies_as_frames: false`) and still answers, through the UDP socket,
after the kernel ARPed for the phone. An OUTPUT rule dropping every reply from port 67 never
sees a frame, and refuses the UDP socket's reply (EPERM, counted).

setpriv gives the process exactly these capabilities the way systemd does (ambient,
inheritable and bounding sets, no_new_privs), under uid 0 with the "noroot" securebits so that
uid 0 confers no capability of its own (the test's interpreter lives under /root, which another
uid cannot read). systemd's sandbox itself cannot run here without systemd:
tests/ops/test_systemd_unit.py checks the unit's address families against the sockets the code
opens.

    ucdhcp ns eth0 10.30.0.10/24 --- phone ns eth0 10.30.0.50/24

The flood test uses floods.py's segment and flood, with ucdhcp holding these capabilities.
"""

import json
import shutil
import signal
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from tests.dhcp.golden import OPTION_43_POOL01, OPTION_120_POOL01
from tests.dhcp.request import mac, phone_request
from tests.netns import Lab

from .actors import (
    POOL01,
    REPLY_TIMEOUT,
    SILENCE,
    Phone,
    SiteConfig,
    Ucdhcp,
    config_toml,
    delivered,
    replies_to,
)
from .floods import FloodBridge, flood_hosts, probe_result
from .link_frames import PhoneCapture, broadcast_frame

UNIT = Path(__file__).resolve().parents[2] / "systemd" / "ucdhcp.service"
SERVER, PHONE_ADDRESS = "10.30.0.10", "10.30.0.50"
CAPABILITY_BITS = {"CAP_NET_BIND_SERVICE": 1 << 10, "CAP_NET_RAW": 1 << 13}  # linux/capability.h
SECUREBITS = "+noroot,+noroot_locked,+no_setuid_fixup,+no_setuid_fixup_locked"


def unit_capabilities() -> list[str]:
    """The unit's AmbientCapabilities, which must equal its CapabilityBoundingSet."""
    lines = UNIT.read_text(encoding="utf-8").splitlines()
    settings = dict(line.split("=", 1) for line in lines if "=" in line and line[0] != "#")
    ambient = settings["AmbientCapabilities"].split()
    assert sorted(ambient) == sorted(settings["CapabilityBoundingSet"].split())
    return ambient


def setpriv(capabilities: list[str]) -> list[str]:
    """A setpriv command line that execs its arguments holding exactly `capabilities`."""
    names = ",".join(f"+{name.removeprefix('CAP_').lower()}" for name in capabilities)
    sets = [f"--{kind}=-all,{names}" for kind in ("inh-caps", "ambient-caps", "bounding-set")]
    return ["setpriv", f"--securebits={SECUREBITS}", *sets, "--no-new-privs", "--"]


def effective_capabilities(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text(encoding="utf-8").splitlines():
        if line.startswith("CapEff:"):
            return int(line.split()[1], 16)
    raise AssertionError(f"no CapEff line for {pid}")


def neighbours(lab: Lab, namespace: str, address: str) -> list[object]:
    shown = lab.exec(namespace, "ip", "-j", "neigh", "show", address, "dev", "eth0")
    return list(json.loads(shown.stdout or "[]"))


def capabilities_for(frames: bool) -> list[str]:
    """The unit's capabilities, without CAP_NET_RAW unless `frames`."""
    capabilities = unit_capabilities()
    assert "CAP_NET_RAW" in capabilities  # the unit grants it: frames
    return [name for name in capabilities if frames or name != "CAP_NET_RAW"]


def serve_a_phone(
    lab: Lab, tmp_path: Path, capabilities: list[str], firewall: Sequence[str] = ()
) -> tuple[Ucdhcp, str, Phone]:
    """ucdhcp holding `capabilities`, and a phone on its link; `firewall`: an iptables rule
    in ucdhcp's namespace."""
    server_ns, phone_ns = lab.host("uc"), lab.host("ph")
    lab.link(server_ns, "eth0", f"{SERVER}/24", phone_ns, "eth0", f"{PHONE_ADDRESS}/24")
    if firewall:
        lab.exec(server_ns, "iptables", *firewall)
    config = config_toml([SiteConfig("voice", ["10.30.0.0/24"], POOL01)])
    ucdhcp = Ucdhcp(lab, server_ns, tmp_path, config, wrapper=setpriv(capabilities))
    return ucdhcp.started("eth0"), server_ns, Phone(lab, phone_ns)


def inform(phone: Phone, xid: int, **kwargs: Any) -> PhoneCapture:
    """A phone with an address broadcasts its INFORM; the ACK goes to ciaddr:68 (RFC 2131
    §4.3.5). Nothing has taught the server the phone's MAC."""
    request = phone_request(chaddr=mac(phone.mac), xid=xid, ciaddr=PHONE_ADDRESS)
    frame = broadcast_frame(phone.mac, request, PHONE_ADDRESS)
    return phone.exchange(frames=[frame], xid=xid, **kwargs)


@pytest.mark.parametrize("frames", [True, False], ids=["unit", "without-net-raw"])
def test_the_units_capabilities_send_frames_and_a_phone_is_answered_without_them(
    lab: Lab, tmp_path: Path, frames: bool
) -> None:
    capabilities = capabilities_for(frames)
    ucdhcp, server_ns, phone = serve_a_phone(lab, tmp_path, capabilities)
    added = ucdhcp.wait_for("interface_added", interface="eth0")
    # ucdhcp itself (ip netns exec, setpriv and the script's interpreter all exec) holds
    # exactly these capabilities.
    wanted = sum(CAPABILITY_BITS[name] for name in capabilities)
    assert effective_capabilities(ucdhcp.process.pid) == wanted
    assert added["replies_as_frames"] is frames
    unavailable = ucdhcp.find("frames_unavailable")
    assert len(unavailable) == (0 if frames else 1), unavailable
    if unavailable:
        assert "CAP_NET_RAW" in unavailable[0]["message"]

    assert neighbours(lab, server_ns, PHONE_ADDRESS) == []
    xid = 0x0CA9E001
    reply = delivered(inform(phone, xid), xid)
    assert (reply.ip_src, reply.ip_dst, reply.dport) == (SERVER, PHONE_ADDRESS, 68)
    assert reply.eth_dst == phone.mac
    assert (reply.options[120], reply.options[43]) == (OPTION_120_POOL01, OPTION_43_POOL01)
    assert len(ucdhcp.sent(xid)) == 1
    # A frame goes straight to chaddr: no ARP, so no neighbour entry. The UDP socket's reply
    # waited for the kernel to resolve the phone first (what a flood of unused ciaddrs stalls).
    resolved = neighbours(lab, server_ns, PHONE_ADDRESS)
    assert (resolved == []) is frames, resolved


@pytest.mark.parametrize("frames", [True, False], ids=["unit", "without-net-raw"])
def test_frames_bypass_the_output_chain(lab: Lab, tmp_path: Path, frames: bool) -> None:
    # What the README's Firewall section says: an OUTPUT rule refusing every reply from port
    # 67 stops the UDP socket's replies (EPERM, counted) but never sees a frame.
    if shutil.which("iptables") is None:
        pytest.fail("iptables is missing: apt-get install iptables")
    rule = ("OUTPUT", "-p", "udp", "--sport", "67", "-j", "DROP")
    ucdhcp, server_ns, phone = serve_a_phone(lab, tmp_path, capabilities_for(frames), ["-A", *rule])
    xid = 0x0CA9E002
    seen = inform(phone, xid, listen=REPLY_TIMEOUT if frames else SILENCE)
    if frames:
        assert delivered(seen, xid).ip_dst == PHONE_ADDRESS
        assert len(ucdhcp.sent(xid)) == 1
    else:
        assert replies_to(seen, xid) == []
        ucdhcp.wait_for("reply_dropped", error="EPERM")
    shown = lab.exec(server_ns, "iptables", "-L", "OUTPUT", "-v", "-n", "-x").stdout
    dropped = int(next(line for line in shown.splitlines() if "DROP" in line).split()[0])
    assert dropped == (0 if frames else 1), shown


@pytest.mark.parametrize("frames", [True, False], ids=["unit", "without-net-raw"])
def test_a_flood_of_unused_ciaddrs_under_the_units_capabilities(
    lab: Lab, tmp_path: Path, frames: bool
) -> None:
    # test_floods.py's spoofed unused-ciaddr flood (500/s for 6 s), against ucdhcp holding
    # the unit's capabilities: no CAP_NET_ADMIN, so its receive buffer is capped by
    # net.core.rmem_max. With CAP_NET_RAW the phone is answered throughout. Without it the
    # UDP socket's buffer fills with replies waiting for ARP: later replies are dropped and
    # counted, never queued, and ucdhcp stops at once and cleanly.
    capabilities = [name for name in unit_capabilities() if frames or name != "CAP_NET_RAW"]
    _, server, phone_ns, attacker = flood_hosts(lab)
    config = config_toml([SiteConfig("headquarters", ["10.1.0.0/16"], POOL01)])
    ucdhcp = Ucdhcp(lab, server, tmp_path, config, wrapper=setpriv(capabilities))
    segment = FloodBridge(lab, ucdhcp.started("eth0"), Phone(lab, phone_ns), attacker, tmp_path)

    process, output = segment.probe(8)
    flood = segment.flood("unused-ciaddr", 500, 6, spoof_source=True)
    sent, answered = probe_result(process, output)
    counters = segment.counters()
    dropped = counters["dropped"].get("send_buffer_full", 0)
    print(f"frames {frames}: flood {flood['sent']}; phone {answered}/{sent}; dropped {dropped}")
    if frames:
        assert answered >= 0.99 * sent, f"the phone was answered {answered} of {sent} times"
        assert dropped == 0
    else:
        assert dropped > 0 and ucdhcp.find("reply_dropped", error="send_buffer_full")
    decided = sum(
        counters[kind][key] for kind in ("replies", "dropped", "ignored") for key in counters[kind]
    )
    assert decided == sum(counters["received"].values())

    ucdhcp.process.send_signal(signal.SIGTERM)
    assert ucdhcp.process.wait(timeout=5) == 0
    log = ucdhcp.log_path.read_text()
    assert "Traceback" not in log and "Fatal error" not in log
