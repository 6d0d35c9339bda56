"""Reconciliation and rollback results as plain DataFrames a notebook can show.

Built from the result objects or from the JSON reports they write (``reports/<run>/reconciliation.json``,
``reports/<rollback run>/rollback.json``), so a report notebook needs nothing but the run directory (and,
for a rollback's per-record outcomes, the DuckDB ledger, opened read-only). The JSON reports stay as they
are; these frames are a second view of the same content. Masking (``--mask-pii``) is the report's job.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

SUMMARY_COUNTS = ("source", "loaded", "quarantined", "gates", "skipped", "failed", "in_org", "sampled")
LISTED = ("unaccounted", "missing_in_org", "unexpected_in_org", "id_mismatch")


@dataclass
class ReconciliationFrames:
    """One reconciliation: ``summary`` one row per object (the equation's parts, what the org holds, the
    check counts, ``ok``, ``problems``); the listed findings one row each."""

    run_id: str
    ok: bool
    summary: pd.DataFrame
    keys: pd.DataFrame  # object, issue (unaccounted | missing_in_org | unexpected_in_org | id_mismatch), key
    field_mismatches: pd.DataFrame  # object, key, field, source, org
    orphans: pd.DataFrame  # object, lookup, orphans
    totals: pd.DataFrame  # object, case, source, org (line-item totals to the cent)
    checksums: pd.DataFrame  # object + the file checksum findings


@dataclass
class RollbackFrames:
    """One rollback: ``summary`` object × action counts; ``conflicts`` records left alone (changed in the
    org after the run); ``operations`` every record's outcome (when the ledger was given)."""

    run_id: str
    target_run: str
    status: str
    summary: pd.DataFrame  # object, action, records
    conflicts: pd.DataFrame  # object, source_key, sf_id, last_modified, by
    operations: pd.DataFrame | None = None


def _read(source: Any) -> dict:
    if isinstance(source, dict):
        return source
    if isinstance(source, str | Path):
        return json.loads(Path(source).read_text(encoding="utf-8"))
    path = getattr(source, "report_path", None)
    if path is None:
        raise TypeError(f"expected a result, a report path or its JSON dict, not {type(source).__name__}")
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    for col in columns:
        if col not in frame.columns:
            frame[col] = pd.Series(dtype="object")
    return frame[columns + [c for c in frame.columns if c not in columns]]


def reconciliation_frames(source: Any) -> ReconciliationFrames:
    """Frames of a :class:`loaders.reconcile.ReconcileResult`, its ``reconciliation.json`` path, or that
    JSON as a dict."""
    data = _read(source)
    summary, keys, fields, orphans, totals, checksums = [], [], [], [], [], []
    for obj in data["objects"]:
        name = obj["name"]
        row = {"object": name, **{k: obj.get(k, 0) for k in SUMMARY_COUNTS}}
        row["equation_holds"] = row["source"] == sum(
            row[k] for k in ("loaded", "quarantined", "gates", "skipped", "failed")
        ) and not obj.get("unaccounted")
        for k in LISTED:
            row[k] = len(obj.get(k) or [])
            keys += [{"object": name, "issue": k, "key": key} for key in obj.get(k) or []]
        row["field_mismatches"] = len(obj.get("field_mismatches") or [])
        row["orphans"] = sum((obj.get("orphans") or {}).values())
        row["total_mismatches"] = len(obj.get("total_mismatches") or [])
        row["checksum_mismatches"] = len(obj.get("checksum_mismatches") or [])
        row["ok"] = bool(obj.get("ok"))
        row["problems"] = "; ".join(obj.get("problems") or [])
        summary.append(row)
        fields += [{"object": name, **m} for m in obj.get("field_mismatches") or []]
        orphans += [
            {"object": name, "lookup": k, "orphans": n} for k, n in (obj.get("orphans") or {}).items()
        ]
        totals += [{"object": name, **m} for m in obj.get("total_mismatches") or []]
        checksums += [{"object": name, **m} for m in obj.get("checksum_mismatches") or []]
    return ReconciliationFrames(
        run_id=data["run_id"],
        ok=bool(data["ok"]),
        summary=_frame(summary, ["object", *SUMMARY_COUNTS, "equation_holds", "ok", "problems"]),
        keys=_frame(keys, ["object", "issue", "key"]),
        field_mismatches=_frame(fields, ["object", "key", "field", "source", "org"]),
        orphans=_frame(orphans, ["object", "lookup", "orphans"]),
        totals=_frame(totals, ["object", "case", "source", "org"]),
        checksums=_frame(checksums, ["object"]),
    )


def rollback_frames(source: Any, duckdb_path: Path | str | None = None) -> RollbackFrames:
    """Frames of a :class:`loaders.rollback.RollbackResult`, its ``rollback.json`` path, or that JSON as a
    dict; with ``duckdb_path``, every record's outcome from the ledger (read-only)."""
    data = _read(source)
    summary = [
        {"object": obj, "action": action, "records": n}
        for obj, actions in sorted(data["counts"].items())
        for action, n in sorted(actions.items())
    ]
    operations = None
    if duckdb_path is not None:
        import duckdb

        con = duckdb.connect(str(duckdb_path), read_only=True)
        try:
            operations = con.execute(
                "select object_name as object, source_key, action, sf_id, error_code, error_message, "
                "job_id, recorded_at from ledger.operations where run_id = ? order by recorded_at, 1, 2",
                [data["run_id"]],
            ).df()
        finally:
            con.close()
    return RollbackFrames(
        run_id=data["run_id"],
        target_run=data["target_run"],
        status=data["status"],
        summary=_frame(summary, ["object", "action", "records"]),
        conflicts=_frame(
            list(data.get("conflicts") or []), ["object", "source_key", "sf_id", "last_modified", "by"]
        ),
        operations=operations,
    )
