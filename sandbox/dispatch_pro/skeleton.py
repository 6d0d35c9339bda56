"""The shape of a data set: how many of everything, and who belongs to whom, as compact index arrays.

Per-parent child counts (locations per customer, appointments per job, ...) are drawn in bulk once per
(seed, scale) with ``random.Random.choices`` and turned into prefix-sum offsets, so "child k of parent p" and
"parent of child n" are O(1) / O(log n) without generating any record. Records themselves are built on demand.
"""

from __future__ import annotations

import random
from array import array
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate

from .rng import derive

JOB_STATUSES = ("Scheduled", "Dispatched", "InProgress", "Hold", "Completed", "Canceled", "Pending")
COMPLETED, CANCELED, PENDING = 4, 5, 6  # "Pending" is the deliberately unmapped status
PRIORITIES = ("Emergency", "Critical", "Urgent", "High", "Elevated", "Standard", "Low", "Deferred")


@dataclass(frozen=True)
class Scale:
    """Top-level sizes of one scale tier."""

    customers: int
    jobs: int
    technicians: int
    employees: int
    zones: int
    big_files: int  # attachments over 25 MB


SCALES: dict[str, Scale] = {
    "tiny": Scale(customers=50, jobs=200, technicians=12, employees=6, zones=5, big_files=1),
    "S": Scale(customers=500, jobs=2_000, technicians=25, employees=10, zones=8, big_files=3),
    "M": Scale(customers=25_000, jobs=100_000, technicians=150, employees=40, zones=20, big_files=5),
    "L": Scale(customers=250_000, jobs=1_000_000, technicians=800, employees=120, zones=40, big_files=8),
}


def scale_of(name: str) -> Scale:
    """The tier called ``name``; a clear error for anything else."""
    try:
        return SCALES[name]
    except KeyError:
        raise ValueError(f"unknown scale {name!r}; choose one of {', '.join(SCALES)}") from None


def _draw(seed: int, label: int, values: list[int], weights: list[float], n: int) -> bytes:
    rnd = random.Random(derive(seed, label))
    return bytes(rnd.choices(values, cum_weights=list(accumulate(weights)), k=n))


def _offsets(counts: bytes | list[int]) -> array:
    return array("q", accumulate(counts, initial=0))


def _force(values: bytearray, wanted: range | tuple[int, ...], stride_seed: int) -> None:
    """Make sure every value in ``wanted`` occurs at least once (placed at spread-out positions)."""
    n = len(values)
    for k, value in enumerate(wanted):
        pos = (stride_seed * 7 + k * (n // max(len(wanted), 1)) + 3) % n
        values[pos] = value


class Skeleton:
    """Index arrays for one (seed, scale); cheap to build even for the L tier (a few seconds)."""

    def __init__(self, seed: int, scale_name: str) -> None:
        sc = scale_of(scale_name)
        self.seed, self.scale_name, self.scale = seed, scale_name, sc
        n_c, n_j = sc.customers, sc.jobs
        self.locs_per_customer = _draw(seed, 1, [1, 2, 3, 4, 6], [75, 15, 6, 3, 1], n_c)
        self.loc_off = _offsets(self.locs_per_customer)
        self.cc_off = _offsets(_draw(seed, 2, [1, 2, 3, 4], [35, 40, 18, 7], n_c))
        n_l = self.loc_off[-1]
        self.lc_off = _offsets(_draw(seed, 3, [0, 1, 2], [50, 35, 15], n_l))
        status = bytearray(_draw(seed, 4, list(range(7)), [12, 6, 5, 4, 56, 16, 0.6], n_j))
        _force(status, range(7), seed)
        self.job_status = bytes(status)
        priority = bytearray(_draw(seed, 5, list(range(8)), [2, 3, 6, 12, 12, 45, 15, 5], n_j))
        _force(priority, range(8), seed + 1)
        self.job_priority = bytes(priority)
        self.appt_off = _offsets(_draw(seed, 6, [1, 2, 3], [85, 12, 3], n_j))
        self.note_off = _offsets(_draw(seed, 7, [0, 1, 2, 3, 5], [40, 35, 15, 7, 3], n_j))
        self.att_off = _offsets(_draw(seed, 8, [0, 1, 2, 4], [60, 25, 10, 5], n_j))
        self.assign_off = _offsets(_draw(seed, 9, [1, 2], [90, 10], self.appt_off[-1]))
        invoiced = _draw(seed, 10, [1, 0], [97, 3], n_j)
        signed = _draw(seed, 11, [1, 0], [90, 10], n_j)
        st = self.job_status
        self.invoice_jobs = array("q", (j for j in range(n_j) if st[j] == COMPLETED and invoiced[j]))
        self.signature_jobs = array("q", (j for j in range(n_j) if st[j] == COMPLETED and signed[j]))
        n_inv = len(self.invoice_jobs)
        self.item_off = _offsets(_draw(seed, 12, [1, 2, 3, 4, 6], [30, 30, 20, 12, 8], n_inv))
        self.pay_off = _offsets(_draw(seed, 13, [0, 1, 2], [22, 70, 8], n_inv))
        self.job_cf_off = _offsets(_draw(seed, 14, [0, 1, 2, 3, 4], [20, 30, 25, 15, 10], n_j))
        self.call_off = _offsets(_draw(seed, 15, [0, 1, 2], [25, 60, 15], n_j))  # telecom calls per job

    # ----- parent lookups ---------------------------------------------------------------------------------
    @staticmethod
    def parent(offsets: array, child_index: int) -> tuple[int, int]:
        """(parent index, position among its siblings) of child ``child_index``."""
        p = bisect_right(offsets, child_index) - 1
        return p, child_index - offsets[p]

    @property
    def n_locations(self) -> int:
        return self.loc_off[-1]


@lru_cache(maxsize=4)
def skeleton_for(seed: int, scale_name: str) -> Skeleton:
    """The (cached) skeleton of a seed and scale."""
    return Skeleton(seed, scale_name)
