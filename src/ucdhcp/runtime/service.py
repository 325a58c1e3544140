"""The running service: socket and policy set-up, signals (stop, reload, dump counters),
and an atomic policy swap on reload. The config file is the only input."""

import asyncio
import logging
import signal
import socket
from pathlib import Path
from typing import Any

import structlog

from .. import __version__
from ..config import REQUESTS_BURST, Config, ConfigError, load_policy
from ..config.settled import UnsettledFileError, read_settled
from ..core.limits import ReplyLimits
from ..core.policy import Policy
from ..core.responder import Arrival, Responder
from .addresses import InterfaceAddress, subnet_edges
from .diagnosis import Finding, Severity, diagnose
from .listeners import InterfaceListeners
from .logs import configure_logging
from .netlink import drain, list_ipv4_addresses, open_change_watch
from .notify import Notifier, watchdog_interval
from .protocol import BindError, Listener, ResponderProtocol, open_socket, refuse_if_taken
from .sender import OnLink, ReplySender, open_frame_socket
from .stats import Statistics
from .throttle import KeyedRateLimit

log = structlog.get_logger("ucdhcp")
_LEVELS = {
    Severity.INFO: logging.INFO,
    Severity.WARNING: logging.WARNING,
    Severity.ERROR: logging.ERROR,
}


class Service:
    """The listening sockets and the current policy.

    With `server.address` 0.0.0.0 (the default) there is one socket per served interface,
    kept in step with the host by a netlink watch; with a specific address, one socket bound
    to it (no broadcasts), which is what tests and single-homed set-ups use.
    """

    def __init__(
        self, config_path: Path, config: Config, policy: Policy, *, worker: int | None = None
    ) -> None:
        self.config_path = config_path
        self.worker = worker  # index among --workers processes sharing the port, else None
        self.config = config
        self.limits = ReplyLimits(0, 0)
        self._apply_limits(config)
        self.responder = Responder(policy, self.limits)
        self._window: asyncio.TimerHandle | None = None
        self.stats = Statistics()
        self.reloads = {"ok": 0, "failed": 0}
        self.protocol: ResponderProtocol | None = None  # single-address mode
        self.transport: asyncio.DatagramTransport | None = None
        self.listeners: InterfaceListeners | None = None  # interface mode
        self._watch: socket.socket | None = None
        self._rescan: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._watchdog: asyncio.TimerHandle | None = None
        self.notifier = Notifier()
        self.ignored_limit: KeyedRateLimit | None = None  # shared by every socket
        self.request_limit: KeyedRateLimit | None = None  # shared by every socket
        self.metrics_server: asyncio.Server | None = None  # set when [metrics] listen is on
        self._reloading: asyncio.Task[None] | None = None
        self._reload_again = False
        self.stopped = asyncio.Event()

    async def start(self) -> None:
        """Bind and start answering. Raises BindError."""
        server = self.config.server
        configure_logging(self.config.logging.format, self.config.logging.level)
        if server.address.is_unspecified:
            await self._start_interfaces()
        else:
            await self._start_single()
        self._apply_logging(self.config)
        await self._start_metrics()
        log.info(
            "server_started",
            version=__version__,
            address=str(server.address),
            port=self.bound_port,
            worker=self.worker,
            interfaces=sorted(self.listeners.active) if self.listeners else None,
            server_id=None
            if self.protocol is None
            else socket.inet_ntoa(self.protocol.arrival.server_id),
            sites=[site.name for site in self.responder.policy.sites],
            config=str(self.config_path),
        )
        # READY=1 only now: sockets bound, policy loaded, first request answerable.
        self.notifier.ready(self._status())
        self._schedule_watchdog()
        self._next_window()

    def _next_window(self) -> None:
        self.limits.new_window()  # the reply limits count per one-second window
        self._window = asyncio.get_running_loop().call_later(1.0, self._next_window)

    async def _start_metrics(self) -> None:
        settings = self.config.metrics
        if settings.listen is None:
            return
        # Imported only when metrics are on: prometheus_client is memory a quiet box can keep.
        from .metrics import CountersCollector, registry_for, start_metrics_server  # noqa: PLC0415

        host, port = settings.endpoint()
        if self.worker is not None and port:
            port += self.worker  # each worker has its own counters, so its own endpoint
        collector = CountersCollector(self.counters, lambda: len(self.protocols()))
        try:
            self.metrics_server = await start_metrics_server(host, port, registry_for(collector))
        except OSError as error:
            self.close()
            raise BindError(
                f"cannot serve metrics on {settings.listen}: {error.strerror or error}"
            ) from error
        bound = self.metrics_server.sockets[0].getsockname()
        log.info("metrics_started", address=f"{bound[0]}:{bound[1]}")

    @property
    def metrics_port(self) -> int | None:
        if self.metrics_server is None:
            return None
        port: int = self.metrics_server.sockets[0].getsockname()[1]
        return port

    def _status(self) -> str:
        where = (
            sorted(self.listeners.active) if self.listeners else [str(self.config.server.address)]
        )
        sites = len(self.responder.policy.sites)
        return f"serving {sites} site(s) on {', '.join(where) or 'no interface yet'}"

    def _schedule_watchdog(self) -> None:
        interval = watchdog_interval()
        if interval is not None:
            # A loop that stops turning stops the pings too: systemd then restarts us.
            self.notifier.watchdog()
            self._watchdog = asyncio.get_running_loop().call_later(
                interval, self._schedule_watchdog
            )

    async def _start_single(self) -> None:
        server = self.config.server
        listener = Listener(
            str(server.address), server.port, server.receive_buffer, self.worker is not None
        )
        server_id = (server.server_id or server.address).packed
        sock = open_socket(listener)
        # The interface that holds the address: replies to phones on its link go out as frames.
        addresses = list_ipv4_addresses()
        interface = next((a.interface for a in addresses if a.address == server.address), None)
        link = [a for a in addresses if a.interface == interface and not a.is_loopback]
        frames = open_frame_socket(interface) if interface is not None and link else None
        sender = ReplySender(sock, self.stats, interface, frames, OnLink(link))
        arrival = Arrival(
            server_id=server_id, address=server.address.packed, refused=subnet_edges(addresses)
        )
        protocol = ResponderProtocol(self.responder, arrival, sender)
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(lambda: protocol, sock=sock)
        self.protocol, self.transport = protocol, transport

    async def _start_interfaces(self) -> None:
        server = self.config.server
        if self.worker is None:  # workers: the supervisor checked before starting them
            refuse_if_taken(Listener("0.0.0.0", server.port, server.receive_buffer))
        self.listeners = InterfaceListeners(
            self.responder,
            self.stats,
            server.port,
            server.receive_buffer,
            server.interfaces,
            None if server.server_id is None else server.server_id.packed,
            reuse_port=self.worker is not None,
        )
        # Subscribe before the first scan: a change between the two then still triggers a rescan.
        self._watch = open_change_watch()
        asyncio.get_running_loop().add_reader(self._watch, self._on_interface_change)
        addresses = list_ipv4_addresses()
        for finding in self.diagnose(addresses):
            log.log(
                _LEVELS[finding.severity], finding.event, message=finding.message, **finding.fields
            )
        await self.listeners.sync(addresses)

    def diagnose(self, addresses: list[InterfaceAddress]) -> list[Finding]:
        return diagnose(
            self.responder.policy,
            addresses,
            self.config.server.interfaces,
            relays_configured=bool(self.config.replies.trusted_relays),
            links=frozenset(name for _, name in socket.if_nameindex()),
        )

    def _on_interface_change(self) -> None:
        assert self._watch is not None
        drain(self._watch)
        if self._rescan is None:  # coalesce a burst of netlink events into one rescan
            self._rescan = asyncio.get_running_loop().call_later(0.2, self._start_rescan)

    def _start_rescan(self) -> None:
        self._rescan = None
        task = asyncio.get_running_loop().create_task(self._resync())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _resync(self) -> None:
        if self.listeners is None:
            return
        try:
            await self.listeners.sync(list_ipv4_addresses())
        except OSError as error:
            log.error("interface_scan_failed", error=str(error))
        self._apply_logging(self.config)

    @property
    def bound_port(self) -> int:
        if self.transport is None:
            return self.config.server.port
        port: int = self.transport.get_extra_info("sockname")[1]
        return port

    def protocols(self) -> list[ResponderProtocol]:
        if self.listeners is not None:
            return list(self.listeners.protocols())
        return [] if self.protocol is None else [self.protocol]

    def _apply_logging(self, config: Config) -> None:
        settings = config.logging
        configure_logging(settings.format, settings.level)
        bound = structlog.get_logger("ucdhcp.requests")
        emit = bound.info if settings.request_level == "info" else bound.debug
        if self.ignored_limit is None or self.ignored_limit.rate != settings.ignored_rate:
            self.ignored_limit = KeyedRateLimit(settings.ignored_rate)
        rate = settings.requests_rate
        if not rate:
            self.request_limit = None
        elif self.request_limit is None or self.request_limit.rate != rate:
            # A burst of REQUESTS_BURST seconds' worth: a boot storm is logged whole.
            self.request_limit = KeyedRateLimit(rate, rate * REQUESTS_BURST)
        for protocol in self.protocols():
            protocol.request_log = emit if settings.requests else None
            protocol.request_limit = self.request_limit
            protocol.ignored_limit = self.ignored_limit

    def _apply_limits(self, config: Config) -> None:
        settings, limits = config.limits, self.limits
        limits.per_client = settings.replies_per_client
        limits.per_destination = settings.replies_per_destination
        limits.per_shared = settings.replies_per_relay
        limits.per_port = settings.replies_per_port
        limits.per_sender = settings.requests_per_source

    def request_reload(self) -> None:
        """SIGHUP: one reload at a time; SIGHUPs during it make exactly one more afterwards."""
        if self._reloading is not None:
            self._reload_again = True
            return
        self._reloading = asyncio.get_running_loop().create_task(self._reload_while_asked())

    async def _reload_while_asked(self) -> None:
        try:
            self._reload_again = True
            while self._reload_again:
                self._reload_again = False
                await self.reload()
        finally:
            self._reloading = None

    async def reload(self) -> bool:
        """Reread the file once its writer is done (config_file.read_settled); on any problem
        keep serving the old policy. Returns success."""
        self.notifier.reloading()
        try:
            data = await read_settled(self.config_path)
        except OSError as error:
            why = f"cannot read: {error.strerror or error}"
            done = self._reload_failed(ConfigError(str(self.config_path), [("", why)]))
        except UnsettledFileError as error:
            done = self._reload_failed(ConfigError(str(self.config_path), [("", str(error))]))
        else:
            done = self._reload(data)
        # Not in a `finally`: a reload cancelled by a stop must not say READY after STOPPING.
        self.notifier.ready(self._status())
        return done

    def _reload_failed(self, error: ConfigError) -> bool:
        self.reloads["failed"] += 1
        log.error(
            "config_reload_failed",
            config=error.file,
            problems=[f"{where}: {why}" if where else why for where, why in error.problems],
        )
        return False

    def _reload(self, data: bytes) -> bool:
        try:
            config, policy = load_policy(self.config_path, data)
        except Exception as error:  # whatever breaks, the old config keeps serving
            if not isinstance(error, ConfigError):
                error = ConfigError(
                    str(self.config_path), [("", f"{type(error).__name__}: {error}")]
                )
            return self._reload_failed(error)
        self.responder.policy = policy  # one reference swap: atomic between two datagrams
        for section in ("server", "metrics"):
            running, configured = getattr(self.config, section), getattr(config, section)
            if running != configured:
                log.warning(
                    "config_change_needs_restart",
                    section=section,
                    running=running.model_dump(mode="json"),
                    configured=configured.model_dump(mode="json"),
                )
        self.config = config.model_copy(
            update={"server": self.config.server, "metrics": self.config.metrics}
        )
        self._apply_logging(config)
        self._apply_limits(config)
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
        self.notifier.stopping()
        self.stopped.set()

    async def run(self) -> None:
        """Start, then serve until SIGTERM/SIGINT; SIGHUP reloads, SIGUSR1 logs the counters.

        The handlers are in place before start() sends READY=1, so a reload requested the
        moment the service manager sees it ready cannot kill the process instead.
        """
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, self.stop)
        loop.add_signal_handler(signal.SIGINT, self.stop)
        loop.add_signal_handler(signal.SIGHUP, self.request_reload)
        loop.add_signal_handler(signal.SIGUSR1, lambda: log.info("counters", **self.counters()))
        try:
            await self.start()
            await self.stopped.wait()
        finally:
            for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGUSR1):
                loop.remove_signal_handler(sig)
            self.close()

    def close(self) -> None:
        if self._reloading is not None:
            self._reloading.cancel()  # it may be waiting for a writer: stopping does not
        for timer in (self._window, self._watchdog, self._rescan):
            if timer is not None:
                timer.cancel()
        self._window = self._watchdog = self._rescan = None
        if self.metrics_server is not None:
            self.metrics_server.close()
            self.metrics_server = None
        if self._watch is not None:
            asyncio.get_running_loop().remove_reader(self._watch)
            self._watch.close()
            self._watch = None
        if self.listeners is None and self.transport is None:
            return
        if self.listeners is not None:
            self.listeners.close()
            self.listeners = None
        if self.transport is not None:
            self.transport.close()  # queued replies are still sent before the socket closes
            self.transport = None
        log.info("server_stopped", **self.counters())


async def serve(
    config_path: Path, config: Config, policy: Policy, worker: int | None = None
) -> None:
    await Service(config_path, config, policy, worker=worker).run()
