"""`ucdhcp import`: read another DHCP server's configuration (Windows Export-DhcpServer XML,
netsh or PowerShell, DHCPUtil's output, ISC dhcpd, Kea, dnsmasq, Cisco IOS) and write the
ucdhcp config that sends the same options, with a report of everything seen but not carried.
Nothing in the input is executed or fetched.

Exit codes: 0 everything carried, 1 partial (see the report), 2 unreadable input.
"""

import argparse
import json
import sys
from pathlib import Path

from ..tools.importers import FORMATS, ConfigResult, UnreadableInputError, import_text
from . import EXIT_CONFIG, EXIT_OK, EXIT_RUNTIME


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = commands.add_parser(
        "import",
        help="write a ucdhcp config from another DHCP server's (netsh, PowerShell, dhcpd, ...)",
        description="Read the option 120 and 43 values another DHCP server sends to Lync"
        " phones (Windows Export-DhcpServer XML, netsh, PowerShell, DHCPUtil's output and"
        " script calls, ISC dhcpd, Kea, dnsmasq, Cisco IOS) and write the ucdhcp config that"
        " sends the same, with a report of what could not be carried. Exit 0 when everything"
        " was carried, 1 when some was not, 2 when the input cannot be read.",
    )
    parser.add_argument("file", type=Path, metavar="FILE", help="the configuration ('-': stdin)")
    parser.add_argument(
        "-f",
        "--format",
        choices=sorted(FORMATS),
        metavar="FORMAT",
        help="the input's format (default: recognised from the content): "
        + ", ".join(sorted(FORMATS)),
    )
    parser.add_argument("-o", "--output", type=Path, metavar="OUT", help="write the config here")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    source = "stdin" if str(args.file) == "-" else str(args.file)
    try:
        text = _read(args.file)
        result = import_text(text, args.format)
    except (OSError, UnicodeDecodeError) as error:
        return _unreadable(f"{source}: cannot read: {error}")
    except UnreadableInputError as error:
        return _unreadable(f"{source}: {error}")
    if result.document is None:
        for finding in result.imported.findings:
            print(f"ucdhcp import: {finding}", file=sys.stderr)
        return _unreadable(f"{source}: no site with option 120 or 43 to carry")
    config = result.toml(source)
    if args.output is not None:
        args.output.write_text(config, encoding="utf-8")
    if args.json:
        print(json.dumps(describe(result, config), indent=2))
    else:
        if args.output is None:
            sys.stdout.write(config)
        for line in summary(result):
            print(f"ucdhcp import: {line}", file=sys.stderr)
    return EXIT_RUNTIME if result.imported.partial else EXIT_OK


def _read(path: Path) -> str:
    data = sys.stdin.buffer.read() if str(path) == "-" else path.read_bytes()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Windows writes UTF-16 with a BOM
        return data.decode("utf-16")
    if data.startswith(b"<\x00"):  # UTF-16 XML without one
        return data.decode("utf-16-le")
    if data.startswith(b"\x00<"):
        return data.decode("utf-16-be")
    return data.decode("utf-8-sig")


def _unreadable(message: str) -> int:
    print(f"ucdhcp import: {message}", file=sys.stderr)
    return EXIT_CONFIG


def summary(result: ConfigResult) -> list[str]:
    imported = result.imported
    lines = [
        f"{imported.format}: {len(imported.sites)} site{'s' if len(imported.sites) != 1 else ''}"
        f" ({', '.join(site.name for site in imported.sites)})"
    ]
    lines += [str(finding) for finding in imported.findings]
    lines += [str(lint) for site in imported.sites for lint in site.lints]
    lines.append("partial: see the findings above" if imported.partial else "everything carried")
    return lines


def describe(result: ConfigResult, config: str) -> dict[str, object]:
    imported = result.imported
    return {
        "format": imported.format,
        "partial": imported.partial,
        "sites": [
            {
                "name": site.name,
                "default": site.default,
                "subnets": [str(subnet) for subnet in site.subnets],
                "sip_servers": list(site.sip_servers),
                "url": site.provisioning.url,
                "ntp_servers": list(site.ntp_servers),
                "vlan_id": site.vlan_id,
                "option_120": site.option_120.hex().upper(),
                "option_43": None if site.option_43 is None else site.option_43.hex().upper(),
                "lints": [lint.as_dict() for lint in site.lints],
            }
            for site in imported.sites
        ],
        "findings": [finding.as_dict() for finding in imported.findings],
        "config": config,
    }
