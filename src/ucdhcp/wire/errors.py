"""The one error every decoder in the wire package raises."""


class DecodeError(ValueError):
    """The bytes are not a well-formed DHCP message or option payload."""
