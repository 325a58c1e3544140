"""What an export covers: the sites to write, the vendor classes to match, and whether the
target server does nothing else (then other clients are silenced, as ucdhcp is silent)."""

from dataclasses import dataclass

from ...core.policy import VendorClassMatch
from ...wire.options import MAX_OPTION_DATA
from ..deployment import Deployment, SiteValues


class ExportError(Exception):
    """The deployment cannot be written in this format; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class ExportPlan:
    deployment: Deployment
    shared: bool = False  # the server also leases addresses: leave other clients alone
    interfaces: tuple[str, ...] = ()  # where the server listens (Kea, dnsmasq)

    @property
    def vendor_classes(self) -> tuple[bytes, ...]:
        return self.deployment.vendor_classes

    @property
    def prefix_match(self) -> bool:
        return self.deployment.vendor_class_match is VendorClassMatch.PREFIX

    def answered_sites(self) -> list[SiteValues]:
        """Sites ucdhcp can answer with: those with subnets, and the default site."""
        return [site for site in self.deployment.sites if site.subnets or site.default]

    def subnet_sites(self, format_name: str) -> list[SiteValues]:
        """Sites with subnets, for servers that answer INFORM only in configured subnets.

        Raises:
            ExportError: no site has subnets.
        """
        sites = [site for site in self.deployment.sites if site.subnets]
        if not sites:
            raise ExportError(
                f"{format_name} answers DHCPINFORM only for clients in configured subnets:"
                " give --subnet NET (or subnets in the config's sites)"
            )
        return sites

    def check_lengths(self, format_name: str) -> None:
        """Raises ExportError for an option over 255 bytes (ucdhcp splits it; peers do not)."""
        for site in self.deployment.sites:
            for code, data in ((120, site.option_120), (43, site.option_43)):
                # longer than one TLV: RFC 3396 splitting, which the targets lack
                if len(data) > MAX_OPTION_DATA:
                    raise ExportError(
                        f"site {site.name}: option {code} is {len(data)} bytes; {format_name}"
                        f" cannot send an option longer than {MAX_OPTION_DATA} bytes (shorten the"
                        " FQDNs or use ucdhcp)"
                    )

    def warnings(self, needs_subnets: bool) -> list[str]:
        """What the export leaves out, for stderr and for comments in the output."""
        found = []
        for site in self.deployment.sites:
            if not site.subnets and not site.default:
                found.append(
                    f"site {site.name} has no subnets and is not the default site: skipped"
                )
            elif not site.subnets and needs_subnets:
                found.append(
                    f"default site {site.name} has no subnets: this server cannot answer"
                    " clients outside configured subnets, so it is not exported"
                )
            for code, what in site.other_options:
                found.append(
                    f"site {site.name}: option {code} ({what}) is not exported; configure it"
                    " as a standard option on this server"
                )
        if self.prefix_match:
            found.append(
                "vendor_class_match = 'prefix': formats that cannot match a prefix match exactly"
            )
        return found


def header(plan: ExportPlan, comment: str, title: str, needs_subnets: bool) -> list[str]:
    """Comment lines opening every export: what it is, the bytes per site, what was left out."""
    lines = [
        f"{comment} ucdhcp export: {title}",
        f"{comment} Option bytes are exactly those `ucdhcp serve` sends; verify a running server"
        " with `ucdhcp probe`.",
    ]
    for site in plan.answered_sites():
        lines += [
            f"{comment} site {site.name}: option 120 {site.option_120.hex().upper()}",
            f"{comment} site {site.name}: option 43  {site.option_43.hex().upper()}",
        ]
    lines += [f"{comment} warning: {warning}" for warning in plan.warnings(needs_subnets)]
    return lines


def vendor_class_texts(plan: ExportPlan) -> list[str]:
    """The option 60 values as text, for formats that quote them."""
    return [name.decode("latin-1") for name in plan.vendor_classes]
