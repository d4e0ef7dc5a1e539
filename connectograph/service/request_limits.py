"""Per-token request limits of the service: requests running at once, and
requests per interval (a moving window, from the ``limits`` library).

A shared server must not let one user's client (or loop) starve the others:
past either limit a request is refused at once with a 429 that says which
limit and when to retry, rather than queued.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from typing import Iterator

import limits
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from ..errors import RateLimitedError, ServiceError


class RequestLimiter:
    """Concurrency and rate limits, counted per key (a token's name).

    Parameters
    ----------
    max_concurrent : int
        Requests of one key that may run at once (>= 1).
    rate : str or None
        Requests one key may start per interval, in the ``limits`` library's
        notation (``"50/second"``, ``"1000 per minute"``); None: no rate limit.

    Raises
    ------
    ServiceError
        ``max_concurrent`` below 1, or ``rate`` not understood.
    """

    def __init__(self, max_concurrent: int = 8, rate: str | None = "1200/minute"):
        if max_concurrent < 1:
            raise ServiceError(f"--max-concurrent must be at least 1, not {max_concurrent}")
        try:
            self._rate = limits.parse(rate) if rate else None
        except ValueError:
            raise ServiceError(f"--rate {rate!r} is not a rate: write e.g. '50/second' or "
                               "'1000/minute'") from None
        self.max_concurrent = max_concurrent
        self.rate = rate
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._running: dict[str, int] = {}
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def acquire(self, key: str) -> Iterator[None]:
        """Hold one of ``key``'s request slots for the body of the ``with``.

        Raises
        ------
        RateLimitedError
            ``key`` already runs ``max_concurrent`` requests, or has started
            its ``rate`` of requests in the current window.
        """
        with self._lock:
            if self._running.get(key, 0) >= self.max_concurrent:
                raise RateLimitedError(
                    f"too many requests at once: {self.max_concurrent} are already running "
                    f"for {key!r}, the service's limit per token; wait for one to finish "
                    "(or run fewer clients in parallel)")
            if self._rate is not None and not self._limiter.hit(self._rate, key):
                reset = self._limiter.get_window_stats(self._rate, key).reset_time
                wait = max(1, math.ceil(reset - time.time()))
                raise RateLimitedError(
                    f"too many requests: {key!r} sent more than {self.rate}, the service's "
                    f"limit per token; retry in {wait} s")
            self._running[key] = self._running.get(key, 0) + 1
        try:
            yield
        finally:
            with self._lock:
                self._running[key] -= 1
                if not self._running[key]:
                    del self._running[key]
