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
    "promtool": "prometheus",  # its service is never started
    "shellcheck": "shellcheck",
}
SBIN = ("/usr/local/sbin", "/usr/sbin", "/sbin")  # root's PATH may lack them


def tool(name: str) -> str:
    """The absolute path of a third-party program; fails (never skips) when it is missing:
    CI installs them all, and a test that silently skipped would prove nothing."""
    found = shutil.which(name) or shutil.which(name, path=os.pathsep.join(SBIN))
    if found is None:
        pytest.fail(f"{name} not installed: apt-get install {PACKAGES.get(name, name)}")
    return found


def tool_or_skip(name: str) -> str:
    """tool(name) for a test that needs no namespaces: as root a missing program is a broken
    set-up (scripts/test installs it) and fails; as another user the test is skipped."""
    if os.geteuid() != 0 and shutil.which(name) is None:
        pytest.skip(f"{name} not installed (Debian package {PACKAGES[name]})")
    return tool(name)


def path_with_sbin() -> str:
    """PATH with the sbin directories after it: for programs that run others by name."""
    return os.pathsep.join((os.environ.get("PATH", ""), *SBIN))
