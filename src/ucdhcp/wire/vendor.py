"""Option 43 payloads for the two Microsoft UC vendor classes.

`MS-UC-Client`: sub-options 1-5 in that order, plain ASCII without NUL, the port as ASCII
digits, exactly as Microsoft's DHCPUtil emits them. `CPE-OCPHONE`: sub-option 10, the VLAN
ID, whose wire form is not settled (a 2-byte word or ASCII digits), so both are offered.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from types import MappingProxyType
from typing import Final, NamedTuple

from .errors import DecodeError
from .options import SubOptions, decode_suboptions, encode_suboptions

MS_UC_CLIENT = b"MS-UC-Client"
CPE_OCPHONE = b"CPE-OCPHONE"


class UcSubOption(IntEnum):
    UC_IDENTIFIER = 1
    URL_SCHEME = 2
    WEB_SERVER_FQDN = 3
    WEB_SERVER_PORT = 4
    CERT_PROV_REL_PATH = 5
    VLAN_ID = 10  # CPE-OCPHONE


MS_UC_CLIENT_SUBOPTIONS = (
    UcSubOption.UC_IDENTIFIER,
    UcSubOption.URL_SCHEME,
    UcSubOption.WEB_SERVER_FQDN,
    UcSubOption.WEB_SERVER_PORT,
    UcSubOption.CERT_PROV_REL_PATH,
)


class SubOptionName(NamedTuple):
    """How a sub-option is named: by DHCPUtil (`ucdhcp options` and `decode` print it), and as
    a vendor option on a Windows DHCP server (DHCPConfigScript.bat's name and comment; empty
    for the VLAN ID, which that script does not define)."""

    display: str
    windows: str = ""
    comment: str = ""


SUBOPTION_NAMES: Mapping[int, SubOptionName] = MappingProxyType(
    {
        UcSubOption.UC_IDENTIFIER: SubOptionName("UC Identifier", "UCIdentifier", "UC Identifier"),
        UcSubOption.URL_SCHEME: SubOptionName("URL Scheme", "URLScheme", "URL Scheme"),
        UcSubOption.WEB_SERVER_FQDN: SubOptionName(
            "Web Server FQDN", "WebServerFqdn", "Web Server Fqdn"
        ),
        UcSubOption.WEB_SERVER_PORT: SubOptionName("Port", "WebServerPort", "Web Server Port"),
        UcSubOption.CERT_PROV_REL_PATH: SubOptionName(
            "Relative Path for Cert Prov", "CertProvRelPath", "Cert Prov Relative Path"
        ),
        UcSubOption.VLAN_ID: SubOptionName("VLAN ID"),
    }
)


# Where Lync's web services publish certificate provisioning, as DHCPUtil sends it: every
# site's default, and what the lints compare a value with.
STANDARD_SCHEME: Final = "https"
STANDARD_PORT: Final = 443
STANDARD_PATH: Final = "/CertProv/CertProvisioningService.svc"


@dataclass(frozen=True, slots=True)
class CertProvisioning:
    """The certificate-provisioning web service a phone reaches, from option 43."""

    web_server: str
    scheme: str = STANDARD_SCHEME
    port: int = STANDARD_PORT
    path: str = STANDARD_PATH
    identifier: str = MS_UC_CLIENT.decode()

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.web_server}:{self.port}{self.path}"

    @classmethod
    def from_texts(cls, text: Mapping[UcSubOption, str]) -> "CertProvisioning":
        """From sub-options 1-5 as text, the port already found to be ASCII digits."""
        return cls(
            identifier=text[UcSubOption.UC_IDENTIFIER],
            scheme=text[UcSubOption.URL_SCHEME],
            web_server=text[UcSubOption.WEB_SERVER_FQDN],
            port=int(text[UcSubOption.WEB_SERVER_PORT]),
            path=text[UcSubOption.CERT_PROV_REL_PATH],
        )


def encode_ms_uc_client(settings: CertProvisioning) -> bytes:
    """Option 43 data for MS-UC-Client: sub-options 1..5, ASCII, in order."""
    return encode_suboptions(
        (
            (UcSubOption.UC_IDENTIFIER, settings.identifier.encode("ascii")),
            (UcSubOption.URL_SCHEME, settings.scheme.encode("ascii")),
            (UcSubOption.WEB_SERVER_FQDN, settings.web_server.encode("ascii")),
            (UcSubOption.WEB_SERVER_PORT, str(settings.port).encode("ascii")),
            (UcSubOption.CERT_PROV_REL_PATH, settings.path.encode("ascii")),
        )
    )


def decode_ms_uc_client(data: bytes) -> CertProvisioning:
    """Read sub-options 1-5 back; all five must be present and ASCII, the port ASCII digits.

    Raises:
        DecodeError: a missing sub-option, non-ASCII text, or a port that is not ASCII digits
        (a 2-byte binary port is a known mistake of some tools).
    """
    subs = decode_suboptions(data)
    text = {code: _ascii(subs, code) for code in MS_UC_CLIENT_SUBOPTIONS}
    port = text[UcSubOption.WEB_SERVER_PORT]
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise DecodeError(f"sub-option 4 (port) must be ASCII digits 1-65535, got {port!r}")
    return CertProvisioning.from_texts(text)


def _ascii(subs: SubOptions, code: int) -> str:
    value = subs.get(code)
    if value is None:
        raise DecodeError(f"MS-UC-Client sub-option {code} is missing")
    if not all(0x20 <= byte < 0x7F for byte in value):
        raise DecodeError(f"sub-option {code} is not printable ASCII: {value.hex()}")
    return value.decode("ascii")


class VlanIdFormat(StrEnum):
    WORD = "word"  # 2 bytes, network order
    ASCII = "ascii"  # decimal digits


def encode_vlan_id(vlan_id: int, form: VlanIdFormat) -> bytes:
    """Option 43 data for CPE-OCPHONE: sub-option 10 carrying the VLAN ID (1-4094)."""
    if not 1 <= vlan_id <= 4094:
        raise ValueError(f"VLAN ID {vlan_id} must be 1-4094")
    value = vlan_id.to_bytes(2, "big") if form is VlanIdFormat.WORD else str(vlan_id).encode()
    return encode_suboptions(((UcSubOption.VLAN_ID, value),))


def decode_vlan_id(data: bytes, form: VlanIdFormat) -> int:
    """Read sub-option 10 back in the given form.

    Raises:
        DecodeError: missing, of the wrong shape, or outside 1-4094.
    """
    value = decode_suboptions(data).get(UcSubOption.VLAN_ID)
    if value is None:
        raise DecodeError("CPE-OCPHONE sub-option 10 (VLAN ID) is missing")
    if form is VlanIdFormat.WORD:
        if len(value) != 2:
            raise DecodeError(f"a word VLAN ID is 2 bytes, got {len(value)}")
        vlan_id = int.from_bytes(value, "big")
    else:
        if not value.isdigit():
            raise DecodeError(f"an ASCII VLAN ID is decimal digits, got {value.hex()}")
        vlan_id = int(value)
    if not 1 <= vlan_id <= 4094:
        raise DecodeError(f"VLAN ID {vlan_id} is outside 1-4094")
    return vlan_id
