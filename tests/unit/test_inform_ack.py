"""protocol.md §7: the full DHCPINFORM / DHCPACK exchange, byte for byte."""

import ipaddress

from ucdhcp.core.policy import Policy, Profile, SiteSpec, build_site
from ucdhcp.core.responder import Arrival, Reply, Responder
from ucdhcp.core.routing import Destination, DestinationKind
from ucdhcp.wire.message import MessageType, Op, parse_message
from ucdhcp.wire.options import SipEncoding, SipServers, decode_sip_servers, encode_sip_servers
from ucdhcp.wire.vendor import CertProvisioning, decode_ms_uc_client, encode_ms_uc_client

from .packets import INFORM, reply_codes

OPTION_43 = bytes.fromhex(
    "01 0c 4d532d55432d436c69656e74"  # sub-option 1 UCIdentifier: "MS-UC-Client"
    "02 05 6874747073"  # sub-option 2 URLScheme: "https"
    "03 12 706f6f6c30312e636f6e746f736f2e636f6d"  # sub-option 3 WebServerFqdn: pool01...
    "04 03 343433"  # sub-option 4 WebServerPort: ASCII "443"
    "05 25 2f4365727450726f762f4365727450726f766973696f6e696e67536572766963652e737663"
    # sub-option 5 CertProvRelPath: "/CertProv/CertProvisioningService.svc"
)
OPTION_120 = bytes.fromhex(
    "00"  # encoding 0: names
    "06 706f6f6c3031 07 636f6e746f736f 03 636f6d 00"  # pool01.contoso.com + root label
)
EXPECTED_REPLY = (
    bytes.fromhex(
        "02"  # op: BOOTREPLY
        "01"  # htype: copied
        "06"  # hlen: copied
        "00"  # hops: 0
        "12345678"  # xid: copied
        "0000"  # secs: 0
        "0000"  # flags: copied
        "0a010232"  # ciaddr: copied, 10.1.2.50
        "00000000"  # yiaddr: 0, INFORM allocates nothing
        "00000000"  # siaddr: 0
        "00000000"  # giaddr: copied
        "000413aabbcc 00000000000000000000"  # chaddr: copied
    )
    + bytes(64)  # sname: zero
    + bytes(128)  # file: zero
    + bytes.fromhex(
        "63825363"  # magic cookie
        "35 01 05"  # 53 message type: DHCPACK
        "36 04 0a01020a"  # 54 server identifier: 10.1.2.10
        "3d 07 01 000413aabbcc"  # 61 client identifier, echoed unaltered (RFC 6842)
        "2b 55"  # 43 vendor specific, 85 bytes:
    )
    + OPTION_43
    + bytes.fromhex("78 15")  # 120 SIP servers, 21 bytes:
    + OPTION_120
    + bytes.fromhex("ff")  # End; 369 bytes is above 300, so no padding
)


def pool01_responder() -> Responder:
    site = build_site(
        SiteSpec(
            name="pool01",
            subnets=(ipaddress.IPv4Network("10.1.2.0/24"),),
            sip_servers=("pool01.contoso.com",),
            cert_provisioning=CertProvisioning("pool01.contoso.com"),
        )
    )
    return Responder(Policy(sites=(site,)))


def answer_inform() -> Reply:
    outcome = pool01_responder().respond(
        INFORM, ("10.1.2.50", 68), Arrival(server_id=bytes.fromhex("0a01020a"))
    )
    assert isinstance(outcome, Reply)
    return outcome


def test_phone_inform_gets_the_ack_of_protocol_md_section_7_byte_for_byte():
    reply = answer_inform()
    assert len(EXPECTED_REPLY) == 369
    assert reply.payload == EXPECTED_REPLY
    assert reply.destination == Destination("10.1.2.50", 68, DestinationKind.CIADDR)
    assert reply.site.name == "pool01"
    assert reply.profile is Profile.MS_UC_CLIENT


def test_ack_header_follows_rfc_2131_table_3():
    payload = answer_inform().payload
    assert len(payload) == 369
    assert payload[0] == 2  # op
    assert payload[1:3] == INFORM[1:3]  # htype, hlen copied
    assert payload[3] == 0  # hops
    assert payload[4:8] == INFORM[4:8]  # xid copied
    assert payload[8:10] == bytes(2)  # secs
    assert payload[10:12] == INFORM[10:12]  # flags copied
    assert payload[12:16] == INFORM[12:16]  # ciaddr copied
    assert payload[16:24] == bytes(8)  # yiaddr, siaddr
    assert payload[24:44] == INFORM[24:44]  # giaddr, chaddr copied
    assert payload[44:236] == bytes(192)  # sname, file
    assert payload[236:240] == bytes.fromhex("63825363")
    assert reply_codes(payload) == [53, 54, 61, 43, 120]


def test_ack_parses_back_into_the_values_that_were_encoded():
    payload = answer_inform().payload
    message = parse_message(payload)
    request = parse_message(INFORM)
    assert message.op == Op.BOOTREPLY
    assert message.message_type == MessageType.ACK
    assert (message.xid, message.flags, message.chaddr) == (request.xid, 0, request.chaddr)
    assert message.ciaddr == request.ciaddr
    assert message.option(54) == bytes.fromhex("0a01020a")
    assert message.option(61) == request.option(61)

    provisioning = decode_ms_uc_client(message.option(43))
    assert provisioning == CertProvisioning("pool01.contoso.com")
    assert encode_ms_uc_client(provisioning) == message.option(43) == OPTION_43

    servers = decode_sip_servers(message.option(120))
    assert servers == SipServers(SipEncoding.NAMES, ("pool01.contoso.com",))
    assert encode_sip_servers(servers.servers) == message.option(120) == OPTION_120
