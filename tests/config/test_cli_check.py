"""`ucdhcp check` and `ucdhcp --version`, run as the installed console script."""

import json
import socket
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

from tests.commands import run_ucdhcp
from tests.dhcp.golden import OPTION_43_POOL01, OPTION_120_POOL01

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "ucdhcp.example.toml"
HQ_120 = OPTION_120_POOL01.hex().upper()  # data only, as `options` and the README show it
HQ_43 = OPTION_43_POOL01.hex().upper()


run = run_ucdhcp


def test_check_example_exits_0_and_prints_option_hex_per_site() -> None:
    result = run("check", "-c", str(EXAMPLE))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "site headquarters: subnets 10.1.2.0/24, 10.1.3.0/24"
    assert lines[1:4] == [
        "  ms-uc-client:",
        f"    option 120 (SIP servers, 21 bytes): {HQ_120}",
        f"    option 43 (vendor specific, 85 bytes): {HQ_43}",
    ]
    assert "site branch-oslo: subnets 10.20.0.0/22" in lines
    assert result.stderr == ""


def test_check_json_is_valid_json_with_the_same_hex() -> None:
    result = run("check", "-c", str(EXAMPLE), "--json")
    assert result.returncode == 0, result.stderr
    sites = json.loads(result.stdout)["sites"]
    assert [site["site"] for site in sites] == ["headquarters", "branch-oslo"]
    headquarters = sites[0]
    assert headquarters["default"] is False  # the example answers only its own subnets
    assert headquarters["subnets"] == ["10.1.2.0/24", "10.1.3.0/24"]
    assert headquarters["profiles"] == {
        "ms-uc-client": {
            "120": {"name": "SIP servers", "hex": HQ_120, "length": 21},
            "43": {"name": "vendor specific", "hex": HQ_43, "length": 85},
        }
    }
    assert sites[1]["profiles"]["cpe-ocphone"]["43"]["hex"] == "0A020078"


def test_check_json_on_a_bad_config_prints_the_problems_as_json(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        '[server]\nport = "67"\n[[sites]]\nname = "hq"\nsip_servers = ["a"]\n', encoding="utf-8"
    )
    result = run("check", "-c", str(path), "--json")
    assert result.returncode == 2
    assert result.stderr == ""
    document = json.loads(result.stdout)
    assert document["file"] == str(path)
    port, sip_server = document["problems"]
    assert port == {
        "field": "server.port",
        "reason": 'Input should be a valid integer, not a string ("67")',
    }
    assert sip_server["field"] == "sites[0].sip_servers[0]"
    assert "not fully qualified" in sip_server["reason"]


def test_check_text_and_json_show_the_same_option_bytes() -> None:
    text = run("check", "-c", str(EXAMPLE)).stdout
    sites = json.loads(run("check", "-c", str(EXAMPLE), "--json").stdout)["sites"]
    for site in sites:
        for options in site["profiles"].values():
            for code, value in options.items():
                label = f"{value['name']}, {value['length']} bytes"
                assert f"    option {code} ({label}): {value['hex']}" in text.splitlines()


def test_check_shows_option_values_as_options_and_the_readme_do() -> None:
    # One convention for option values in every tool: data only, uppercase hex.
    check = run("check", "-c", str(EXAMPLE)).stdout.splitlines()
    options = run("options", "-c", str(EXAMPLE), "--site", "headquarters").stdout.splitlines()
    readme = (EXAMPLE.parents[1] / "README.md").read_text(encoding="utf-8").splitlines()
    for code in (120, 43):
        [shown] = [line for line in options if line.startswith(f"Option {code}: ")]
        value = shown.removeprefix(f"Option {code}: ")
        assert value in {HQ_120, HQ_43}
        [checked] = [line for line in check[:4] if line.startswith(f"    option {code} (")]
        assert checked.endswith(f" bytes): {value}")
    assert f"option 120: {HQ_120}" in readme


def test_check_bad_config_exits_2_with_one_line_per_problem_naming_file_and_path(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        '[server]\nport = 70000\n[[sites]]\nname = "hq"\nsip_servers = ["pool01.contoso.com"]\n'
        'port = 0\n[[sites]]\nname = "branch"\nsip_servers = ["pool01"]\n',
        encoding="utf-8",
    )
    result = run("check", "-c", str(path))
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 3, result.stderr
    assert lines[0].startswith(f"{path}: server.port: ")
    assert lines[1].startswith(f"{path}: sites[0].port: ")
    assert lines[2].startswith(f"{path}: sites[1].sip_servers[0]: ")
    assert "not fully qualified" in lines[2]


def test_check_missing_file_exits_2_saying_it_cannot_read(tmp_path: Path) -> None:
    path = tmp_path / "absent.toml"
    result = run("check", "-c", str(path))
    assert result.returncode == 2
    assert result.stderr.strip() == f"{path}: cannot read: No such file or directory"


def test_check_invalid_toml_exits_2_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "syntax.toml"
    path.write_text("[[sites]\n", encoding="utf-8")
    result = run("check", "-c", str(path))
    assert result.returncode == 2
    assert result.stderr.startswith(f"{path}: not valid TOML: ")
    assert len(result.stderr.splitlines()) == 1


def test_version_flag_prints_the_package_version_and_build() -> None:
    result = run("--version")
    assert result.returncode == 0
    # .venv's editable install is never compiled (setup.py); tests/packaging covers "compiled".
    assert result.stdout == f"ucdhcp {version('ucdhcp')} (pure Python)\n"


def test_no_command_prints_usage_and_exits_2() -> None:
    result = run()
    assert result.returncode == 2
    assert "usage: ucdhcp" in result.stderr


def test_module_entry_point_runs_check_like_the_console_script() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ucdhcp.cli", "check", "-c", str(EXAMPLE), "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    profile = json.loads(result.stdout)["sites"][0]["profiles"]["ms-uc-client"]
    assert profile["120"]["hex"] == HQ_120


def test_check_needs_no_live_interface_for_the_server_address(tmp_path: Path) -> None:
    path = tmp_path / "remote.toml"
    path.write_text(
        '[server]\naddress = "192.0.2.1"\nport = 67\n'
        '[[sites]]\nname = "hq"\nsip_servers = ["pool01.contoso.com"]\n',
        encoding="utf-8",
    )
    result = run("check", "-c", str(path), "--json")
    assert result.returncode == 0, result.stderr
    profile = json.loads(result.stdout)["sites"][0]["profiles"]["ms-uc-client"]
    assert profile["120"]["hex"] == HQ_120


def test_check_runtime_reports_the_port_and_the_host_in_json(tmp_path: Path) -> None:
    # A specific loopback address: the port check runs, the interface scan does not apply.
    path = tmp_path / "ucdhcp.toml"
    path.write_text(
        '[server]\naddress = "127.0.0.1"\nport = 0\n'
        '[[sites]]\nname = "hq"\nsubnets = ["10.1.2.0/24"]\nsip_servers = ["pool01.contoso.com"]\n',
        encoding="utf-8",
    )
    result = run("check", "--runtime", "--json", "-c", str(path))
    assert result.returncode == 0, result.stderr
    runtime = json.loads(result.stdout)["runtime"]
    assert [entry["event"] for entry in runtime] == ["port_available"]


def test_check_runtime_fails_when_the_port_is_taken(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]
        path = tmp_path / "ucdhcp.toml"
        path.write_text(
            f'[server]\naddress = "127.0.0.1"\nport = {port}\n'
            '[[sites]]\nname = "hq"\nsip_servers = ["pool01.contoso.com"]\n',
            encoding="utf-8",
        )
        result = run("check", "--runtime", "-c", str(path))
    assert result.returncode == 1
    assert f"error: UDP 127.0.0.1:{port} is already in use" in result.stdout
