"""The decision, pure: datagram + policy + arrival -> Reply | Ignored, with the
RFC 2131 §4.1 routing and the limits on requests and replies. Imports only ucdhcp.wire."""
