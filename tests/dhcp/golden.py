"""Golden vectors from protocol.md §2, §3 and §7, with a comment per field. Every test that needs
one imports it from here; tests/unit/test_golden.py checks them against the published hex."""

# --- protocol.md §2: option 120 data (RFC 3361 §3.1), no code/length bytes -------------------

# pool01.contoso.com (21 bytes):
OPTION_120_POOL01 = bytes.fromhex(
    "00"  # encoding 0: DNS names (RFC 3361 §3.1)
    "06 706f6f6c3031"  # label "pool01"
    "07 636f6e746f736f"  # label "contoso"
    "03 636f6d"  # label "com"
    "00"  # root label
)
# server.fqdn.company.com (26 bytes), real DHCPUtil output:
OPTION_120_SERVER_FQDN = bytes.fromhex(
    "00"  # encoding 0: DNS names
    "06 736572766572"  # label "server"
    "04 6671646e"  # label "fqdn"
    "07 636f6d70616e79"  # label "company"
    "03 636f6d"  # label "com"
    "00"  # root label
)
# example.com (14 bytes):
OPTION_120_EXAMPLE_COM = bytes.fromhex(
    "00"  # encoding 0: DNS names
    "07 6578616d706c65"  # label "example"
    "03 636f6d"  # label "com"
    "00"  # root label (DHCPUtil emits it; Microsoft's pre-release example omitted it)
)

# --- protocol.md §3: MS-UC-Client option 43 data (RFC 2132 §8.4 sub-options, in order 1..5) ----

_IDENTIFIER_AND_SCHEME = (
    "01 0c 4d532d55432d436c69656e74"  # sub-option 1 UCIdentifier, 12 bytes: "MS-UC-Client"
    "02 05 6874747073"  # sub-option 2 URLScheme, 5 bytes: "https"
)
PATH_SUBOPTION = bytes.fromhex(
    "05 25"  # sub-option 5 CertProvRelPath, 37 bytes:
    "2f4365727450726f762f4365727450726f766973696f6e696e67536572766963652e737663"
    # "/CertProv/CertProvisioningService.svc"
)
_PORT_AND_PATH = (
    "04 03 343433"  # sub-option 4 WebServerPort, 3 bytes: ASCII "443", not a binary word
    + PATH_SUBOPTION.hex()
)
# web server pool01.contoso.com (85 bytes):
OPTION_43_POOL01 = bytes.fromhex(
    _IDENTIFIER_AND_SCHEME
    + "03 12 706f6f6c30312e636f6e746f736f2e636f6d"  # sub-option 3 WebServerFqdn, 18 bytes:
    # "pool01.contoso.com"
    + _PORT_AND_PATH
)
# web server server.fqdn.company.com (90 bytes), real DHCPUtil output:
OPTION_43_SERVER_FQDN = bytes.fromhex(
    _IDENTIFIER_AND_SCHEME
    + "03 17 7365727665722e6671646e2e636f6d70616e792e636f6d"  # sub-option 3, 23 bytes:
    # "server.fqdn.company.com"
    + _PORT_AND_PATH
)
# web server example.com (78 bytes):
OPTION_43_EXAMPLE_COM = bytes.fromhex(
    _IDENTIFIER_AND_SCHEME
    + "03 0b 6578616d706c652e636f6d"  # sub-option 3 WebServerFqdn, 11 bytes: "example.com"
    + _PORT_AND_PATH
)

# The same vectors as protocol.md prints them (one hex string each), to check the ones above.
PUBLISHED = {
    "OPTION_120_POOL01": "0006706F6F6C303107636F6E746F736F03636F6D00",
    "OPTION_120_SERVER_FQDN": "0006736572766572046671646E07636F6D70616E7903636F6D00",
    "OPTION_120_EXAMPLE_COM": "00076578616D706C6503636F6D00",
    "OPTION_43_POOL01": "010C4D532D55432D436C69656E74020568747470730312706F6F6C30312E636F6E74"
    "6F736F2E636F6D040334343305252F4365727450726F762F4365727450726F766973696F6E696E67536572"
    "766963652E737663",
    "OPTION_43_SERVER_FQDN": "010C4D532D55432D436C69656E740205687474707303177365727665722E6671"
    "646E2E636F6D70616E792E636F6D040334343305252F4365727450726F762F4365727450726F766973696F"
    "6E696E67536572766963652E737663",
    "OPTION_43_EXAMPLE_COM": "010C4D532D55432D436C69656E7402056874747073030B6578616D706C652E63"
    "6F6D040334343305252F4365727450726F762F4365727450726F766973696F6E696E67536572766963652E"
    "737663",
}


CERT_PATH = "/CertProv/CertProvisioningService.svc"  # sub-option 5's usual value


def option_43(web_server: str, *, scheme: str = "https", port: str = "443", path: str) -> bytes:
    """MS-UC-Client option 43 data built field by field (sub-options 1..5), for values that have
    no published vector."""
    fields = (b"MS-UC-Client", scheme.encode(), web_server.encode(), port.encode(), path.encode())
    return b"".join(bytes((code, len(value))) + value for code, value in enumerate(fields, 1))


# --- protocol.md §7: the phone's DHCPINFORM and the responder's DHCPACK, byte for byte --------
# Phone 10.1.2.50, MAC 00:04:13:aa:bb:cc, xid 0x12345678, no relay, responder 10.1.2.10.

PHONE_MAC = bytes.fromhex("000413aabbcc")
PHONE_ADDRESS = "10.1.2.50"
CLIENT_ID = b"\x01" + PHONE_MAC  # option 61: htype 1 (Ethernet) + MAC
SERVER_ID = bytes.fromhex("0a01020a")  # 10.1.2.10
XID = 0x12345678
PHONE_PARAMETERS = (1, 3, 6, 15, 42, 43, 120)  # the phone's option 55

INFORM_HEADER = bytes.fromhex(
    "01"  # op: BOOTREQUEST
    "01"  # htype: Ethernet
    "06"  # hlen: 6
    "00"  # hops
    "12345678"  # xid
    "0000"  # secs
    "0000"  # flags: no BROADCAST
    "0a010232"  # ciaddr: 10.1.2.50, the phone already has its address
    "00000000"  # yiaddr
    "00000000"  # siaddr
    "00000000"  # giaddr: not relayed
    "000413aabbcc 00000000000000000000"  # chaddr: 00:04:13:aa:bb:cc, padded to 16 bytes
) + bytes(64 + 128)  # sname, file: unused
INFORM_OPTIONS = bytes.fromhex(
    "63825363"  # magic cookie
    "35 01 08"  # 53 message type: DHCPINFORM
    "3d 07 01 000413aabbcc"  # 61 client identifier: type 1 (Ethernet) + MAC
    "3c 0c 4d532d55432d436c69656e74"  # 60 vendor class: "MS-UC-Client"
    "37 07 01 03 06 0f 2a 2b 78"  # 55 PRL: 1, 3, 6, 15, 42, 43, 120
    "ff"  # End
)
INFORM = INFORM_HEADER + INFORM_OPTIONS

INFORM_REPLY = (
    bytes.fromhex(
        "02"  # op: BOOTREPLY
        "01"  # htype: copied
        "06"  # hlen: copied
        "00"  # hops: 0
        "12345678"  # xid: copied
        "0000"  # secs: 0
        "0000"  # flags: copied
        "0a010232"  # ciaddr: copied, 10.1.2.50
        "00000000"  # yiaddr: 0, INFORM allocates nothing
        "00000000"  # siaddr: 0
        "00000000"  # giaddr: copied
        "000413aabbcc 00000000000000000000"  # chaddr: copied
    )
    + bytes(64)  # sname: zero
    + bytes(128)  # file: zero
    + bytes.fromhex(
        "63825363"  # magic cookie
        "35 01 05"  # 53 message type: DHCPACK
        "36 04 0a01020a"  # 54 server identifier: 10.1.2.10
        "3d 07 01 000413aabbcc"  # 61 client identifier, echoed unaltered (RFC 6842)
        "2b 55"  # 43 vendor specific, 85 bytes:
    )
    + OPTION_43_POOL01
    + bytes.fromhex("78 15")  # 120 SIP servers, 21 bytes:
    + OPTION_120_POOL01
    + bytes.fromhex("ff")  # End; 369 bytes is above 300, so no padding
)
