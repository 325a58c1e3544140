"""The running service: socket and policy set-up, signals (stop, reload, dump counters),
and an atomic policy swap on reload. The config file is the only input."""

import asyncio
import dataclasses
import logging
import signal
import socket
from pathlib import Path
from typing import Any

import structlog

from .. import __version__, compiled
from ..config.errors import ConfigError
from ..config.isolated import validate_async
from ..config.settings import Settings, described
from ..config.written import StillWritingError, read_written
from ..core.policy import Policy
from ..core.responder import Responder
from .addresses import InterfaceAddress
from .allocator import keep_large_blocks_in_mmap
from .diagnosis import FindingLevel, diagnose
from .limit_window import LimitWindow
from .listening import AddressListening, InterfaceListening, Listening
from .logs import configure_logging
from .netlink import list_links
from .notify import Notifier, watchdog_interval
from .overload import QueueWatch
from .protocol import Handling, ResponderProtocol
from .request_log import RequestLog
from .sockets import BindError
from .stats import Statistics

log = structlog.get_logger("ucdhcp")
_LEVELS = {
    FindingLevel.INFO: logging.INFO,
    FindingLevel.WARNING: logging.WARNING,
    FindingLevel.ERROR: logging.ERROR,
}


class Service:
    """The listening sockets (listening.py: per interface, or one address), the shared
    responder, counters and request log (protocol.Handling), the limits' window, and what a
    service manager sees: READY/RELOADING/STOPPING, the watchdog, signals, the metrics endpoint.
    """

    def __init__(
        self, config_path: Path, settings: Settings, policy: Policy, *, worker: int | None = None
    ) -> None:
        self.config_path = config_path
        self.worker = worker  # index among --workers processes sharing the port, else None
        self.settings = settings  # what the config file says, as the server keeps it
        self.limit_window = LimitWindow(settings.limits)
        self.stats = Statistics()
        self.handling = Handling(Responder(policy, self.limit_window.limits), self.stats)
        self.reloads = {"ok": 0, "failed": 0}
        server, shared_port = settings.server, worker is not None
        self.listening: Listening = (
            InterfaceListening(self.handling, server, shared_port, self._log_findings)
            if server.address.is_unspecified
            else AddressListening(self.handling, server, shared_port)
        )
        self.queue_watch = QueueWatch(self.limit_window.limits, self.stats, self.sockets)
        self.notifier = Notifier()
        self._watchdog: asyncio.TimerHandle | None = None
        self.metrics_server: asyncio.Server | None = None  # set when [metrics] listen is on
        self._reloading: asyncio.Task[None] | None = None
        self._reload_again = False
        self._started = False
        self.stopped = asyncio.Event()

    @property
    def responder(self) -> Responder:
        return self.handling.responder

    async def start(self) -> None:
        """Bind and start answering. Raises BindError."""
        keep_large_blocks_in_mmap()
        self._apply_logging(self.settings)
        await self.listening.start()
        self._started = True
        await self._start_metrics()
        server = self.settings.server
        single = isinstance(self.listening, AddressListening)
        log.info(
            "server_started",
            version=__version__,
            compiled=compiled(),
            address=str(server.address),
            port=self.bound_port,
            worker=self.worker,
            interfaces=None if single else self.listening.where(),
            server_id=str(server.identifier(server.address)) if single else None,
            sites=[site.name for site in self.responder.policy.sites],
            config=str(self.config_path),
        )
        # READY=1 only now: sockets bound, policy loaded, first request answerable.
        self.notifier.ready(self._status())
        self._schedule_watchdog()
        self.limit_window.start()
        self.queue_watch.start()

    def sockets(self) -> list[tuple[str, socket.socket]]:
        """The open listening sockets, by interface (or bound address)."""
        endpoints = self.listening.endpoints.items()
        return [(name, endpoint.protocol.sender.udp) for name, endpoint in endpoints]

    def _log_findings(self, addresses: list[InterfaceAddress]) -> None:
        policy, wanted = self.responder.policy, self.settings.server.interfaces
        for finding in diagnose(policy, addresses, wanted, list_links()):
            if finding.event == "interface_served":
                continue  # each served interface logs interface_added once its socket is open
            log.log(
                _LEVELS[finding.severity], finding.event, message=finding.message, **finding.fields
            )

    async def _start_metrics(self) -> None:
        settings = self.settings.metrics
        if settings.endpoint is None:
            return
        # Imported only when metrics are on: prometheus_client is memory a quiet box can keep.
        from .metrics import CountersCollector, registry_for, start_metrics_server  # noqa: PLC0415

        host, port = settings.endpoint
        if self.worker is not None and port:
            port += self.worker  # each worker has its own counters, so its own endpoint
        collector = CountersCollector(self.counters, lambda: len(self.listening.endpoints))
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

    @property
    def bound_port(self) -> int:
        return self.listening.port

    def _status(self) -> str:
        sites = len(self.responder.policy.sites)
        where = ", ".join(self.listening.where()) or "no interface yet"
        return f"serving {sites} site(s) on {where}"

    def _schedule_watchdog(self) -> None:
        interval = watchdog_interval()
        if interval is not None:
            # A loop that stops turning stops the pings too: systemd then restarts us.
            self.notifier.watchdog()
            self._watchdog = asyncio.get_running_loop().call_later(
                interval, self._schedule_watchdog
            )

    def protocols(self) -> list[ResponderProtocol]:
        return self.listening.protocols()

    def _apply_logging(self, settings: Settings) -> None:
        # Only at start and on reload: configuring structlog is not free, and a new socket
        # finds the current request log on the shared Handling.
        logging_settings = settings.logging
        configure_logging(logging_settings.format, logging_settings.level)
        self.handling.request_log = RequestLog.configured(
            logging_settings, self.handling.request_log
        )

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
        """Reread the file once its writer is done (config/written.py, read_written); on any problem
        keep serving the old policy. Returns success."""
        self.notifier.reloading()
        try:
            data = await read_written(self.config_path)
        except OSError as error:
            why = f"cannot read: {error.strerror or error}"
            done = self._reload_failed(ConfigError(str(self.config_path), [("", why)]))
        except StillWritingError as error:
            done = self._reload_failed(ConfigError(str(self.config_path), [("", str(error))]))
        else:
            done = await self._reload(data)
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

    async def _reload(self, data: bytes) -> bool:
        try:
            # In a child process (config/isolated.py): this one keeps answering meanwhile.
            settings, policy = await validate_async(self.config_path, data)
        except Exception as error:  # whatever breaks, the old config keeps serving
            if not isinstance(error, ConfigError):
                error = ConfigError(
                    str(self.config_path), [("", f"{type(error).__name__}: {error}")]
                )
            return self._reload_failed(error)
        self.handling.responder.policy = policy  # one reference swap: atomic between datagrams
        for section, running, configured in (
            ("server", self.settings.server, settings.server),
            ("metrics", self.settings.metrics, settings.metrics),
        ):
            if running != configured:
                log.warning(
                    "config_change_needs_restart",
                    section=section,
                    running=described(running),
                    configured=described(configured),
                )
        self.settings = dataclasses.replace(
            settings, server=self.settings.server, metrics=self.settings.metrics
        )
        self._apply_logging(settings)
        self.limit_window.apply(settings.limits)
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
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None
        self.limit_window.stop()
        self.queue_watch.stop()
        if self.metrics_server is not None:
            self.metrics_server.close()
            self.metrics_server = None
        self.listening.close()
        if self._started:
            self._started = False
            log.info("server_stopped", **self.counters())


async def serve(
    config_path: Path, settings: Settings, policy: Policy, worker: int | None = None
) -> None:
    await Service(config_path, settings, policy, worker=worker).run()
