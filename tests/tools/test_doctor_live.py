"""`ucdhcp doctor` against a real phone's world in namespaces: dnsmasq DNS, an HTTPS server
(Python's http.server over TLS) and openssl s_server for SIP TLS, with certificates from a test
CA, chronyd for NTP. Each failure kind is produced for real and must come out as a FAIL line
with its fix; the healthy lab passes."""

import pytest

from .peers import start_ucdhcp
from .world import CERTPROV, DOMAIN, POOL, SERVER, Authority, World, flags, healthy, make_world

pytestmark = pytest.mark.needs_root  # network namespaces


def failures(document: dict) -> list[dict]:
    return [check for check in document["checks"] if check["status"] == "fail"]


def only_failure(world: World, *extra: str) -> dict:
    code, document, stderr = world.doctor_json(*flags(world, *extra))
    assert code == 1, stderr
    assert document["ok"] is False
    found = failures(document)
    assert len(found) == 1, found
    return found[0]


def test_healthy_lab_passes_every_check(lab, tmp_path):
    world = make_world(lab, tmp_path)
    healthy(world)
    code, document, stderr = world.doctor_json(*flags(world))
    assert code == 0, stderr
    assert document["ok"] is True and failures(document) == []
    details = [check["detail"] for check in document["checks"]]
    assert f"{POOL} resolves: {SERVER}" in details
    assert f"SRV _sipinternaltls._tcp.{DOMAIN}: {POOL}:5061" in details
    assert f"GET https://{POOL}:443/{CERTPROV}: HTTP/1.0 200 OK" in details
    assert sum(d.startswith(f"certificate names cover {POOL}") for d in details) == 2  # web, SIP
    assert any(d.startswith(f"NTP {SERVER}: stratum 8, offset") for d in details)
    steps = [check["step"] for check in document["checks"]]
    assert steps == sorted(steps, key=["dns", "web", "registrar", "time"].index)  # in order


def test_missing_a_record_is_named_and_later_steps_skip(lab, tmp_path):
    world = make_world(lab, tmp_path)
    healthy(world)
    world.dns([])  # contoso.com is served, pool01 is not in it
    failure = only_failure(world)
    assert failure["detail"] == f"{POOL} does not resolve: no such name (NXDOMAIN)"
    assert failure["fix"].startswith(f"add an A record for {POOL} on the DNS servers")
    _, document, _ = world.doctor_json(*flags(world))
    skipped = [c["detail"] for c in document["checks"] if c["status"] == "skip"]
    assert f"{POOL}:443 not checked: {POOL} does not resolve" in skipped
    assert f"{POOL}:5061 not checked: {POOL} does not resolve" in skipped


def test_missing_srv_record_fails_with_the_record_to_publish(lab, tmp_path):
    world = make_world(lab, tmp_path)
    healthy(world)
    world.dns([POOL], srv=False)
    failure = only_failure(world)
    assert failure["detail"] == f"SRV _sipinternaltls._tcp.{DOMAIN}: no such name (NXDOMAIN)"
    assert failure["fix"] == f"publish SRV _sipinternaltls._tcp.{DOMAIN} 0 0 5061 {POOL}"


def test_web_certificate_for_another_name(lab, tmp_path):
    world = make_world(lab, tmp_path)
    healthy(world)
    world.web(world.ca.issue("other", "other.contoso.com"))
    failure = only_failure(world)
    assert failure["step"] == "web"
    assert failure["detail"] == f"certificate of {POOL} is for other names (other.contoso.com)"
    assert failure["fix"] == (
        f"reissue the certificate with DNS:{POOL} in its subject alternative names"
    )


def test_registrar_certificate_from_an_untrusted_root(lab, tmp_path):
    world = make_world(lab, tmp_path)
    healthy(world)
    other_root = Authority(tmp_path / "other-ca", "Other Root")
    world.registrar(other_root.issue("sip", POOL))
    failure = only_failure(world)
    assert failure["step"] == "registrar"
    assert failure["detail"] == (
        f"certificate of {POOL} not trusted by --ca {world.ca.pem}:"
        f" unable to get local issuer certificate (chain sent: {POOL} (issuer Other Root))"
    )
    assert failure["fix"].startswith("use a certificate issued by the root the phones trust")


def test_expired_web_certificate(lab, tmp_path):
    world = make_world(lab, tmp_path)
    healthy(world)
    world.web(world.ca.issue("old", POOL, "20200101000000Z", "20200102000000Z"))
    failure = only_failure(world)
    assert failure["detail"] == f"certificate of {POOL}: certificate has expired (until 2020-01-02)"
    assert failure["fix"] == f"renew the certificate of {POOL}"


def test_certificate_not_yet_valid_with_the_wrong_name_reports_both(lab, tmp_path):
    world = make_world(lab, tmp_path)
    healthy(world)
    world.web(world.ca.issue("early", "other.contoso.com", "20990101000000Z", "20990102000000Z"))
    code, document, _ = world.doctor_json(*flags(world))
    assert code == 1
    assert [check["detail"] for check in failures(document)] == [
        f"certificate of {POOL} is for other names (other.contoso.com)",
        f"certificate of {POOL}: certificate is not yet valid (from 2099-01-01)",
    ]


def test_missing_certificate_provisioning_path_is_a_404(lab, tmp_path):
    world = make_world(lab, tmp_path)
    healthy(world)
    world.web(world.ca.issue("pool2", POOL), publish=False)
    failure = only_failure(world)
    assert failure["detail"] == f"GET https://{POOL}:443/{CERTPROV}: HTTP/1.0 404 File not found"
    assert failure["fix"].startswith(
        f"publish the certificate provisioning service on {POOL} at this path"
    )


def test_stopped_ntp_server(lab, tmp_path):
    world = make_world(lab, tmp_path)
    healthy(world)
    world.stop("ntp")
    failure = only_failure(world)
    assert failure["step"] == "time"
    assert failure["detail"] == f"NTP {SERVER}: Connection refused"
    assert failure["fix"].startswith(f"start NTP on {SERVER} (UDP 123)")


def test_no_registrar_listening_and_a_dns_server_that_never_answers(lab, tmp_path):
    world = make_world(lab, tmp_path)
    healthy(world)
    world.stop("sip")
    failure = only_failure(world)
    assert failure["detail"] == f"TCP {POOL}:5061 ({SERVER}): Connection refused"
    assert failure["fix"].startswith(f"start the SIP TLS listener (Front End) on {POOL}:5061")
    silent = "10.99.0.7"  # on the link, nobody there: every query times out
    code, document, _ = world.doctor_json(*flags(world), "--dns", silent, "--timeout", "1")
    assert code == 1
    first = failures(document)[0]
    assert first["detail"] == f"{POOL}: no answer from {silent} within 1 s"
    assert (
        first["fix"]
        == f"make DNS server {silent} answer queries from this network (UDP and TCP 53)"
    )


def test_doctor_on_an_interface_checks_the_dhcp_answer_then_the_rest(lab, tmp_path):
    world = make_world(lab, tmp_path)
    healthy(world)
    config = tmp_path / "ucdhcp.toml"
    config.write_text(
        f"""
[server]
address = "0.0.0.0"
[logging]
format = "json"
[[sites]]
name = "lab"
subnets = ["10.99.0.0/24"]
sip_servers = ["{POOL}"]
ntp_servers = ["{SERVER}"]
""",
        encoding="utf-8",
    )
    start_ucdhcp(world.lab, world.server, config, world.directory)
    code, document, stderr = world.doctor_json(
        "-i", "ph0", "--dns", SERVER, "--ca", str(world.ca.pem), "--sip-domain", DOMAIN
    )
    assert code == 0, stderr
    first = document["checks"][0]
    assert first["step"] == "dhcp" and first["status"] == "ok"
    assert first["detail"].startswith(f"DHCPACK from {SERVER}:67")
    assert document["subject"].startswith(f"the answer on ph0: SIP server {POOL};")
    assert document["subject"].endswith(f"NTP {SERVER}")  # option 42 from the answer
    assert failures(document) == []
