"""The `options` report: what Microsoft's DHCPUtil prints for a pool, line for line, then the
whole option 43, the lengths and lint findings; and the same as a JSON-ready dict.
"""

from ..wire.options import MAX_OPTION_DATA, OptionCode, SipServerEncoding, decode_suboptions
from ..wire.vendor import SUBOPTION_NAMES
from .deployment import COMMAND_LINE_SITE, Deployment, SiteValues
from .lint import Lint, Severity, lint_cert_provisioning, lint_domains, lint_option_43_length


def lint_site(site: SiteValues, sip_domain: str | None = None) -> list[Lint]:
    """Everything worth warning about in the values a site sends."""
    provisioning = site.cert_provisioning
    found = lint_cert_provisioning(provisioning)
    found += lint_option_43_length(site.option_43)
    if site.sip_server_encoding is SipServerEncoding.FQDN:
        found += lint_domains(site.sip_servers, provisioning.web_server, sip_domain)
    else:
        found.append(
            Lint(
                Severity.ERROR,
                "sip_server_addresses",
                "option 120 carries addresses (encoding 1): Lync phones need an FQDN for TLS",
            )
        )
    for code, data in (
        (OptionCode.SIP_SERVERS, site.option_120),
        (OptionCode.VENDOR_SPECIFIC, site.option_43),
    ):
        if len(data) > MAX_OPTION_DATA:
            found.append(
                Lint(
                    Severity.WARNING,
                    "split_option",
                    f"option {code} is {len(data)} bytes: it is sent as several instances"
                    " (RFC 3396), which some phones and most DHCP servers do not handle",
                )
            )
    return found


def render_report(deployment: Deployment, sip_domain: str | None = None) -> str:
    blocks = [_render_site(site, deployment, sip_domain) for site in deployment.sites]
    return "\n\n".join(blocks)


def _render_site(site: SiteValues, deployment: Deployment, sip_domain: str | None) -> str:
    lines = []
    if site.name != COMMAND_LINE_SITE:
        lines.append(f"Site: {site.name}{' (default site)' if site.default else ''}")
    fqdn = site.sip_server_encoding is SipServerEncoding.FQDN
    label = "Sip Server FQDN" if fqdn else "Sip Server Address"
    lines += [
        f"{label}: {', '.join(site.sip_servers)}",
        f"Certificate Provisioning Service URL: {site.cert_provisioning.url}",
        f"Option 120: {site.option_120.hex().upper()}",
        f"Vendor Class Identifier: {_vendor_classes(deployment)}",
        f"Option 43 (for vendor={_vendor_classes(deployment)}):",
    ]
    for code, value in decode_suboptions(site.option_43).items:
        name = _display_name(code, f"sub-option {code}")
        lines.append(f"Sub-Option {code} <{name}>: {value.hex().upper()}")
    lines += [
        f"Option 43: {site.option_43.hex().upper()}",
        f"Lengths: option 120 {len(site.option_120)} bytes, option 43 {len(site.option_43)} bytes",
    ]
    lines += [str(lint) for lint in lint_site(site, sip_domain)]
    return "\n".join(lines)


def describe_report(deployment: Deployment, sip_domain: str | None = None) -> dict[str, object]:
    return {
        "vendor_classes": [name.decode("latin-1") for name in deployment.vendor_classes],
        "sites": [_describe_site(site, sip_domain) for site in deployment.sites],
    }


def _describe_site(site: SiteValues, sip_domain: str | None) -> dict[str, object]:
    provisioning = site.cert_provisioning
    return {
        "site": site.name,
        "default": site.default,
        "subnets": [str(subnet) for subnet in site.subnets],
        "sip_servers": list(site.sip_servers),
        "sip_server_encoding": str(site.sip_server_encoding),
        "web_server": provisioning.web_server,
        "scheme": provisioning.scheme,
        "port": provisioning.port,
        "path": provisioning.path,
        "url": provisioning.url,
        "option_120": {"hex": site.option_120.hex().upper(), "length": len(site.option_120)},
        "option_43": {
            "hex": site.option_43.hex().upper(),
            "length": len(site.option_43),
            "suboptions": [
                {
                    "code": code,
                    "name": _display_name(code, ""),
                    "hex": value.hex().upper(),
                    "text": value.decode("latin-1"),
                }
                for code, value in decode_suboptions(site.option_43).items
            ],
        },
        "lints": [lint.as_dict() for lint in lint_site(site, sip_domain)],
    }


def _vendor_classes(deployment: Deployment) -> str:
    return ", ".join(name.decode("latin-1") for name in deployment.vendor_classes)


def _display_name(code: int, unknown: str) -> str:
    known = SUBOPTION_NAMES.get(code)
    return unknown if known is None else known.display
