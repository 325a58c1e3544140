"""A phone's DHCPINFORM over real UDP on 127.0.0.1 gets the DHCPUtil options in a DHCPACK."""

from pathlib import Path

import pytest

from tests.dhcp.golden import CLIENT_ID, OPTION_43_POOL01, OPTION_120_POOL01
from tests.dhcp.reply import expected_ack, option_data, reply_codes
from tests.dhcp.request import phone_request, tlv

from .loopback import Loopback, example_document, serving_document

LEASE_OPTIONS = (50, 51, 58, 59)  # never in a reply to INFORM (RFC 2131 Table 3)


@pytest.mark.asyncio
async def test_inform_from_phone_gets_ack_with_dhcputil_options(loopback: Loopback) -> None:
    ack = await loopback.exchange(phone_request())
    # protocol.md §7 with server identifier 127.0.0.1: 53, 54, 61, 43, 120 in option 55 order.
    assert ack == expected_ack(tlv(43, OPTION_43_POOL01) + tlv(120, OPTION_120_POOL01))
    assert len(ack) == 369
    options = option_data(ack)
    assert options[53] == b"\x05"
    assert options[54] == bytes([127, 0, 0, 1])
    assert options[61] == CLIENT_ID
    assert options[43] == OPTION_43_POOL01
    assert options[120] == OPTION_120_POOL01
    assert not set(options) & set(LEASE_OPTIONS)


@pytest.mark.asyncio
async def test_ack_lists_options_in_the_order_of_the_clients_option_55(
    loopback: Loopback,
) -> None:
    ack = await loopback.exchange(phone_request(parameters=(120, 1, 43)))
    assert reply_codes(ack) == [53, 54, 61, 120, 43]
    assert ack == expected_ack(tlv(120, OPTION_120_POOL01) + tlv(43, OPTION_43_POOL01))


@pytest.mark.asyncio
async def test_inform_asking_only_for_option_120_gets_only_option_120(loopback: Loopback) -> None:
    ack = await loopback.exchange(phone_request(parameters=(1, 3, 120)))
    assert reply_codes(ack) == [53, 54, 61, 120]
    assert option_data(ack)[120] == OPTION_120_POOL01


@pytest.mark.asyncio
async def test_inform_without_client_id_gets_ack_without_option_61(loopback: Loopback) -> None:
    ack = await loopback.exchange(phone_request(client_id=None))
    assert reply_codes(ack) == [53, 54, 43, 120]
    assert len(ack) == 369 - len(tlv(61, CLIENT_ID))


@pytest.mark.asyncio
async def test_inform_with_nul_terminated_vendor_class_is_answered(loopback: Loopback) -> None:
    ack = await loopback.exchange(phone_request(vendor_class=b"MS-UC-Client\x00"))
    assert ack == expected_ack(tlv(43, OPTION_43_POOL01) + tlv(120, OPTION_120_POOL01))


@pytest.mark.asyncio
async def test_inform_from_branch_subnet_gets_branch_options(loopback: Loopback) -> None:
    ack = await loopback.exchange(phone_request(ciaddr="10.20.1.5"))
    assert reply_codes(ack) == [53, 54, 61, 42, 43, 120]
    options = option_data(ack)
    assert options[42] == bytes([10, 20, 0, 1])
    assert options[43] == OPTION_43_POOL01.replace(b"\x12pool01", b"\x12webint")
    assert options[120] == (
        b"\x00" + b"\x08sba-oslo\x07contoso\x03com\x00" + b"\x06pool01\x07contoso\x03com\x00"
    )
    assert loopback.service.stats.sites == {"branch-oslo": 1}


@pytest.mark.asyncio
async def test_inform_from_unknown_subnet_is_answered_from_the_default_site(
    loopback: Loopback,
) -> None:
    ack = await loopback.exchange(phone_request(ciaddr="192.168.7.7"))
    assert ack == expected_ack(
        tlv(43, OPTION_43_POOL01) + tlv(120, OPTION_120_POOL01), ciaddr="192.168.7.7"
    )
    assert loopback.service.stats.sites == {"headquarters": 1}


@pytest.mark.asyncio
async def test_inform_from_unknown_subnet_without_default_site_gets_no_reply(
    tmp_path: Path,
) -> None:
    document = example_document()
    del document["default_site"]
    async with serving_document(document, tmp_path / "ucdhcp.toml") as loopback:
        ack = await loopback.exchange_after_ignored(phone_request(ciaddr="192.168.7.7", xid=0xBAD))
        assert option_data(ack)[120] == OPTION_120_POOL01
        assert loopback.service.stats.ignored == {"no_site": 1}


@pytest.mark.asyncio
async def test_replies_are_counted_by_type_destination_and_site(loopback: Loopback) -> None:
    for xid in (1, 2, 3):
        await loopback.exchange(phone_request(xid=xid))
    stats = loopback.service.stats
    assert stats.received == {"inform": 3}
    assert stats.replies == {"source": 3}
    assert stats.sites == {"headquarters": 3}
    assert stats.ignored == {}
    assert loopback.service.counters()["reloads"] == {"ok": 0, "failed": 0}
