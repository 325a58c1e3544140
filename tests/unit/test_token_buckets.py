"""TokenBuckets: per-key token buckets with a clock passed in, so no test sleeps."""

from ucdhcp.runtime.token_buckets import TokenBuckets


def test_a_burst_of_rate_events_passes_then_the_rest_is_suppressed_and_counted() -> None:
    limit = TokenBuckets(rate=5)
    allowed = [limit.allow("malformed", now=100.0) for _ in range(12)]
    assert allowed == [True] * 5 + [False] * 7
    assert limit.take_suppressed() == {"malformed": 7}
    assert limit.take_suppressed() == {}


def test_tokens_come_back_at_the_configured_rate() -> None:
    limit = TokenBuckets(rate=2)
    assert [limit.allow("r", 0.0) for _ in range(3)] == [True, True, False]
    assert limit.allow("r", 0.4) is False  # 0.8 tokens
    assert limit.allow("r", 0.5) is True  # 1.0 token
    assert limit.allow("r", 0.5) is False


def test_each_reason_has_its_own_bucket() -> None:
    limit = TokenBuckets(rate=1)
    assert limit.allow("malformed", 0.0) is True
    assert limit.allow("malformed", 0.0) is False
    assert limit.allow("no_vendor_class", 0.0) is True


def test_a_rate_below_one_still_lets_one_event_through() -> None:
    limit = TokenBuckets(rate=0.1)
    assert limit.allow("r", 0.0) is True
    assert limit.allow("r", 5.0) is False
    assert limit.allow("r", 10.0) is True
