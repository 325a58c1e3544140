"""The DHCPUtil-style tools: print a site's option values (`options`), write them into other
DHCP servers' configurations (`export`), emulate a phone's DHCPINFORM (`probe`) and lint values
copied from elsewhere (`decode`). Only `client` does I/O; everything else is pure."""
