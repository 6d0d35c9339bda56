"""Deterministic Dispatch Pro data: any record on demand from (seed, scale, entity, index).

Public interface (stable; other parts of the workbench import it):

- ``counts(seed, scale, nested=None) -> dict[str, int]``: the exact number of records each endpoint returns,
  keyed by the raw table names of the dlt source (``customers``, ``customer_contacts``, ``jobs``,
  ``job_history`` = history EVENTS, ``job_history_records`` = rows of the job-history export,
  ``invoice_items``, ``form_submissions``, ``job_attachments``, ``signatures``, ``files`` = attachments +
  signatures, ...). List endpoints are counted with ``active=Any``. With ``nested`` (default: tiny and S)
  it also counts child rows of nested lists the way dlt names its child tables (``jobs__custom_fields``,
  ``invoices__items``, ``payments__applied_to``, ``technicians__skills``, ...).
- ``technicians(seed, scale) -> list[dict]``: ``id, name, firstName, lastName, email, active`` of every
  technician. Some emails carry odd case or surrounding whitespace, some are ``None``; the Salesforce
  sandbox seeds its Users from this list.
- ``Dataset(seed, scale, overlay=None)``: the object the server pages through (see ``entities.py``).

Nothing is materialised: the skeleton holds per-parent child counts; each record derives its own PRNG.
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any

from .overlay import Overlay
from .pools import pools_for
from .records import EMPLOYEES, TECHNICIANS, rid
from .rng import Rng
from .skeleton import SCALES, skeleton_for
from .timefmt import parse

WINDOW_START = parse("2019-01-01T00:00:00Z")
WINDOW_END = parse("2026-09-30T00:00:00Z")


class Dataset:
    """One simulated tenant: seed + scale (+ the admin overlay, if any)."""

    def __init__(self, seed: int, scale: str, overlay: Overlay | None = None) -> None:
        self.seed = int(seed)
        self.scale_name = scale
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
            from .entities import BASE_COUNT_BY_CODE

            n = BASE_COUNT_BY_CODE[code](self)
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


def technicians(seed: int, scale: str) -> list[dict[str, Any]]:
    """``id, name, firstName, lastName, email, active`` of every technician of (seed, scale)."""
    ds = Dataset(seed, scale)
    keys = ("id", "name", "firstName", "lastName", "email", "active")
    return [{k: t[k] for k in keys} for t in ds.technicians]


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def nested_counts(table: str, record: dict[str, Any], out: dict[str, int], prefix: str = "") -> None:
    """Add the child rows dlt would make of ``record``'s nested lists (``table__field``) to ``out``."""
    for key, value in record.items():
        if isinstance(value, list) and value:
            child = f"{table}__{prefix}{_snake(key)}"
            out[child] = out.get(child, 0) + len(value)
            for item in value:
                if isinstance(item, dict):
                    nested_counts(child, item, out)
        elif isinstance(value, dict):
            nested_counts(table, value, out, f"{prefix}{_snake(key)}__")


def _history_events(ds: Dataset) -> int:
    """Job history events: by base status from the skeleton, corrected for jobs the overlay touched."""
    from .records import EVENTS_BY_STATUS, JOBS, job_core

    lengths = [len(EVENTS_BY_STATUS[s]) for s in range(len(EVENTS_BY_STATUS))]
    total = sum(lengths[s] for s in ds.sk.job_status)
    rows = ds.overlay.state.get(JOBS, {}) if ds.overlay else {}
    for index in rows:
        base = lengths[ds.sk.job_status[index]] if index < ds.sk.scale.jobs else 0
        total += len(job_core(ds, index)["events"]) - base
    return total


def counts(
    seed: int, scale: str, nested: bool | None = None, dataset: Dataset | None = None
) -> dict[str, int]:
    """Exact record counts per endpoint (raw table names), optionally with nested child-row counts."""
    from .entities import ENTITIES

    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    ds = dataset or Dataset(seed, scale)
    out: dict[str, int] = {}
    for ent in ENTITIES.values():
        out[ent.key] = ent.count(ds)
    out["job_history_records"] = out["job_history"]
    out["job_history"] = 0
    out["signatures"] = out["form_submissions"]
    if nested is None:
        nested = scale in ("tiny", "S")
    for ent in ENTITIES.values():
        if ent.key == "job_history":
            out["job_history"] = _history_events(ds)
            continue
        if nested and ent.key != "job_attachments":
            for rec in ent.iter_all(ds):
                nested_counts(ent.key, rec, out)
    out["files"] = out["job_attachments"] + out["signatures"]
    return dict(sorted(out.items()))


__all__ = ["Dataset", "counts", "technicians", "TECHNICIANS"]
