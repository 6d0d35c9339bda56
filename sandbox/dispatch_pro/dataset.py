"""``Dataset``: one simulated tenant (seed + scale + admin overlay), the object every record builder reads.

Base record counts per entity code come from the skeleton (``base_count``), so the dataset needs neither the
entity registry nor the record builders to space ``modifiedOn`` over the data window.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from . import catalog as cat
from .overlay import Overlay
from .pools import pools_for
from .rng import Rng
from .skeleton import Skeleton, skeleton_for
from .timefmt import parse

# entity codes (stable: they seed the per-record PRNGs and prefix the ids); records.py re-exports them
CUSTOMERS, CUSTOMER_CONTACTS, LOCATIONS, LOCATION_CONTACTS, JOBS = 1, 2, 3, 4, 5
APPOINTMENTS, JOB_NOTES, ASSIGNMENTS, TECHNICIANS, EMPLOYEES = 6, 7, 8, 9, 10
BUSINESS_UNITS, INVOICES, INVOICE_ITEMS, PAYMENTS = 11, 12, 13, 14
CALLS = 26


def rid(code: int, index: int) -> int:
    """The id of record ``index`` of an entity."""
    return code * 10_000_000 + index + 1


def base_count(sk: Skeleton, code: int) -> int:
    """Base records of the export entity ``code`` (the jobs code also drives job history and metadata)."""
    counts = {
        CUSTOMERS: lambda: sk.scale.customers,
        CUSTOMER_CONTACTS: lambda: sk.cc_off[-1],
        LOCATIONS: lambda: sk.n_locations,
        LOCATION_CONTACTS: lambda: sk.lc_off[-1],
        JOBS: lambda: sk.scale.jobs,
        APPOINTMENTS: lambda: sk.appt_off[-1],
        JOB_NOTES: lambda: sk.note_off[-1],
        ASSIGNMENTS: lambda: sk.assign_off[-1],
        TECHNICIANS: lambda: sk.scale.technicians,
        EMPLOYEES: lambda: sk.scale.employees,
        BUSINESS_UNITS: lambda: len(cat.BUSINESS_UNITS),
        INVOICES: lambda: len(sk.invoice_jobs),
        INVOICE_ITEMS: lambda: sk.item_off[-1],
        PAYMENTS: lambda: sk.pay_off[-1],
        CALLS: lambda: sk.call_off[-1],
    }
    try:
        return counts[code]()
    except KeyError:
        raise ValueError(f"entity code {code} has no base count in the skeleton") from None


WINDOW_START = parse("2019-01-01T00:00:00Z")
WINDOW_END = parse("2026-09-30T00:00:00Z")


class Dataset:
    """One simulated tenant: seed + scale (+ the admin overlay, if any; + the corpus, default or hostile)."""

    def __init__(
        self, seed: int, scale: str, overlay: Overlay | None = None, corpus: str = "default"
    ) -> None:
        if corpus not in ("default", "hostile"):
            raise ValueError(f"unknown corpus {corpus!r}; choose default or hostile")
        self.seed = int(seed)
        self.scale_name = scale
        self.corpus = corpus  # "hostile": text a tenant's users could type, served as is (hostile.py)
        self.sk = skeleton_for(self.seed, scale)
        self.pools = pools_for(self.seed)
        self.overlay = overlay
        self._steps: dict[int, int] = {}
        r = Rng.for_record(self.seed, 99, 0)
        self.company_name = r.choice(self.pools.companies[:200])
        self.company_domain = (
            "".join(ch for ch in self.company_name.lower() if ch.isalnum())[:20] + ".example"
        )

    # ----- time -----------------------------------------------------------------------------------------
    def base_ticks_for(self, code: int, index: int, n: int) -> int:
        """Base modifiedOn of record ``index`` of ``n``: strictly increasing in ``index`` over the window."""
        step = max((WINDOW_END - WINDOW_START) // max(n, 1), 2)
        return WINDOW_START + index * step + ((index * 2_654_435_761 + self.seed * 40_503 + code) >> 3) % step

    def base_ticks(self, code: int, index: int) -> int:
        """Base modifiedOn of a record of an export entity (hot path: the step is cached per code)."""
        step = self._steps.get(code)
        if step is None:
            n = base_count(self.sk, code)
            step = self._steps[code] = max((WINDOW_END - WINDOW_START) // max(n, 1), 2)
        return WINDOW_START + index * step + ((index * 2_654_435_761 + self.seed * 40_503 + code) >> 3) % step

    def modified(self, code: int, index: int) -> int:
        """modifiedOn ticks, after admin changes."""
        rows = self.overlay.state.get(code) if self.overlay else None
        row = rows.get(index) if rows else None
        return int(row[0]) if row else self.base_ticks(code, index)  # type: ignore[arg-type]

    def times(self, code: int, index: int) -> int:
        """How many times the admin API modified this record."""
        row = self.overlay.row(code, index) if self.overlay else None
        return int(row[1] or 0) if row else 0

    def modification_ticks(self, code: int, index: int) -> tuple[int, ...]:
        """The modifiedOn ticks of each admin modification of this record, oldest first."""
        return self.overlay.modification_ticks(code, index) if self.overlay else ()

    def created(self, code: int, index: int, default: int) -> int:
        """createdOn ticks: the creation time for records made by the admin API, else ``default``."""
        row = self.overlay.row(code, index) if self.overlay else None
        return int(row[2]) if row and row[2] is not None else default

    # ----- people and places -----------------------------------------------------------------------------
    @cached_property
    def technicians(self) -> list[dict[str, Any]]:
        """Technicians without admin changes (who works a job must not depend on the overlay)."""
        from .records_settings import technician_records

        return technician_records(self, overlay=False)

    @cached_property
    def employees(self) -> list[dict[str, Any]]:
        from .records_settings import employee_records

        return employee_records(self, overlay=False)

    @cached_property
    def _active_techs(self) -> list[dict[str, Any]]:
        return [{"id": t["id"], "name": t["name"]} for t in self.technicians if t["active"]]

    def technician_for(self, r: Rng) -> dict[str, Any]:
        """A technician for a job (mostly active ones; 5% inactive, i.e. since left the company)."""
        if r.chance(0.05):
            t = self.technicians[r.below(len(self.technicians))]
            return {"id": t["id"], "name": t["name"]}
        return self._active_techs[r.below(len(self._active_techs))]

    def employee_id(self, r: Rng) -> int:
        return rid(EMPLOYEES, r.below(self.sk.scale.employees))

    def zone_id(self, r: Rng) -> int:
        from .records import ZONES

        return rid(ZONES, r.below(self.sk.scale.zones))
