"""ucdhcp: an options-only DHCP responder for Microsoft UC (Lync) IP phones."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ucdhcp")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"
