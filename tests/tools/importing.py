"""The option values the `ucdhcp import` tests write into other servers' formats: DHCPUtil's
for pool01.contoso.com (docs/protocol.md §2, §3), and a two-name option 120."""

from ucdhcp.wire.options import encode_sip_servers, encode_suboptions

POOL_120 = encode_sip_servers(["pool01.contoso.com"]).hex().upper()
TWO_120 = encode_sip_servers(["pool01.contoso.com", "pool02.contoso.com"]).hex().upper()
SUBOPTIONS = {  # DHCPUtil's values for pool01.contoso.com (protocol.md §3)
    1: b"MS-UC-Client",
    2: b"https",
    3: b"pool01.contoso.com",
    4: b"443",
    5: b"/CertProv/CertProvisioningService.svc",
}
POOL_43 = encode_suboptions(sorted(SUBOPTIONS.items()))
