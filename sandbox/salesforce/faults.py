"""Faults on demand (admin API): 503s, dropped connections, row locks, failing and slow bulk jobs."""

from __future__ import annotations

import random
import threading
from dataclasses import asdict, dataclass
from typing import Any

from sandbox.salesforce.errors import RecordError


@dataclass
class FaultSettings:
    """What to break. Counts go down as faults fire; fractions stay until cleared."""

    http_503: int = 0  # the next N API requests answer 503
    drop_connections: int = 0  # the next N API requests get their socket closed without a response
    lock_row_fraction: float = 0.0  # share of bulk/REST rows failing with UNABLE_TO_LOCK_ROW
    fail_job_after: int | None = None  # the next ingest job fails after this many rows (rest unprocessed)
    slow_seconds: float = 0.0  # extra processing time per bulk job
    request_limit_exhausted: bool = False  # spend the DailyApiRequests allowance


class Faults:
    """The current fault settings, consumed thread-safely."""

    def __init__(self, seed: int = 0) -> None:
        self.settings = FaultSettings()
        self._lock = threading.Lock()
        self._random = random.Random(seed)

    def configure(self, body: dict[str, Any]) -> FaultSettings:
        allowed = set(FaultSettings.__dataclass_fields__)
        unknown = set(body) - allowed - {"clear"}
        if unknown:
            raise ValueError(
                f"unknown fault setting(s): {', '.join(sorted(unknown))}; allowed: "
                f"{', '.join(sorted(allowed))}"
            )
        with self._lock:
            if body.get("clear"):
                self.settings = FaultSettings()
            for key, value in body.items():
                if key != "clear":
                    setattr(self.settings, key, value)
        return self.settings

    def as_dict(self) -> dict:
        return asdict(self.settings)

    def take(self, name: str) -> bool:
        """Consume one count of a counted fault; True when it fires."""
        with self._lock:
            left = getattr(self.settings, name)
            if left > 0:
                setattr(self.settings, name, left - 1)
                return True
        return False

    def take_job_failure(self) -> int | None:
        with self._lock:
            after, self.settings.fail_job_after = self.settings.fail_job_after, None
        return after

    def lock_rows(self, rows: list[Any]) -> None:
        """Fail a fraction of prepared rows with UNABLE_TO_LOCK_ROW (rows carry ``.result``)."""
        fraction = self.settings.lock_row_fraction
        if fraction <= 0:
            return
        for r in rows:
            if self._random.random() < fraction:
                r.result.error = RecordError(
                    "UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access to this record or 1 records", []
                )
