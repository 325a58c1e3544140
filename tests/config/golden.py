"""DHCPUtil golden vectors from protocol.md §2-§3, as option data (no code/length bytes)."""

# pool01.contoso.com as option 120 data (21 bytes):
OPTION_120_POOL01 = bytes.fromhex(
    "00"  # encoding 0: DNS names (RFC 3361 §3.1)
    "06706F6F6C3031"  # 6 "pool01"
    "07636F6E746F736F"  # 7 "contoso"
    "03636F6D"  # 3 "com"
    "00"  # root label
)

# MS-UC-Client option 43 data for web server pool01.contoso.com (85 bytes):
OPTION_43_POOL01 = bytes.fromhex(
    "010C4D532D55432D436C69656E74"  # 1 UCIdentifier "MS-UC-Client"
    "02056874747073"  # 2 URLScheme "https"
    "0312706F6F6C30312E636F6E746F736F2E636F6D"  # 3 WebServerFqdn "pool01.contoso.com"
    "0403343433"  # 4 WebServerPort "443" in ASCII
    "05252F4365727450726F762F4365727450726F766973696F6E696E67536572766963652E737663"
    # 5 CertProvRelPath "/CertProv/CertProvisioningService.svc"
)


def option_43(web_server: str, *, scheme: str = "https", port: str = "443", path: str) -> bytes:
    """MS-UC-Client option 43 data built field by field, independently of ucdhcp."""
    fields = (b"MS-UC-Client", scheme.encode(), web_server.encode(), port.encode(), path.encode())
    return b"".join(bytes((code, len(value))) + value for code, value in enumerate(fields, 1))


def tlv(code: int, data: bytes) -> bytes:
    return bytes((code, len(data))) + data


# server.fqdn.company.com, real DHCPUtil output: option 120 data and option 43 data (90 bytes).
OPTION_120_SERVER_FQDN = bytes.fromhex(
    "00"  # encoding 0
    "06736572766572"  # 6 "server"
    "046671646E"  # 4 "fqdn"
    "07636F6D70616E79"  # 7 "company"
    "03636F6D"  # 3 "com"
    "00"  # root label
)
OPTION_43_SERVER_FQDN = bytes.fromhex(
    "010C4D532D55432D436C69656E74"  # 1 "MS-UC-Client"
    "02056874747073"  # 2 "https"
    "03177365727665722E6671646E2E636F6D70616E792E636F6D"  # 3 "server.fqdn.company.com"
    "0403343433"  # 4 "443"
    "05252F4365727450726F762F4365727450726F766973696F6E696E67536572766963652E737663"  # 5 path
)

# example.com: option 43 data (78 bytes) and option 120 data with the trailing root label.
OPTION_43_EXAMPLE_COM = bytes.fromhex(
    "010C4D532D55432D436C69656E74"  # 1 "MS-UC-Client"
    "02056874747073"  # 2 "https"
    "030B6578616D706C652E636F6D"  # 3 "example.com"
    "0403343433"  # 4 "443"
    "05252F4365727450726F762F4365727450726F766973696F6E696E67536572766963652E737663"  # 5 path
)
OPTION_120_EXAMPLE_COM = bytes.fromhex(
    "00 07 6578616D706C65 03 636F6D 00"
)  # enc 0 | example | com | root
