"""Service.reload(): a new file takes effect for the next request; a bad one changes nothing."""

from pathlib import Path

import pytest
from structlog.testing import capture_logs

from tests.dhcp.golden import OPTION_43_POOL01, OPTION_120_POOL01
from tests.dhcp.reply import expected_ack, option_data
from tests.dhcp.request import phone_request, tlv

from .loopback import config_text, serving_file

OPTION_120_POOL02 = OPTION_120_POOL01.replace(b"pool01", b"pool02")
OPTION_43_POOL02 = OPTION_43_POOL01.replace(b"pool01", b"pool02")


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    path = tmp_path / "ucdhcp.toml"
    path.write_text(config_text(), encoding="utf-8")
    return path


@pytest.mark.asyncio
async def test_reload_switches_the_next_ack_to_the_new_sip_server(config_path: Path) -> None:
    async with serving_file(config_path) as loopback:
        before = await loopback.exchange(phone_request(xid=1))
        assert option_data(before)[120] == OPTION_120_POOL01

        config_path.write_text(config_text("pool02.contoso.com"), encoding="utf-8")
        assert await loopback.service.reload() is True

        after = await loopback.exchange(phone_request(xid=2))
        assert after == expected_ack(tlv(43, OPTION_43_POOL02) + tlv(120, OPTION_120_POOL02), xid=2)
        assert loopback.service.reloads == {"ok": 1, "failed": 0}


@pytest.mark.asyncio
async def test_reload_of_broken_file_returns_false_and_keeps_previous_values(
    config_path: Path,
) -> None:
    async with serving_file(config_path) as loopback:
        config_path.write_text(config_text("pool02.contoso.com"), encoding="utf-8")
        assert await loopback.service.reload() is True

        config_path.write_text(config_text("pool_02"), encoding="utf-8")
        assert await loopback.service.reload() is False

        ack = await loopback.exchange(phone_request())
        assert ack == expected_ack(tlv(43, OPTION_43_POOL02) + tlv(120, OPTION_120_POOL02))
        assert loopback.service.reloads == {"ok": 1, "failed": 1}
        assert loopback.service.counters()["reloads"] == {"ok": 1, "failed": 1}


@pytest.mark.asyncio
async def test_reload_of_invalid_toml_or_missing_file_keeps_serving(config_path: Path) -> None:
    async with serving_file(config_path) as loopback:
        config_path.write_text("[[sites]\n", encoding="utf-8")
        assert await loopback.service.reload() is False
        config_path.unlink()
        assert await loopback.service.reload() is False

        ack = await loopback.exchange(phone_request())
        assert option_data(ack)[120] == OPTION_120_POOL01
        assert loopback.service.reloads == {"ok": 0, "failed": 2}


@pytest.mark.asyncio
async def test_failed_reload_logs_the_file_and_field_path(config_path: Path) -> None:
    async with serving_file(config_path) as loopback:
        config_path.write_text(config_text("pool01"), encoding="utf-8")
        with capture_logs() as events:
            assert await loopback.service.reload() is False
    failures = [event for event in events if event["event"] == "config_reload_failed"]
    assert len(failures) == 1
    assert failures[0]["config"] == str(config_path)
    assert failures[0]["log_level"] == "error"
    [problem] = failures[0]["problems"]
    assert problem.startswith("sites[0].sip_servers[0]: ")
    assert "not fully qualified" in problem


@pytest.mark.asyncio
async def test_reload_adds_a_site_that_answers_its_subnet(config_path: Path) -> None:
    branch = """
[[sites]]
name = "branch"
subnets = ["10.30.0.0/16"]
sip_servers = ["sba.contoso.com"]
"""
    async with serving_file(config_path) as loopback:
        # No site for 10.30.0.0/16 and no default site: ignored (headquarters still answers).
        await loopback.exchange_after_ignored(phone_request(ciaddr="10.30.0.5", xid=1))

        config_path.write_text(config_text(more_sites=branch), encoding="utf-8")
        assert await loopback.service.reload() is True

        ack = await loopback.exchange(phone_request(ciaddr="10.30.0.5", xid=2))
        assert option_data(ack)[120] == b"\x00\x03sba\x07contoso\x03com\x00"
        assert loopback.service.stats.ignored == {"no_site": 1}
        assert loopback.service.stats.sites == {"headquarters": 1, "branch": 1}


@pytest.mark.asyncio
async def test_reload_with_a_changed_server_section_keeps_the_bound_socket(
    config_path: Path,
) -> None:
    async with serving_file(config_path) as loopback:
        port = loopback.service.bound_port
        config_path.write_text(config_text("pool02.contoso.com", port=6767), encoding="utf-8")
        with capture_logs() as events:
            assert await loopback.service.reload() is True
        assert "config_change_needs_restart" in [event["event"] for event in events]
        assert loopback.service.bound_port == port
        assert loopback.service.settings.server.port == 0

        ack = await loopback.exchange(phone_request())
        assert option_data(ack)[120] == OPTION_120_POOL02


@pytest.mark.asyncio
async def test_reload_turns_per_request_logging_on_and_off(config_path: Path) -> None:
    async with serving_file(config_path) as loopback:
        handling = loopback.service.handling  # what every socket's protocol reads
        assert handling.request_log is None

        config_path.write_text(config_text(requests=True), encoding="utf-8")
        assert await loopback.service.reload() is True
        assert handling.request_log is not None
        with capture_logs() as events:
            await loopback.exchange(phone_request(xid=1))
        assert [event["event"] for event in events] == ["reply_sent"]

        config_path.write_text(config_text(requests=False), encoding="utf-8")
        assert await loopback.service.reload() is True
        assert handling.request_log is None
        with capture_logs() as events:
            await loopback.exchange(phone_request(xid=2))
        assert events == []
