"""Everything that touches the host: sockets, the asyncio protocol, the service and its
workers, netlink, logs, metrics, the service manager."""
