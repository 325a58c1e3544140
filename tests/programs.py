"""The third-party programs tests run, found where Debian installs them: the one place a test
looks a program up, and the Debian package scripts/test installs each from."""

import os
import shutil

import pytest

PACKAGES = {  # program -> the Debian package scripts/test installs it from
    "dhcrelay": "isc-dhcp-relay",
    "dhcpd": "isc-dhcp-server",
    "kea-dhcp4": "kea-dhcp4-server",
    "tshark": "tshark",
    "nmap": "nmap",
    "dnsmasq": "dnsmasq-base",
    "udhcpc": "udhcpc",
    "dhcpcd": "dhcpcd-base",
    "openssl": "openssl",
    "chronyd": "chrony",
    "ethtool": "ethtool",
}
SBIN = ("/usr/local/sbin", "/usr/sbin", "/sbin")  # root's PATH may lack them


def tool(name: str) -> str:
    """The absolute path of a third-party program; fails (never skips) when it is missing:
    CI installs them all, and a test that silently skipped would prove nothing."""
    found = shutil.which(name) or shutil.which(name, path=os.pathsep.join(SBIN))
    if found is None:
        pytest.fail(f"{name} not installed: apt-get install {PACKAGES.get(name, name)}")
    return found


def path_with_sbin() -> str:
    """PATH with the sbin directories after it: for programs that run others by name."""
    return os.pathsep.join((os.environ.get("PATH", ""), *SBIN))
