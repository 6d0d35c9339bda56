"""Org limits: rolling 24-hour counters per limit, edition figures settable through the admin API."""

from __future__ import annotations

import threading
import time
from collections import deque

DAY_S = 24 * 3600
DEFAULT_MAX = {
    "DailyApiRequests": 100_000,
    "DailyBulkApiBatches": 15_000,
    "DailyBulkV2QueryJobs": 10_000,
    "DailyBulkV2QueryFileStorageMB": 1_024_000,
    "DataStorageMB": 1_024,
    "FileStorageMB": 10_240,
    "BulkV2RecordsIngested": 150_000_000,
}
ROLLING = ("DailyApiRequests", "DailyBulkApiBatches", "DailyBulkV2QueryJobs", "BulkV2RecordsIngested")
KB_PER_RECORD = 2


class LimitExceeded(Exception):
    """A 24-hour allowance is spent."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class Limits:
    """Rolling counters (minute buckets) plus storage gauges computed by the org."""

    def __init__(self, maxima: dict[str, int] | None = None) -> None:
        self.maxima = {**DEFAULT_MAX, **(maxima or {})}
        self._events: dict[str, deque[tuple[int, int]]] = {n: deque() for n in ROLLING}
        self._lock = threading.Lock()
        self.data_records = 0
        self.file_bytes = 0

    def _used(self, name: str, now: float) -> int:
        events = self._events[name]
        cutoff = int(now // 60) - DAY_S // 60
        while events and events[0][0] <= cutoff:
            events.popleft()
        return sum(n for _, n in events)

    def used(self, name: str) -> int:
        with self._lock:
            if name in self._events:
                return self._used(name, time.time())
        if name == "DataStorageMB":
            return self.data_records * KB_PER_RECORD // 1024
        if name == "FileStorageMB":
            return self.file_bytes // (1024 * 1024)
        return 0

    def add(self, name: str, n: int = 1) -> None:
        """Count ``n`` units; the storage gauge names adjust the gauges instead."""
        if name == "DataStorageRecords":
            self.data_records += n
            return
        if name == "FileBytes":
            self.file_bytes += n
            return
        with self._lock:
            minute = int(time.time() // 60)
            events = self._events[name]
            if events and events[-1][0] == minute:
                events[-1] = (minute, events[-1][1] + n)
            else:
                events.append((minute, n))

    def spend(self, name: str, n: int = 1) -> None:
        """Count ``n`` units, raising LimitExceeded (and counting nothing) when the allowance is spent."""
        if self.used(name) + n > self.maxima[name]:
            raise LimitExceeded(name)
        self.add(name, n)

    def exhaust(self, name: str) -> None:
        self.add(name, max(0, self.maxima[name] - self.used(name)))

    def reset(self) -> None:
        with self._lock:
            for events in self._events.values():
                events.clear()

    def snapshot(self) -> dict[str, dict[str, int]]:
        """The ``/limits`` body: ``{Name: {Max, Remaining}}``."""
        out = {}
        for name, mx in self.maxima.items():
            out[name] = {"Max": mx, "Remaining": max(0, mx - self.used(name))}
        return out
