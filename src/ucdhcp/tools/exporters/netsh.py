"""Windows DHCP server through `netsh dhcp server`: the DHCPConfigScript.bat equivalent, with
its cleanup. Windows sends a vendor class's options as option 43 sub-options in code order,
which is DHCPUtil's 1..5 layout; option 120 is a Binary option."""

from ...wire.options import decode_suboptions
from ...wire.vendor import MS_UC_CLIENT_SUBOPTIONS, SUBOPTION_NAMES
from .plan import ExportPlan, header, vendor_class_texts

TITLE = "Windows DHCP server, netsh commands (run as an administrator on the DHCP server)"
# (code, name, comment) of each vendor option, as DHCPConfigScript.bat defines them
SUBOPTION_DEFINITIONS = tuple(
    (int(code), SUBOPTION_NAMES[code].windows, SUBOPTION_NAMES[code].comment)
    for code in MS_UC_CLIENT_SUBOPTIONS
)


def class_names(plan: ExportPlan) -> list[tuple[str, str]]:
    """(Windows class name, option 60 text) for each vendor class served."""
    texts = vendor_class_texts(plan)
    return [(f"MSUCClient{index + 1 if index else ''}", text) for index, text in enumerate(texts)]


def render(plan: ExportPlan) -> str:
    plan.check_lengths("netsh")
    classes = class_names(plan)
    lines = ["@echo off", *header(plan, "rem", TITLE, needs_subnets=False)]
    lines.append('rem Usage: this-script.cmd [Cleanup]   ("Cleanup" only removes what it adds)')
    lines.append("netsh dhcp server delete optionvalue 120")
    for site in plan.answered_sites():
        lines += [
            f"netsh dhcp server scope {net.network_address} delete optionvalue 120"
            for net in site.subnets
        ]
    lines.append("netsh dhcp server delete optiondef 120")
    lines += [f"netsh dhcp server delete class {name}" for name, _ in classes]
    lines.append('if /i "%~1" == "Cleanup" goto :EOF')
    lines.append(
        'netsh dhcp server add optiondef 120 UCSipServer Binary 0 comment="Sip Server Fqdn"'
    )
    for name, text in classes:
        lines.append(f'netsh dhcp server add class {name} "UC Vendor Class Id" "{text}" 1')
        lines += [
            f"netsh dhcp server add optiondef {code} {option} Binary 0 vendor={name}"
            f' comment="{comment}"'
            for code, option, comment in SUBOPTION_DEFINITIONS
        ]
    for site in plan.answered_sites():
        # The comment names the scope's subnet: a scope is named by its address only, and
        # `ucdhcp import` reads the mask back from here.
        targets = ([("netsh dhcp server", "")] if site.default else []) + [
            (f"netsh dhcp server scope {net.network_address}", f" subnet {net}")
            for net in site.subnets
        ]
        for target, subnet in targets:
            lines.append(f"rem site {site.name}{subnet}")
            lines.append(f"{target} set optionvalue 120 Binary {site.option_120.hex().upper()}")
            for name, _ in classes:
                lines += [
                    f"{target} set optionvalue {code} Binary vendor={name} {value.hex().upper()}"
                    for code, value in decode_suboptions(site.option_43).items
                ]
    return "\r\n".join(lines) + "\r\n"
