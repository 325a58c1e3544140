"""`ucdhcp watch`: a passive view of DHCP on one interface, grouped by transaction, flagging
what breaks phone bring-up. Only capture.py touches the network; the rest is pure."""
