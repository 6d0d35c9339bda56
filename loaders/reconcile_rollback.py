"""``dp2sf reconcile --run <rollback run>``: a rollback reconciled like a load, per object.

For each object, every record the target run wrote (pass 1, created or updated, with a Salesforce id) has
exactly one outcome in the rollback run: **written = deleted + restored + left alone (changed in the org
since) + failed**. Then the org is read back: no record the rollback deleted is live, and every record it
restored holds its before-image again, field by field (fields the org takes on create only excepted: a
restore never sends them).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from core.connection import org_client
from core.org_api import OrgClient
from core.quoting import soql_list
from core.settings import Settings
from loaders.ledger import Ledger
from loaders.load import LoadError, make_plan, open_db
from loaders.plan import EXTERNAL_ID
from loaders.reconcile import ReconcileError, _norm, _org_value

BATCH = 200  # ids per SOQL ``IN`` list


@dataclass
class ObjectRollbackCheck:
    """One object of a rollback: the target run's writes and what the rollback did with each."""

    name: str
    written: int = 0
    deleted: int = 0
    restored: int = 0
    left_alone: int = 0
    failed: int = 0
    unaccounted: list[str] = field(default_factory=list)
    still_in_org: list[str] = field(default_factory=list)  # deleted by the rollback, live in the org
    not_restored: list[dict] = field(default_factory=list)  # restored, a field differs from the before-image

    @property
    def equation_holds(self) -> bool:
        parts = self.deleted + self.restored + self.left_alone + self.failed
        return self.written == parts and not self.unaccounted

    @property
    def ok(self) -> bool:
        return self.equation_holds and not self.still_in_org and not self.not_restored

    def problems(self) -> list[str]:
        out = []
        if not self.equation_holds:
            out.append(
                f"written {self.written} != deleted {self.deleted} + restored {self.restored} + left alone "
                f"{self.left_alone} + failed {self.failed}"
                + (f"; no outcome for {self.unaccounted[:5]}" if self.unaccounted else "")
            )
        if self.still_in_org:
            n = len(self.still_in_org)
            out.append(f"{n} deleted records still live in the org: {self.still_in_org[:5]}")
        if self.not_restored:
            out.append(f"{len(self.not_restored)} restored fields differ: {self.not_restored[:3]}")
        return out


@dataclass
class RollbackReconciliation:
    run_id: str
    target_run: str
    objects: list[ObjectRollbackCheck]
    report_path: Path

    @property
    def ok(self) -> bool:
        return all(o.ok for o in self.objects)


def _live_ids(org: OrgClient, obj: str, ids: list[str]) -> set[str]:
    """The 15-character ids among ``ids`` that are live (not deleted) records of ``obj`` in the org."""
    live: set[str] = set()
    for start in range(0, len(ids), BATCH):
        batch = soql_list(ids[start : start + BATCH])
        live |= {r["Id"][:15] for r in org.query_iter(f"SELECT Id FROM {obj} WHERE Id IN ({batch})")}
    return live


def _restore_mismatches(org: OrgClient, obj: str, restored: list[dict]) -> list[dict]:
    """Restored records whose org value of a before-image field is not the before-image's."""
    if not restored:
        return []
    skip = set(org.create_only_fields(obj))
    images = {r["source_key"]: json.loads(r["before_image"]) for r in restored}
    columns = sorted({c for img in images.values() for c in img} - skip)
    out: list[dict] = []
    keys = sorted(images)
    fields = ", ".join(dict.fromkeys([EXTERNAL_ID, *columns]))
    for start in range(0, len(keys), BATCH):
        batch = soql_list(keys[start : start + BATCH])
        for rec in org.query_iter(f"SELECT {fields} FROM {obj} WHERE {EXTERNAL_ID} IN ({batch})"):
            image = images[rec[EXTERNAL_ID]]
            for c in columns:
                want, got = _norm(image.get(c)), _norm(_org_value(rec, c))
                if want != got:
                    out.append({"key": rec[EXTERNAL_ID], "field": c, "before": want, "org": got})
    return out


def check_object(ledger: Ledger, org: OrgClient, target: str, run_id: str, obj: str) -> ObjectRollbackCheck:
    """The equation and the org read-back for one object (what :func:`run_rollback_reconcile` does)."""
    chk = ObjectRollbackCheck(obj)
    written = {
        r["source_key"]: r
        for r in ledger.operations(target, obj, ("created", "updated"))
        if r["pass"] == 1 and r["sf_id"]
    }
    chk.written = len(written)
    outcome: dict[str, dict] = {}
    for r in ledger.operations(run_id, obj):
        if r["pass"] != 1:
            continue
        if r["source_key"] in outcome:
            chk.unaccounted.append(f"{r['source_key']} (counted twice)")
        outcome[r["source_key"]] = r
    chk.unaccounted += sorted(k for k in written if k not in outcome)
    chk.unaccounted += sorted(f"{k} (not written by the run)" for k in outcome if k not in written)
    by_action: dict[str, list[dict]] = {}
    for key, r in outcome.items():
        if key in written:
            by_action.setdefault(r["action"], []).append(written[key])  # the target's row: id, before-image
    chk.deleted = len(by_action.get("deleted", []))
    chk.restored = len(by_action.get("restored", []))
    chk.left_alone = len(by_action.get("skipped", []))
    chk.failed = len(by_action.get("failed", []))
    deleted_ids = [r["sf_id"] for r in by_action.get("deleted", [])]
    live = _live_ids(org, obj, deleted_ids)  # a ContentVersion goes with its deleted ContentDocument
    chk.still_in_org = sorted(
        r["source_key"] for r in by_action.get("deleted", []) if r["sf_id"][:15] in live
    )
    chk.not_restored = _restore_mismatches(
        org, obj, [r for r in by_action.get("restored", []) if r["before_image"]]
    )
    return chk


def run_rollback_reconcile(
    settings: Settings, run_id: str, org: OrgClient | None = None
) -> RollbackReconciliation:
    """Reconcile rollback run ``run_id`` against the target run's writes and the org."""
    try:
        con = open_db(settings)
    except LoadError as exc:
        raise ReconcileError(str(exc)) from exc
    try:
        ledger = Ledger(con)
        run = ledger.run(run_id)
        if run is None or run["kind"] != "rollback":
            raise ReconcileError(f"no rollback run {run_id!r} in the ledger (see ledger.runs)")
        target = run["parent_run_id"]
        plan = make_plan(settings, con)
        if org is None:
            org = org_client(settings)
        objects = [check_object(ledger, org, target, run_id, obj) for obj in reversed(plan.order)]
        out = Path(settings.reports_dir) / run_id
        out.mkdir(parents=True, exist_ok=True)
        report = out / "reconciliation.json"
        report.write_text(
            json.dumps(
                {
                    "run_id": run_id,
                    "target_run": target,
                    "ok": all(o.ok for o in objects),
                    "objects": [{**o.__dict__, "ok": o.ok, "problems": o.problems()} for o in objects],
                },
                indent=2,
                default=str,
            )
        )
        return RollbackReconciliation(run_id, target, objects, report)
    finally:
        con.close()


def run_to_reconcile(settings: Settings, run_id: str | None = None) -> tuple[str, str]:
    """(run id, kind) of what ``dp2sf reconcile`` reconciles: ``run_id``, else the latest load or rollback
    run (after a rollback, the rollback: its load run's records are meant to be gone)."""
    try:
        con = open_db(settings)
    except LoadError as exc:
        raise ReconcileError(str(exc)) from exc
    try:
        ledger = Ledger(con)
        run = ledger.run(run_id) if run_id else ledger.latest_run(("full", "delta", "rollback"))
        if run is None:
            if run_id:
                raise ReconcileError(f"no run {run_id!r} in the ledger (see ledger.runs)")
            raise ReconcileError("the ledger holds no load run: run `dp2sf load` first")
        return run["run_id"], run["kind"]
    finally:
        con.close()
