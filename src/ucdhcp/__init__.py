"""ucdhcp: an options-only DHCP responder for Microsoft UC (Lync) IP phones."""

# Kept here rather than read from package metadata: importlib.metadata pulls in `socket`
# (through email.utils), and the pure core must be importable without it.
__version__ = "0.1.0"
