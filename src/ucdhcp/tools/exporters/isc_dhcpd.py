"""ISC dhcpd (4.x): option 120 gets a definition (dhcpd has none), both options are given as
raw bytes inside a condition on option 60, per subnet; the default site's values sit at the
top level, where subnets without their own values inherit them."""

from .plan import ExportPlan, header

TITLE = "ISC dhcpd configuration (dhcpd.conf; check with dhcpd -t -cf FILE)"
SIP_OPTION = "ucdhcp-sip-servers"


def colon_hex(data: bytes) -> str:
    return data.hex(":")


def vendor_class_test(plan: ExportPlan) -> str:
    tests = []
    for name in plan.vendor_classes:
        if plan.prefix_match:
            tests.append(
                f"substring(option vendor-class-identifier, 0, {len(name)}) = {colon_hex(name)}"
            )
        else:
            # A trailing NUL is tolerated, as ucdhcp does (RFC 2132 §2; docs/protocol.md §6).
            tests.append(f"option vendor-class-identifier = {colon_hex(name)}")
            with_nul = colon_hex(name + b"\x00")
            tests.append(f"option vendor-class-identifier = {with_nul}")
    return " or ".join(tests)


def _options_block(plan: ExportPlan, option_120: bytes, option_43: bytes, indent: str) -> list[str]:
    return [
        f"{indent}if {vendor_class_test(plan)} {{",
        f"{indent}  option {SIP_OPTION} {colon_hex(option_120)};",
        f"{indent}  option vendor-encapsulated-options {colon_hex(option_43)};",
        f"{indent}}}",
    ]


def render(plan: ExportPlan) -> str:
    plan.check_lengths("ISC dhcpd")
    lines = [*header(plan, "#", TITLE, needs_subnets=False)]
    if plan.shared:
        lines.append(
            "# Shared server: merge each `if` block into your existing subnet declaration."
        )
    lines.append(f"option {SIP_OPTION} code 120 = string;")
    for site in plan.answered_sites():
        if site.default:
            lines.append(f"# site {site.name} (default site): clients of any other subnet")
            lines += _options_block(plan, site.option_120, site.option_43, "")
    for site in plan.answered_sites():
        for network in site.subnets:
            lines.append(f"# site {site.name}")
            lines.append(f"subnet {network.network_address} netmask {network.netmask} {{")
            if not plan.shared:
                lines.append(
                    "  authoritative;  # dhcpd answers INFORM only in authoritative subnets"
                )
            lines += _options_block(plan, site.option_120, site.option_43, "  ")
            lines.append("}")
    return "\n".join(lines) + "\n"
