"""protocol.md §7: the full DHCPINFORM / DHCPACK exchange, byte for byte."""

import ipaddress

from tests.dhcp.golden import INFORM, INFORM_REPLY, OPTION_43_POOL01, OPTION_120_POOL01
from tests.dhcp.reply import reply_codes
from ucdhcp.core.policy import Policy, Profile, SiteSpec, build_site
from ucdhcp.core.responder import Arrival, Reply, Responder
from ucdhcp.core.routing import Destination, DestinationKind
from ucdhcp.wire.message import MessageType, Op, parse_message
from ucdhcp.wire.options import (
    Option120Encoding,
    SipServers,
    decode_sip_servers,
    encode_sip_servers,
)
from ucdhcp.wire.vendor import CertProvisioning, decode_ms_uc_client, encode_ms_uc_client


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
    assert len(INFORM_REPLY) == 369
    assert reply.payload == INFORM_REPLY
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
    assert encode_ms_uc_client(provisioning) == message.option(43) == OPTION_43_POOL01

    servers = decode_sip_servers(message.option(120))
    assert servers == SipServers(Option120Encoding.NAMES, ("pool01.contoso.com",))
    assert encode_sip_servers(servers.servers) == message.option(120) == OPTION_120_POOL01
