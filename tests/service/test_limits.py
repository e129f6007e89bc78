"""The upload rate limiter: a sliding minute per client, bounded memory."""

from __future__ import annotations

from datatrail.service.limits import RateLimiter


def test_sliding_minute_per_client() -> None:
    limiter = RateLimiter(3)
    assert [limiter.check("a", t) for t in (0.0, 1.0, 2.0)] == [None, None, None]
    assert limiter.check("a", 3.0) == 57.0  # the first of the three leaves the window at 60
    assert limiter.check("b", 3.0) is None  # another client, another window
    assert limiter.check("a", 60.5) is None and limiter.check("a", 60.6) is not None
    assert RateLimiter(0).check("a", 0.0) is None
