"""The limits at run time: core.limits.Limits and its one-second window, in one
object the service starts, reconfigures on reload and stops."""

import asyncio

from ..core.limits import Limits, LimitSettings


class LimitWindow:
    def __init__(self, settings: LimitSettings) -> None:
        self.limits = Limits(settings)
        self._window: asyncio.TimerHandle | None = None

    def apply(self, settings: LimitSettings) -> None:
        """Take new limits (a reload); the counts of the current window are kept."""
        self.limits.settings = settings

    def start(self) -> None:
        self.limits.new_window()
        self._window = asyncio.get_running_loop().call_later(1.0, self.start)

    def stop(self) -> None:
        if self._window is not None:
            self._window.cancel()
            self._window = None
