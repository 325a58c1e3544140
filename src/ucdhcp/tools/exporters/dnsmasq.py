"""dnsmasq: raw option bytes through dhcp-option-force, never `vendor:` options.

dnsmasq's own option 43 encoding reverses the sub-options, adds an END byte and turns an
unquoted 443 into a 2-byte integer (protocol.md §3); raw hex cannot be reordered. dnsmasq
ignores INFORM outside a dhcp-range, so each subnet gets a `static` range (no leases).
"""

from .plan import ExportPlan, header

TITLE = "dnsmasq configuration (conf-file; check with dnsmasq --test -C FILE)"
PHONE_TAG = "ucdhcp-phone"


def site_tag(site_name: str) -> str:
    return f"ucdhcp-{site_name}"


def vendor_class_lines(plan: ExportPlan) -> list[str]:
    """Tag MS-UC-Client phones. dhcp-match compares a prefix of option 60, so an exact match
    is a prefix match minus "prefix plus any byte" (`*`); one trailing NUL is allowed, as
    ucdhcp trims it (protocol.md §6)."""
    lines = []
    for index, name in enumerate(plan.vendor_classes):
        if plan.prefix_match:
            lines.append(f"dhcp-match=set:{PHONE_TAG},60,{name.hex(':')}")
            continue
        tag = f"ucdhcp-class{index}"
        for suffix, value in (("", name), ("-nul", name + b"\x00")):
            lines += [
                f"dhcp-match=set:{tag}{suffix},60,{value.hex(':')}",
                f"dhcp-match=set:{tag}{suffix}-longer,60,{value.hex(':')}:*",
                f"tag-if=set:{PHONE_TAG},tag:{tag}{suffix},tag:!{tag}{suffix}-longer",
            ]
    return lines


def render(plan: ExportPlan) -> str:
    plan.check_lengths("dnsmasq")
    sites = plan.subnet_sites("dnsmasq")
    lines = header(plan, "#", TITLE, needs_subnets=True)
    if not plan.shared:
        lines += ["port=0  # DHCP only, no DNS"]
    lines += [f"interface={interface}" for interface in plan.interfaces]
    lines += vendor_class_lines(plan)
    if not plan.shared:
        lines.append(f"dhcp-ignore=tag:!{PHONE_TAG}  # silent for every other client, like ucdhcp")
    for site in sites:
        tag = site_tag(site.name)
        lines.append(f"# site {site.name}")
        lines += [
            f"dhcp-range=set:{tag},{network.network_address},static,{network.netmask}"
            for network in site.subnets
        ]
        for code, data in ((120, site.option_120), (43, site.option_43)):
            lines.append(f"dhcp-option-force=tag:{PHONE_TAG},tag:{tag},{code},{data.hex(':')}")
    return "\n".join(lines) + "\n"
