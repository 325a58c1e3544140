"""The DHCPUtil-style tools and the lab bring-up tools: print a site's option values
(`options`), write them into other DHCP servers' configurations (`exporters`), emulate a phone's
DHCPINFORM (`probe`), lint values copied from elsewhere (`inspection`, `lint`), and check what a
phone needs after DHCP (`doctor`) or watch DHCP on a link (`watch`). The network sides are
probe/client.py, doctor's checks and watch/capture.py; everything else is pure."""
