"""Windows DHCP server through the DhcpServer PowerShell module (Windows Server 2012 and later):
the same definitions and values as the netsh export, with a -Cleanup switch."""

from ...wire.options import decode_suboptions
from .netsh import SUBOPTION_DEFINITIONS, class_names
from .plan import ExportPlan, header

TITLE = "Windows DHCP server, DhcpServer PowerShell cmdlets (run elevated on the DHCP server)"


def byte_list(data: bytes) -> str:
    """BinaryData option values are given to -Value as a list of bytes."""
    return ",".join(f"0x{byte:02X}" for byte in data)


def render(plan: ExportPlan) -> str:
    plan.check_lengths("the Windows DHCP server")
    classes = class_names(plan)
    quiet = "-ErrorAction SilentlyContinue"
    lines = [
        *header(plan, "#", TITLE, needs_subnets=False),
        "# Usage: .\\this-script.ps1 [-Cleanup]   (-Cleanup only removes what it adds)",
        "param([switch]$Cleanup)",
        "$ErrorActionPreference = 'Stop'",
        f"Remove-DhcpServerv4OptionValue -OptionId 120 {quiet}",
    ]
    for site in plan.answered_sites():
        lines += [
            f"Remove-DhcpServerv4OptionValue -ScopeId {net.network_address} -OptionId 120 {quiet}"
            for net in site.subnets
        ]
    lines.append(f"Remove-DhcpServerv4OptionDefinition -OptionId 120 {quiet}")
    lines += [f"Remove-DhcpServerv4Class -Name {name} {quiet}" for name, _ in classes]
    lines.append("if ($Cleanup) { return }")
    lines.append(
        "Add-DhcpServerv4OptionDefinition -OptionId 120 -Name UCSipServer -Type BinaryData"
        " -Description 'Sip Server Fqdn'"
    )
    for name, text in classes:
        lines.append(
            f"Add-DhcpServerv4Class -Name {name} -Type Vendor -Data '{text}'"
            " -Description 'UC Vendor Class Id'"
        )
        lines += [
            f"Add-DhcpServerv4OptionDefinition -VendorClass {name} -OptionId {code}"
            f" -Name {option} -Type BinaryData -Description '{comment}'"
            for code, option, comment in SUBOPTION_DEFINITIONS
        ]
    for site in plan.answered_sites():
        scopes = ([("", "")] if site.default else []) + [
            (f" -ScopeId {net.network_address}", f" subnet {net}") for net in site.subnets
        ]
        for scope, subnet in scopes:  # the subnet comment is for `ucdhcp import` (netsh.py)
            lines.append(f"# site {site.name}{subnet}")
            lines.append(
                f"Set-DhcpServerv4OptionValue{scope} -OptionId 120"
                f" -Value {byte_list(site.option_120)}"
            )
            for name, _ in classes:
                lines += [
                    f"Set-DhcpServerv4OptionValue{scope} -VendorClass {name} -OptionId {code}"
                    f" -Value {byte_list(value)}"
                    for code, value in decode_suboptions(site.option_43).items
                ]
    return "\n".join(lines) + "\n"
