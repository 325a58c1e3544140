"""Read option bytes back out of each export format, independently of ucdhcp's exporters.

Each reader returns {scope: (option 120 data, option 43 data)}, where scope is a subnet
("10.1.2.0/24"), or "server" for values that apply outside every listed subnet. Option 43 is
rebuilt the way the target server builds it.
"""

import ipaddress
import json
import re


def _net(address: str, mask: str) -> str:
    return str(ipaddress.IPv4Network(f"{address}/{mask}"))


def _windows(
    values: dict[str | None, dict[int, bytes]], vendor: dict[str | None, dict[int, bytes]]
):
    # Windows sends the vendor class's options as option 43 sub-options in code order.
    return {
        scope: (
            options[120],
            b"".join(
                bytes((code, len(data))) + data for code, data in sorted(vendor[scope].items())
            ),
        )
        for scope, options in values.items()
    }


def read_netsh(text: str) -> dict[str | None, tuple[bytes, bytes]]:
    """Scopes are keyed by their network address ("10.1.2.0"), server-wide values by None."""
    values: dict[str | None, dict[int, bytes]] = {}
    vendor: dict[str | None, dict[int, bytes]] = {}
    pattern = re.compile(
        r"^netsh dhcp server (?:scope (\S+) )?set optionvalue (\d+) Binary"
        r" (?:vendor=MSUCClient )?([0-9A-F]+)$"
    )
    for line in text.splitlines():
        match = pattern.match(line)
        if match:
            scope, code, data = match.group(1), int(match.group(2)), bytes.fromhex(match.group(3))
            target = vendor if "vendor=" in line else values
            target.setdefault(scope, {})[code] = data
    return _windows(values, vendor)


def read_powershell(text: str) -> dict[str | None, tuple[bytes, bytes]]:
    values: dict[str | None, dict[int, bytes]] = {}
    vendor: dict[str | None, dict[int, bytes]] = {}
    pattern = re.compile(
        r"^Set-DhcpServerv4OptionValue(?: -ScopeId (\S+))?(?: -VendorClass MSUCClient)?"
        r" -OptionId (\d+) -Value ((?:0x[0-9A-F]{2},?)+)$"
    )
    for line in text.splitlines():
        match = pattern.match(line)
        if match:
            scope, code = match.group(1), int(match.group(2))
            data = bytes(int(byte, 16) for byte in match.group(3).split(","))
            target = vendor if "-VendorClass" in line else values
            target.setdefault(scope, {})[code] = data
    return _windows(values, vendor)


def read_isc_dhcpd(text: str) -> dict[str, tuple[bytes, bytes]]:
    scope = "server"
    found: dict[str, dict[str, bytes]] = {}
    for raw in text.splitlines():
        line = raw.strip()
        subnet = re.match(r"^subnet (\S+) netmask (\S+) \{$", line)
        if subnet:
            scope = _net(subnet.group(1), subnet.group(2))
        option = re.match(
            r"^option (ucdhcp-sip-servers|vendor-encapsulated-options) ([0-9a-f:]+);$", line
        )
        if option:
            found.setdefault(scope, {})[option.group(1)] = bytes.fromhex(
                option.group(2).replace(":", "")
            )
    return {
        scope: (options["ucdhcp-sip-servers"], options["vendor-encapsulated-options"])
        for scope, options in found.items()
    }


def read_kea(text: str) -> dict[str, tuple[bytes, bytes]]:
    document = json.loads(
        "\n".join(line for line in text.splitlines() if not line.startswith("//"))
    )
    dhcp4 = document["Dhcp4"]
    classes = {entry["name"]: entry for entry in dhcp4["client-classes"]}
    found = {}
    for subnet in dhcp4["subnet4"]:
        (required,) = subnet["require-client-classes"]
        data = {
            option["code"]: bytes.fromhex(option["data"])
            for option in classes[required]["option-data"]
        }
        assert all(option["csv-format"] is False for option in classes[required]["option-data"])
        found[subnet["subnet"]] = (data[120], data[43])
    return found


def read_dnsmasq(text: str) -> dict[str, tuple[bytes, bytes]]:
    networks: dict[str, list[str]] = {}
    options: dict[str, dict[int, bytes]] = {}
    for raw in text.splitlines():
        line = raw.split("#")[0].strip()
        if line.startswith("dhcp-range="):
            tag, address, _, mask = line.removeprefix("dhcp-range=set:").split(",")
            networks.setdefault(tag, []).append(_net(address, mask))
        if line.startswith("dhcp-option-force="):
            _, tag, code, data = line.removeprefix("dhcp-option-force=").split(",")
            options.setdefault(tag.removeprefix("tag:"), {})[int(code)] = bytes.fromhex(
                data.replace(":", "")
            )
    return {
        net: (options[tag][120], options[tag][43]) for tag, nets in networks.items() for net in nets
    }


def read_cisco_ios(text: str) -> dict[str, tuple[bytes, bytes]]:
    found: dict[str, dict[int, bytes]] = {}
    scope = ""
    for line in text.splitlines():
        network = re.match(r"^ network (\S+) (\S+)$", line)
        if network:
            scope = _net(network.group(1), network.group(2))
        option = re.match(r"^ option (\d+) hex (.+)$", line)
        if option:
            strings = option.group(2).split(" ")
            # IOS keeps 180 hex characters of a string: none may be longer.
            assert all(len(string) <= 180 for string in strings), strings
            found.setdefault(scope, {})[int(option.group(1))] = bytes.fromhex("".join(strings))
    return {scope: (options[120], options[43]) for scope, options in found.items()}
