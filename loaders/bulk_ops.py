"""Record-level Bulk operations with their ledger rows: delete records, restore before-images.

The rollback (deletes and restores) and delta's inactive policy ``delete`` both call these; each runs one
job through :meth:`loaders.bulk.BulkIngest.run` and records every record's outcome in the ledger.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

from core.fields import person_only
from core.org_api import OrgClient
from loaders.bulk import NULL, BulkIngest, JobOutcome, split_error
from loaders.ledger import Ledger, Operation
from loaders.plan import EXTERNAL_ID

GONE = {"ENTITY_IS_DELETED", "INVALID_CROSS_REFERENCE_KEY", "NOT_FOUND"}
CHUNK = 10_000


def delete_job(
    org: OrgClient,
    ledger: Ledger,
    run_id: str,
    obj: str,
    rows: list[dict],
    work: Path,
    hard: bool = False,
    target: str | None = None,
    ids: dict[str, str] | None = None,
    after_job: Callable[[], None] | None = None,
) -> None:
    """Delete ``rows`` ({source_key, sf_id}) in one job and record each as ``deleted`` or ``failed``.

    ``target``/``ids`` delete another object's records on their behalf (a ContentVersion's ContentDocument);
    a record already gone (a cascade) counts as deleted. ``after_job`` runs once the org answered, before
    the ledger hears of it (the resume tests kill there)."""
    org.check_limits()
    target = target or obj
    ids = ids or {r["sf_id"]: r["sf_id"] for r in rows}
    bulk = BulkIngest(org, target, work)
    path = work / f"delete-{target}.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["Id"])
        w.writerows([ids[r["sf_id"]]] for r in rows)
    outcome = bulk.run("hardDelete" if hard else "delete", path, len(rows), "Id")
    path.unlink(missing_ok=True)
    if after_job:
        after_job()
    by_id = {r.key[:15]: r for r in outcome.results}
    ops = []
    for r in rows:
        res = by_id.get(ids[r["sf_id"]][:15])
        action, code, message = "deleted", None, None
        if res is None:
            action, code, message = "failed", "JOB_FAILED", outcome.error_message or "no result"
        elif not res.ok:
            code, message = split_error(res.error)
            if code in GONE:  # a cascade (or someone) already removed it
                message = "already deleted (cascade): " + message
            else:
                action = "failed"
        ops.append(
            Operation(
                obj,
                r["source_key"],
                action,
                r["sf_id"],
                error_code=code,
                error_message=message,
                job_id=outcome.job_id,
            )
        )
    ledger.record(run_id, ops)


def _restore_cell(obj: str, image: dict, column: str) -> str:
    """A before-image value as a Bulk CSV cell (``#N/A`` clears). A Person Account (its image has a
    LastName) takes no Name, the org names it; a business Account no person field: those cells stay empty,
    which leaves the field as it is (loaders/resolve.py sends them the same way)."""
    if obj == "Account" and (column == "Name" or person_only(obj, column)):
        person = bool(image.get("LastName"))
        if (column == "Name") == person:
            return ""
    value = image.get(column)
    return NULL if value is None else value


def restore_job(
    org: OrgClient,
    ledger: Ledger,
    run_id: str,
    obj: str,
    rows: list[dict],
    work: Path,
    after_job: Callable[[], None] | None = None,
) -> JobOutcome:
    """Upsert each row's before-image (JSON) back, in one job; record ``restored`` or ``failed``."""
    org.check_limits()
    images = [json.loads(r["before_image"]) for r in rows]
    # fields the org takes on create only cannot be restored (and an update never changed them)
    columns = sorted({c for img in images for c in img} - org.create_only_fields(obj))
    bulk = BulkIngest(org, obj, work)
    path = work / f"restore-{obj}.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow([EXTERNAL_ID, *columns])
        for r, img in zip(rows, images, strict=True):
            w.writerow([r["source_key"], *[_restore_cell(obj, img, c) for c in columns]])
    outcome = bulk.run("upsert", path, len(rows), EXTERNAL_ID, external_id=EXTERNAL_ID)
    path.unlink(missing_ok=True)
    if after_job:
        after_job()
    by_key = {r.key: r for r in outcome.results}
    ops = []
    for r in rows:
        res = by_key.get(r["source_key"])
        if res is not None and res.ok:
            ops.append(Operation(obj, r["source_key"], "restored", res.sf_id, job_id=outcome.job_id))
            continue
        code, message = split_error(res.error) if res else ("JOB_FAILED", outcome.error_message or "")
        ops.append(
            Operation(
                obj,
                r["source_key"],
                "failed",
                r["sf_id"],
                error_code=code,
                error_message=message,
                job_id=outcome.job_id,
            )
        )
    ledger.record(run_id, ops)
    return outcome


def delete_records(
    org: OrgClient, ledger: Ledger, run_id: str, obj: str, rows: list[tuple], work: Path
) -> None:
    """Delete (source_key, sf_id, content_hash) records of ``obj`` as part of ``run_id`` (delta's inactive
    policy ``delete``), recording each outcome."""
    for start in range(0, len(rows), CHUNK):
        part = rows[start : start + CHUNK]
        delete_job(org, ledger, run_id, obj, [{"source_key": k, "sf_id": i} for k, i, _ in part], work)
