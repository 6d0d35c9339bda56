"""Parent row locks between parallel Bulk API jobs, deterministic and on by configuration.

Salesforce locks the parent a child row points at (lookup or master-detail) while the child is saved; two
batches running in parallel that write children of one parent contend for it, and the loser's rows fail
with ``UNABLE_TO_LOCK_ROW: unable to obtain exclusive access to this record or 1 records`` (Salesforce Help
000229525 "Unable to lock row - Record currently unavailable errors",
https://help.salesforce.com/apex/HTViewSolution?id=000229525&language=en_US; the SFDMU #814 pattern).

The org models "parallel" without timing races: with the ``row_locks`` setting on, the Bulk worker waits
``row_lock_window_seconds`` after a job is closed and takes every job closed by then as one group running in
parallel. Within a group the first-closed job owns each parent its rows (written or deleted) point at;
rows of later jobs of the group that touch a parent owned by another job fail with UNABLE_TO_LOCK_ROW. A
job closed on its own (a serial load, or the retry of the failed rows) meets no contention. REST calls are
never part of a group.
"""

from __future__ import annotations

import threading
from typing import Any

from sandbox.salesforce.errors import RecordError

NOT_LOCKING = {"OwnerId", "CreatedById", "LastModifiedById", "MasterRecordId"}


def lock_error() -> RecordError:
    return RecordError(
        "UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access to this record or 1 records", []
    )


class ParentLocks:
    """The owners of parent records within the current group of parallel jobs."""

    def __init__(self) -> None:
        self._local = threading.local()
        self.owners: dict[str, str] = {}

    def start_group(self) -> None:
        self.owners = {}

    def end_group(self) -> None:
        self.owners = {}

    def set_job(self, job_id: str | None) -> None:
        """The job whose rows the current thread is writing (None: not part of a group)."""
        self._local.job = job_id

    def claim(self, writer: Any, rows: list[Any]) -> None:
        """Fail the rows that touch a parent owned by another job of the group; claim the others' parents."""
        job = getattr(self._local, "job", None)
        if job is None:
            return
        refs = [f.name for f in writer.references if f.name not in NOT_LOCKING]
        if not refs:
            return
        for r in rows:
            if r.result.error:
                continue
            merged = {**(r.existing or {}), **r.values}
            parents = {merged[n] for n in refs if merged.get(n)}
            if any(self.owners.get(p, job) != job for p in parents):
                r.result.error = lock_error()
                continue
            for p in parents:
                self.owners[p] = job
