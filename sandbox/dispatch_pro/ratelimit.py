"""ServiceTitan's rate limit: 60 requests per second per application and tenant, answered with 429.

A token bucket per (app key, tenant): ``limit`` tokens, refilled at ``limit`` per second. A request that
finds the bucket empty gets 429 with ``Retry-After`` (whole seconds, as the header requires), not an answer.
"""

from __future__ import annotations

import math
import threading
import time


class RateLimiter:
    """Token buckets keyed by (app key, tenant); ``limit`` 0 turns the limit off."""

    def __init__(self, limit_per_s: float) -> None:
        self.limit = float(limit_per_s)
        self._buckets: dict[tuple[str, str], tuple[float, float]] = {}  # key -> (tokens, at)
        self._lock = threading.Lock()
        self.rejected = 0

    def set_limit(self, limit_per_s: float) -> None:
        with self._lock:
            self.limit = float(limit_per_s)
            self._buckets.clear()

    def take(self, app_key: str, tenant: str) -> int | None:
        """None when the request may go on; else the seconds to put in ``Retry-After``."""
        if self.limit <= 0:
            return None
        now = time.monotonic()
        with self._lock:
            tokens, at = self._buckets.get((app_key, tenant), (self.limit, now))
            tokens = min(self.limit, tokens + (now - at) * self.limit)
            if tokens >= 1.0:
                self._buckets[(app_key, tenant)] = (tokens - 1.0, now)
                return None
            self._buckets[(app_key, tenant)] = (tokens, now)
            self.rejected += 1
            return max(1, math.ceil((1.0 - tokens) / self.limit))
