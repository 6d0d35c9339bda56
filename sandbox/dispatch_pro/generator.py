"""Deterministic Dispatch Pro data: any record on demand from (seed, scale, entity, index).

Public interface (stable; other parts of the workbench import it):

- ``counts(seed, scale, nested=None) -> dict[str, int]``: the exact number of records each endpoint returns,
  keyed by the raw table names of the dlt source (``customers``, ``customer_contacts``, ``jobs``,
  ``job_history`` = history EVENTS, ``job_history_records`` = rows of the job-history export,
  ``invoice_items``, ``form_submissions``, ``job_attachments``, ``signatures``, ``files`` = the files the
  extract can store (job attachments, signature images among them, plus signature images only in the forms
  export), ``signature_files`` (signature images reachable), ``signatures_refused``, ``file_errors`` =
  signatures whose image is nowhere, ``reports``, ...).
  List endpoints are counted with ``active=Any``. With ``nested`` (default: tiny and S)
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
from typing import Any

from .dataset import WINDOW_END, WINDOW_START, Dataset
from .records import TECHNICIANS
from .skeleton import SCALES


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
    # report definitions: one row per report of every category, with fields and parameters
    from .records_telecom import REPORT_CATEGORIES, reports

    definitions = [r for cid, _ in REPORT_CATEGORIES for r in reports(ds, cid)]
    out["reports"] = len(definitions)
    if nested:
        for rec in definitions:
            nested_counts("reports", rec, out)
    # signature images: a job attachment (listed with the job's, matched by fileName), or in the customer's
    # forms export, or nowhere (the extract lists those in file_errors); refused signatures have no image
    from .records_forms import signature_attached, signature_exported, signature_refused

    n_sig = out["signatures"]
    attached = sum(1 for s in range(n_sig) if signature_attached(s))
    exported = sum(1 for s in range(n_sig) if signature_exported(s))
    out["job_attachments"] += attached
    out["files"] = out["job_attachments"] + exported
    out["signature_files"] = attached + exported
    out["signatures_refused"] = sum(1 for s in range(n_sig) if signature_refused(s))
    out["file_errors"] = n_sig - out["signatures_refused"] - attached - exported
    return dict(sorted(out.items()))


__all__ = ["WINDOW_END", "WINDOW_START", "Dataset", "TECHNICIANS", "counts", "technicians"]
