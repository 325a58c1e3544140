"""Token buckets keyed by a label (an ignore reason), with a count of what they suppressed.
Pure: the caller passes the clock, so tests need no sleeping."""


class TokenBuckets:
    """At most `rate` events per second per key, with bursts of `burst` (default `rate`, at
    least 1)."""

    __slots__ = ("buckets", "capacity", "rate", "suppressed")

    def __init__(self, rate: float, burst: float | None = None) -> None:
        self.rate = rate
        self.capacity = max(rate if burst is None else burst, 1.0)
        self.buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, last time)
        self.suppressed: dict[str, int] = {}

    def allow(self, key: str, now: float) -> bool:
        tokens, last = self.buckets.get(key, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - last) * self.rate)
        if tokens >= 1.0:
            self.buckets[key] = (tokens - 1.0, now)
            return True
        self.buckets[key] = (tokens, now)
        self.suppressed[key] = self.suppressed.get(key, 0) + 1
        return False

    def take_suppressed(self) -> dict[str, int]:
        """What was suppressed since the last call, then forget it."""
        taken, self.suppressed = self.suppressed, {}
        return taken
