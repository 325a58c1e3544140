"""The reply limits at run time: core.limits.ReplyLimits, its settings and its one-second
window, in one object the service starts, reconfigures on reload and stops."""

import asyncio

from ..config.settings import LimitSettings
from ..core.limits import ReplyLimits


class Limiter:
    def __init__(self, settings: LimitSettings) -> None:
        self.limits = ReplyLimits(0, 0)
        self._window: asyncio.TimerHandle | None = None
        self.apply(settings)

    def apply(self, settings: LimitSettings) -> None:
        """Take new limits (a reload); the counts of the current window are kept."""
        limits = self.limits
        limits.per_client = settings.replies_per_client
        limits.per_destination = settings.replies_per_destination
        limits.per_shared = settings.replies_per_relay
        limits.per_port = settings.replies_per_port
        limits.per_sender = settings.requests_per_source

    def start(self) -> None:
        self.limits.new_window()
        self._window = asyncio.get_running_loop().call_later(1.0, self.start)

    def stop(self) -> None:
        if self._window is not None:
            self._window.cancel()
            self._window = None
