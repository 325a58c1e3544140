"""`ucdhcp import` of what DHCPUtil leaves behind: its console output (protocol.md §3; `ucdhcp
options` prints the same shape, so its golden output is a realistic input) and the
`DHCPConfigScript.bat Configure CLASS-DATA 120 SUB1..SUB5` calls it makes."""

import tomllib

from ucdhcp.tools.importers import detect_format, import_text
from ucdhcp.wire.options import decode_suboptions

from .importing import POOL_43, POOL_120, SUBOPTIONS, TWO_120, codes
from .tools import GOLDEN, run

# DHCPUtil's console output as an admin pastes it: blank lines, a prompt, no "Option 43:" line.
CONSOLE = "\n".join(
    [
        r"C:\Program Files\Common Files\Microsoft Lync Server 2010>DHCPUtil.exe -SipServer"
        " pool01.contoso.com",
        "",
        "Sip Server FQDN: pool01.contoso.com",
        "Certificate Provisioning Service URL:"
        " https://pool01.contoso.com:443/CertProv/CertProvisioningService.svc",
        "",
        f"Option 120: {POOL_120}",
        "",
        "Option 43 (for vendor=MS-UC-Client):",
        *[f"Sub-Option {code} <name>: {value.hex().upper()}" for code, value in SUBOPTIONS.items()],
    ]
)


def script_call(option_120: str = POOL_120, data: str = "MS-UC-Client", **changed: str) -> str:
    values = [changed.get(f"sub{code}", v.hex().upper()) for code, v in SUBOPTIONS.items()]
    return f'call "DHCPConfigScript.bat" Configure {data} {option_120} {" ".join(values)}'


def test_ucdhcp_options_golden_output_imports_to_the_same_bytes():
    text = (GOLDEN / "options-pool01.txt").read_text(encoding="utf-8")
    assert detect_format(text) == "dhcputil"
    result = import_text(text)
    assert not result.imported.partial
    site = result.imported.sites[0]
    assert (site.option_120, site.option_43) == (bytes.fromhex(POOL_120), POOL_43)
    assert result.document == {
        "default_site": "server",
        "sites": [{"name": "server", "sip_servers": ["pool01.contoso.com"]}],
    }


def test_server_fqdn_golden_output_keeps_its_web_server():
    text = (GOLDEN / "options-server-fqdn.txt").read_text(encoding="utf-8")
    site = import_text(text).imported.sites[0]
    assert site.sip_servers == ("server.fqdn.company.com",)
    assert site.provisioning.web_server == "server.fqdn.company.com"


def test_pasted_console_output_is_recognised_and_read():
    assert detect_format(CONSOLE) == "dhcputil"
    result = import_text(CONSOLE)
    assert result.imported.findings == ()
    assert result.imported.sites[0].option_43 == POOL_43


def test_script_call_gives_server_level_values_byte_for_byte():
    text = script_call(TWO_120)
    assert detect_format(text) == "dhcputil"
    result = import_text(text)
    assert not result.imported.partial
    site = result.imported.sites[0]
    assert site.sip_servers == ("pool01.contoso.com", "pool02.contoso.com")
    assert site.option_43 == POOL_43 and site.default


def test_script_call_with_a_trailing_nul_is_trimmed_and_reported():
    nul = (SUBOPTIONS[3] + b"\0").hex().upper()
    result = import_text(script_call(sub3=nul))
    assert result.imported.sites[0].provisioning.web_server == "pool01.contoso.com"
    assert {f.code for f in result.imported.findings} == {"bytes_differ"}


def test_script_call_with_plain_ascii_option_120_is_carried_and_reported():
    result = import_text(script_call(b"pool01.contoso.com".hex()))
    assert result.imported.sites[0].sip_servers == ("pool01.contoso.com",)
    assert "plain_text_120" in {f.code for f in result.imported.findings}


def test_script_call_with_null_port_sends_no_sub_option_4_which_is_reported():
    result = import_text(script_call(sub4="NULL"))  # the script then sets no value for 4
    assert decode_suboptions(result.imported.sites[0].option_43 or b"").get(4) is None
    assert "missing_suboption" in {lint.code for lint in result.imported.sites[0].lints}
    assert {f.code for f in result.imported.findings} == {"option_43_not_carried", "bytes_differ"}
    assert result.document is not None  # carried with DHCPUtil's default URL


def test_script_call_for_another_vendor_class_carries_option_120_only():
    found = codes(script_call(data="Polycom-Phone"))
    assert found["other_vendor_class"] == "warning"
    assert found["no_option_43"] == "warning"


def test_cleanup_call_is_a_note_and_two_disagreeing_runs_are_reported():
    text = "\n".join(
        ["DHCPConfigScript.bat Cleanup", script_call(), script_call(TWO_120), "DHCPUtil.exe -h"]
    )
    found = codes(text)
    assert found["cleanup_call"] == "note"
    assert found["disagreeing_scopes"] == "error"
    assert import_text(text).imported.sites[0].sip_servers == ("pool01.contoso.com",)


def test_console_output_file_imports_with_exit_0(tmp_path):
    source = tmp_path / "dhcputil.txt"
    source.write_text(CONSOLE, encoding="utf-8")
    output = tmp_path / "ucdhcp.toml"
    result = run("import", str(source), "-o", str(output))
    assert result.returncode == 0, result.stderr
    assert "dhcputil: 1 site" in result.stderr
    assert tomllib.loads(output.read_text(encoding="utf-8"))["default_site"] == "server"
    assert run("check", "-c", str(output)).returncode == 0
