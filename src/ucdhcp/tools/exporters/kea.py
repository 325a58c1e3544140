"""Kea DHCPv4 (2.2): a Dhcp4 configuration that answers MS-UC-Client INFORMs with ucdhcp's bytes.

Kea has no definition for option 120 and encapsulates option 43 from sub-option spaces, which
ships an empty 43 when nothing matches (protocol.md §3). So 120 gets a binary definition and
43 a class-local binary one, and both carry raw bytes. Each site is a class that its subnets
require, so per-site values reach only MS-UC-Client clients of those subnets; a DROP class
silences every other client unless the server is shared.
"""

import json

from .plan import ExportPlan, header

TITLE = "Kea DHCPv4 configuration (merge into your Dhcp4; check with kea-dhcp4 -t FILE)"
SIP_OPTION = "ucdhcp-sip-servers"
VENDOR_OPTION = "vendor-encapsulated-options"


def vendor_class_test(plan: ExportPlan) -> str:
    tests = []
    for name in plan.vendor_classes:
        literal = "0x" + name.hex().upper()
        if plan.prefix_match:
            tests.append(f"substring(option[60].hex,0,{len(name)}) == {literal}")
        else:
            # A trailing NUL is tolerated, as ucdhcp does (RFC 2132 §2; docs/protocol.md §6).
            tests.append(f"option[60].hex == {literal}")
            tests.append(f"option[60].hex == {literal}00")
    return " or ".join(tests)


def class_name(site_name: str) -> str:
    return f"ucdhcp-{site_name}"


def render(plan: ExportPlan) -> str:
    plan.check_lengths("Kea")
    sites = plan.subnet_sites("Kea")
    test = vendor_class_test(plan)
    classes: list[dict[str, object]] = []
    if not plan.shared:
        classes.append({"name": "DROP", "test": f"not ({test})"})
    for site in sites:
        classes.append(
            {
                "name": class_name(site.name),
                "test": test,
                "only-if-required": True,
                "option-def": [{"name": VENDOR_OPTION, "code": 43, "type": "binary"}],
                "option-data": [
                    _raw(SIP_OPTION, 120, site.option_120),
                    _raw(VENDOR_OPTION, 43, site.option_43),
                ],
            }
        )
    subnets = [
        {
            "id": _subnet_id(sites.index(site), index),
            "subnet": str(network),
            "require-client-classes": [class_name(site.name)],
        }
        for site in sites
        for index, network in enumerate(site.subnets)
    ]
    dhcp4: dict[str, object] = {
        "interfaces-config": {"interfaces": list(plan.interfaces) or ["*"]},
    }
    if not plan.shared:  # an options-only server keeps no leases
        dhcp4["lease-database"] = {"type": "memfile", "persist": False}
    dhcp4 |= {
        "option-def": [{"name": SIP_OPTION, "code": 120, "type": "binary", "space": "dhcp4"}],
        "client-classes": classes,
        "subnet4": subnets,
    }
    comments = header(plan, "//", TITLE, needs_subnets=True)
    return "\n".join(comments) + "\n" + json.dumps({"Dhcp4": dhcp4}, indent=2) + "\n"


def _raw(name: str, code: int, data: bytes) -> dict[str, object]:
    return {"name": name, "code": code, "csv-format": False, "data": data.hex().upper()}


def _subnet_id(site_index: int, subnet_index: int) -> int:
    return (site_index + 1) * 1000 + subnet_index + 1
