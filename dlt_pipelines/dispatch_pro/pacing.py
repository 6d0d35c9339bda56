"""Client-side pacing: stay under ServiceTitan's rate limit of 60 requests per second per app and tenant.

Every request the source sends (pages, attachment listings, downloads, retries) goes through one
:class:`PacedAdapter` mounted on the shared session, which spaces requests at least ``1 / rate`` seconds
apart across all threads. The default rate (55/s) leaves headroom under the documented 60/s, so the
server's 429 + ``Retry-After`` stays the exception (still honoured by dlt's retrying session) rather than
the pacing mechanism.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from requests.adapters import HTTPAdapter

SERVICETITAN_LIMIT_PER_S = 60  # documented limit per app and tenant
DEFAULT_RATE_PER_S = 55.0


@dataclass
class Activity:
    """What the running extract has sent and stored so far (read by the stage's progress line)."""

    requests: int = 0
    files_stored: int = 0
    files_failed: int = 0

    def reset(self) -> None:
        self.requests = self.files_stored = self.files_failed = 0


ACTIVITY = Activity()


class Pacer:
    """A thread-safe scheduler handing out send times at most ``rate`` per second (no bursts)."""

    def __init__(self, rate_per_s: float) -> None:
        if rate_per_s <= 0:
            raise ValueError(f"requests per second must be > 0, got {rate_per_s}")
        self.interval = 1.0 / rate_per_s
        self._next = 0.0
        self._lock = threading.Lock()
        self.waited_s = 0.0

    def wait(self) -> None:
        """Block until this caller's slot comes up."""
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next)
            self._next = slot + self.interval
        delay = slot - now
        if delay > 0:
            self.waited_s += delay
            time.sleep(delay)


class PacedAdapter(HTTPAdapter):
    """An HTTP adapter that asks the pacer for a slot before every send."""

    def __init__(self, pacer: Pacer, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pacer = pacer

    def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        self.pacer.wait()
        ACTIVITY.requests += 1
        return super().send(request, *args, **kwargs)


def pace_session(session: Any, rate_per_s: float | None, pool_size: int = 32) -> Pacer | None:
    """Mount a paced adapter on ``session`` (None or 0 = unpaced); returns the pacer."""
    if not rate_per_s:
        return None
    pacer = Pacer(rate_per_s)
    adapter = PacedAdapter(pacer, pool_connections=pool_size, pool_maxsize=pool_size)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return pacer
