"""The running service: socket and policy set-up, signals (stop, reload, dump counters),
and an atomic policy swap on reload. The config file is the only input."""

import asyncio
import ipaddress
import signal
from pathlib import Path
from typing import Any

import structlog

from . import __version__
from .config import Config, ConfigError, load_policy
from .logs import configure_logging
from .policy import Policy
from .responder import Arrival, Responder
from .server import BindError, Listener, ResponderProtocol, open_socket, primary_address
from .stats import Statistics

log = structlog.get_logger("ucdhcp")


class Service:
    """One listening socket answering with the current policy."""

    def __init__(self, config_path: Path, config: Config, policy: Policy) -> None:
        self.config_path = config_path
        self.config = config
        self.responder = Responder(policy)
        self.stats = Statistics()
        self.reloads = {"ok": 0, "failed": 0}
        self.protocol: ResponderProtocol | None = None
        self.transport: asyncio.DatagramTransport | None = None
        self.stopped = asyncio.Event()

    async def start(self) -> None:
        """Bind and start answering. Raises BindError."""
        server = self.config.server
        listener = Listener(str(server.address), server.port, server.receive_buffer)
        arrival = Arrival(server_id=self._server_id())
        sock = open_socket(listener)
        self.protocol = ResponderProtocol(self.responder, arrival, self.stats)
        self._apply_logging(self.config)
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(self.protocol_or_fail, sock=sock)
        self.transport = transport
        log.info(
            "server_started",
            version=__version__,
            address=listener.address,
            port=sock.getsockname()[1],
            server_id=str(ipaddress.IPv4Address(arrival.server_id)),
            sites=[site.name for site in self.responder.policy.sites],
            config=str(self.config_path),
        )

    def protocol_or_fail(self) -> ResponderProtocol:
        assert self.protocol is not None
        return self.protocol

    @property
    def bound_port(self) -> int:
        assert self.transport is not None
        port: int = self.transport.get_extra_info("sockname")[1]
        return port

    def _server_id(self) -> bytes:
        server = self.config.server
        if server.server_id is not None:
            return server.server_id.packed
        if not server.address.is_unspecified:
            return server.address.packed
        primary = primary_address()
        if primary is None:
            raise BindError(
                "cannot choose a server identifier (option 54): no default route;"
                " set server.server_id"
            )
        return ipaddress.IPv4Address(primary).packed

    def _apply_logging(self, config: Config) -> None:
        settings = config.logging
        configure_logging(settings.format, settings.level)
        if self.protocol is not None:
            bound = structlog.get_logger("ucdhcp.requests")
            emit = bound.info if settings.request_level == "info" else bound.debug
            self.protocol.request_log = emit if settings.requests else None

    def reload(self) -> bool:
        """Reread the file; on any problem keep serving the old policy. Returns success."""
        try:
            config, policy = load_policy(self.config_path)
        except ConfigError as error:
            self.reloads["failed"] += 1
            log.error(
                "config_reload_failed",
                config=error.file,
                problems=[f"{where}: {why}" if where else why for where, why in error.problems],
            )
            return False
        self.responder.policy = policy  # one reference swap: atomic between two datagrams
        if config.server != self.config.server:
            log.warning(
                "config_change_needs_restart",
                section="server",
                running=self.config.server.model_dump(mode="json"),
                configured=config.server.model_dump(mode="json"),
            )
        self.config = config.model_copy(update={"server": self.config.server})
        self._apply_logging(config)
        self.reloads["ok"] += 1
        log.info(
            "config_reloaded",
            config=str(self.config_path),
            sites=[site.name for site in policy.sites],
        )
        return True

    def counters(self) -> dict[str, Any]:
        return {**self.stats.snapshot(), "reloads": dict(self.reloads)}

    def stop(self) -> None:
        self.stopped.set()

    async def run(self) -> None:
        """Serve until SIGTERM/SIGINT; SIGHUP reloads, SIGUSR1 logs the counters."""
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, self.stop)
        loop.add_signal_handler(signal.SIGINT, self.stop)
        loop.add_signal_handler(signal.SIGHUP, self.reload)
        loop.add_signal_handler(signal.SIGUSR1, lambda: log.info("counters", **self.counters()))
        try:
            await self.stopped.wait()
        finally:
            for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGUSR1):
                loop.remove_signal_handler(sig)
            self.close()

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()
            self.transport = None
            log.info("server_stopped", **self.counters())


async def serve(config_path: Path, config: Config, policy: Policy) -> None:
    service = Service(config_path, config, policy)
    await service.start()
    await service.run()
