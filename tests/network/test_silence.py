"""PCs and other devices notice nothing: an INFORM without option 60, or with another vendor
class, gets no reply at all on the wire, while the phone on the same segment is answered.

    phone ns eth0 -- p1 \\
    pc ns    eth0 -- p2 -- br0 (switch ns)
    ucdhcp ns eth0 - p3 /
"""

from pathlib import Path

import pytest

from tests.dhcp.golden import OPTION_43_POOL01, OPTION_120_POOL01
from tests.dhcp.request import BROADCAST, PC_PARAMETERS, mac, phone_request
from tests.netns import Lab

from .actors import POOL01, Phone, SiteConfig, Ucdhcp, config_toml, delivered, replies_to
from .link_frames import broadcast_frame

pytestmark = pytest.mark.needs_root

UCDHCP, PHONE_ADDRESS, PC_ADDRESS = "10.1.2.10", "10.1.2.50", "10.1.2.80"
PC_CLASSES = [
    (0x9A000001, None, "no_vendor_class"),  # a Windows or Linux PC: no option 60
    (0x9A000002, b"MSFT 5.0", "vendor_class_not_served"),  # Windows' own vendor class
    (0x9A000003, b"ms-uc-client", "vendor_class_not_served"),  # the match is case-sensitive
    (0x9A000004, b"MS-UC-Client-Plus", "vendor_class_not_served"),  # exact, not a prefix
]
PC_AS_PHONE = 0x9A000005  # the valid request sent after the others, from the PC's port


@pytest.mark.parametrize("broadcast_flag", [False, True], ids=["unicast-reply", "broadcast-flag"])
def test_pc_and_other_vendor_classes_get_nothing_while_the_phone_is_answered(
    lab: Lab, tmp_path: Path, broadcast_flag: bool
) -> None:
    phone_ns, pc_ns, ucdhcp_ns = lab.host("ph"), lab.host("pc"), lab.host("uc")
    lab.switch(
        (phone_ns, "eth0", f"{PHONE_ADDRESS}/24"),
        (pc_ns, "eth0", f"{PC_ADDRESS}/24"),
        (ucdhcp_ns, "eth0", f"{UCDHCP}/24"),
    )
    config = config_toml([SiteConfig("headquarters", ["10.1.2.0/24"], POOL01)])
    ucdhcp = Ucdhcp(lab, ucdhcp_ns, tmp_path, config).started("eth0")
    phone, pc = Phone(lab, phone_ns), Phone(lab, pc_ns)

    # The PC asks for 43 too (Windows does): only the vendor class tells it from a phone.
    # Silence proven by order: after its four requests the PC sends a phone's INFORM, answered
    # at the same address (ciaddr) through the same socket, so a reply to any of the four would
    # have reached the link before the one the PC waits for.
    flags = BROADCAST if broadcast_flag else 0
    requests = [
        phone_request(
            chaddr=mac(pc.mac),
            xid=xid,
            ciaddr=PC_ADDRESS,
            vendor_class=vendor_class,
            parameters=PC_PARAMETERS,
            flags=flags,
        )
        for xid, vendor_class, _ in PC_CLASSES
    ]
    requests.append(
        phone_request(chaddr=mac(pc.mac), xid=PC_AS_PHONE, ciaddr=PC_ADDRESS, flags=flags)
    )
    frames = [broadcast_frame(pc.mac, request, source=PC_ADDRESS) for request in requests]
    seen = pc.exchange(frames=frames, xid=PC_AS_PHONE)
    assert delivered(seen, PC_AS_PHONE).options[120] == OPTION_120_POOL01
    for xid, vendor_class, reason in PC_CLASSES:
        assert replies_to(seen, xid) == [], vendor_class
        assert seen.accepted(xid) == [], vendor_class
        assert ucdhcp.wait_for("request_ignored", xid=f"0x{xid:08x}")["reason"] == reason

    xid = 0x9A0000FF
    request = phone_request(
        chaddr=mac(phone.mac),
        xid=xid,
        ciaddr=PHONE_ADDRESS,
        flags=BROADCAST if broadcast_flag else 0,
    )
    frame = broadcast_frame(phone.mac, request, source=PHONE_ADDRESS)
    reply = delivered(phone.exchange(frames=[frame], xid=xid), xid)
    assert reply.server_id == UCDHCP
    assert (reply.options[120], reply.options[43]) == (OPTION_120_POOL01, OPTION_43_POOL01)
    sent = [event["xid"] for event in ucdhcp.find("reply_sent")]
    assert sent == [f"0x{PC_AS_PHONE:08x}", f"0x{xid:08x}"]
