"""Pure DHCPv4 wire codec: no I/O, no asyncio, no logging, no validation framework."""
