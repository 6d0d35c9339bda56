"""``dp2sf rollback <run>``: undo a load run, children before parents, as a ledger run of its own.

Per object in reverse load order: records the run created are deleted (Bulk API 2.0 ``delete``, or
``hardDelete``), records it updated get their before-image back (an upsert of the fields it overwrote). A
record changed in the org by someone else (``LastModifiedDate`` later than the last write the ledger holds of
it by any of our runs: the target, a later delta, a rollback) is listed and left alone unless ``force``. A
killed or stopped target run's closed jobs are settled from their results first. Salesforce's delete rules
are part of the plan: children go first; a record a cascade already removed (``ENTITY_IS_DELETED``, not
found) counts as deleted; a refused delete (an Account that still has Cases someone else added) is recorded
with Salesforce's error. The rollback is idempotent (what it already settled is not sent again) and
resumable (``resume`` continues an unfinished rollback of the run).
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from core.connection import org_client
from core.errors import Dp2sfError
from core.org_api import LimitStop, OrgClient
from core.quoting import soql_literal
from core.settings import Settings
from loaders.bulk_ops import CHUNK, delete_job, restore_job
from loaders.kill import kill_point
from loaders.ledger import Ledger, Operation
from loaders.load import Loader, LoadError, make_plan, open_db
from loaders.rollback_edits import OrgEdits

PAGE = 5 * CHUNK  # pending ledger rows held in Python at a time (a multiple of the Bulk job size)


class RollbackError(Dp2sfError):
    """The rollback could not run (unknown run, no org)."""


@dataclass
class RollbackResult:
    run_id: str
    target_run: str
    status: str
    counts: dict[str, dict[str, int]]
    conflicts: list[dict] = field(default_factory=list)
    seconds: float = 0.0
    report_path: Path | None = None


def _parse_sf_time(text: str | None) -> datetime | None:
    if not text:
        return None
    stamp = datetime.strptime(text[:19], "%Y-%m-%dT%H:%M:%S")
    millis = text[20:23] if len(text) > 22 and text[19] == "." else ""
    return stamp.replace(microsecond=int(millis) * 1000) if millis.isdigit() else stamp


class Rollback:
    def __init__(
        self,
        settings: Settings,
        con,
        org: OrgClient,
        ledger: Ledger,
        run_id: str,
        target: dict,
        force: bool,
        hard: bool,
    ):
        self.settings, self.con, self.org, self.ledger = settings, con, org, ledger
        self.run_id, self.target, self.force, self.hard = run_id, target, force, hard
        self.work = Path(tempfile.mkdtemp(prefix="dp2sf-rollback-"))
        self.conflicts: list[dict] = []
        self.jobs: dict[str, int] = {}  # jobs per object (the kill points of the resume test count them)
        # set for a resumed run: its start, to the second as the org stamps LastModifiedDate (a fresh run
        # has no writes of its own to recognise)
        self.own_start: datetime | None = None
        self.edits = OrgEdits(con, org, self.work)  # the org's edits of the object being undone

    def changed_since(self, obj: str, rows: list[dict]) -> dict[str, dict]:
        """Records someone else modified after our last write of them, by id.

        Our own writes are the ledger's: the target run's (a killed run has no finish time, but each record's
        write is recorded), a later delta's and its rollback's; a record whose ``LastModifiedDate`` is not
        after the last of them was not edited by anyone else. The org stamps on its own clock and the ledger
        on ours: each run noted the difference (``Ledger.note_clock``); both sides are read on the org's."""
        own = self.ledger.last_own_writes(obj, [r["source_key"] for r in rows])  # on the org's clock
        key_of = {r["sf_id"][:15]: r["source_key"] for r in rows}
        target_skew = timedelta(seconds=self.ledger.clock_skew(self.target["run_id"]))
        fallback = (self.target["finished_at"] or self.target["started_at"]) + target_skew
        skew = timedelta(seconds=self.org.usage.clock_skew())
        own_start = self.own_start + skew if self.own_start is not None else None
        if self.edits.object != obj:  # once per object: its records modified since the target run began
            self.edits.load(obj, self.target["started_at"] + target_skew)
        out: dict[str, dict] = {}
        for id15, rec in self.edits.of([r["sf_id"] for r in rows]).items():
            changed = _parse_sf_time(rec.get("LastModifiedDate"))
            mine = own.get(key_of.get(id15, ""), fallback)
            # a change since this rollback run started is its own (a killed attempt's restore that a
            # resume re-does, the org wrote, the ledger had not heard), not someone else's edit
            resumed = own_start is not None and changed is not None and changed >= own_start
            if changed and changed > mine and not resumed:
                out[id15] = rec
        return out

    def undo_object(self, obj: str) -> None:
        """Undo what the target run wrote to ``obj``, a page of its ledger rows at a time (bounded memory)."""
        try:
            for rows in self.ledger.pending_pages(self.target["run_id"], self.run_id, obj, PAGE):
                self.undo_page(obj, rows)
        finally:
            self.edits.drop()

    def undo_page(self, obj: str, rows: list[dict]) -> None:
        changed = self.changed_since(obj, rows)
        todo = []
        for r in rows:
            edit = changed.get(r["sf_id"][:15])
            if edit and not self.force:
                self.conflicts.append(
                    {
                        "object": obj,
                        "source_key": r["source_key"],
                        "sf_id": r["sf_id"],
                        "last_modified": edit.get("LastModifiedDate"),
                        "by": edit.get("LastModifiedById"),
                    }
                )
                self.ledger.record(
                    self.run_id,
                    [
                        Operation(
                            obj,
                            r["source_key"],
                            "skipped",
                            r["sf_id"],
                            error_code="CHANGED_IN_ORG",
                            error_message=f"modified in the org at {edit.get('LastModifiedDate')} by "
                            f"{edit.get('LastModifiedById')} after the run; left alone (use --force)",
                        )
                    ],
                )
                continue
            todo.append(r)
        deletes = [r for r in todo if r["action"] == "created"]
        restores = [r for r in todo if r["action"] == "updated" and r["before_image"]]
        if obj == "ContentVersion":  # a ContentVersion cannot be deleted: its ContentDocument can (cascades)
            self.delete_documents(deletes)
            return
        for start in range(0, len(deletes), CHUNK):
            self.delete(obj, deletes[start : start + CHUNK])
        for start in range(0, len(restores), CHUNK):
            self.restore(obj, restores[start : start + CHUNK])

    def delete_documents(self, rows: list[dict]) -> None:
        """Delete the ContentDocuments of the ContentVersions the run created."""
        # the edits query (run for the conflict check) holds every ContentVersion modified since the target
        # run began, so every one it created; a version not in it (gone, or a clock further off than the
        # query's margin) is asked for by id, 200 at a time, as before
        doc_of: dict[str, str] = self.edits.documents([r["sf_id"] for r in rows])
        unseen = [r for r in rows if r["sf_id"][:15] not in doc_of]
        for start in range(0, len(unseen), 200):
            batch = ", ".join(soql_literal(r["sf_id"]) for r in unseen[start : start + 200])
            for rec in self.org.query_iter(
                f"SELECT Id, ContentDocumentId FROM ContentVersion WHERE Id IN ({batch})"
            ):
                doc_of[rec["Id"][:15]] = rec["ContentDocumentId"]
        missing = [r for r in rows if r["sf_id"][:15] not in doc_of]
        self.ledger.record(
            self.run_id,
            [
                Operation(
                    "ContentVersion",
                    r["source_key"],
                    "deleted",
                    r["sf_id"],
                    error_code="NOT_FOUND",
                    error_message="already gone from the org",
                )
                for r in missing
            ],
        )
        present = [r for r in rows if r["sf_id"][:15] in doc_of]
        for start in range(0, len(present), CHUNK):
            part = present[start : start + CHUNK]
            self.delete(
                "ContentVersion", part, "ContentDocument", {r["sf_id"]: doc_of[r["sf_id"][:15]] for r in part}
            )

    def delete(self, obj: str, rows: list[dict], target: str | None = None, ids: dict | None = None) -> None:
        delete_job(
            self.org,
            self.ledger,
            self.run_id,
            obj,
            rows,
            self.work,
            self.hard,
            target,
            ids,
            after_job=lambda: self._after_job("rollback-deleted", obj),  # the org deleted; the ledger not
        )

    def restore(self, obj: str, rows: list[dict]) -> None:
        restore_job(
            self.org,
            self.ledger,
            self.run_id,
            obj,
            rows,
            self.work,
            after_job=lambda: self._after_job("rollback-restored", obj),  # the org restored; the ledger not
        )

    def _after_job(self, point: str, obj: str) -> None:
        self.jobs[obj] = self.jobs.get(obj, 0) + 1
        kill_point(point, obj, self.jobs[obj])


def run_rollback(
    settings: Settings,
    target_run: str,
    force: bool = False,
    hard: bool = False,
    resume: bool = False,
    org: OrgClient | None = None,
) -> RollbackResult:
    """Undo ``target_run`` (a load run id) in the org; a ledger run of kind rollback."""
    started = time.monotonic()
    try:
        con = open_db(settings)
    except LoadError as exc:
        raise RollbackError(str(exc)) from exc
    rb = None
    try:
        ledger = Ledger(con)
        target = ledger.run(target_run)
        if target is None or target["kind"] == "rollback":
            raise RollbackError(f"no load run {target_run!r} in the ledger (see ledger.runs)")
        plan = make_plan(settings, con)
        if org is None:
            org = org_client(settings)
        if target["status"] != "completed":
            settle_unfinished(settings, con, org, ledger, target_run)
        run_id = None
        if resume:
            rows = con.execute(
                "select run_id from ledger.runs where kind = 'rollback' and parent_run_id = ? and status <> "
                "'completed' order by started_at desc limit 1",
                [target_run],
            ).fetchall()
            run_id = rows[0][0] if rows else None
            if run_id:
                ledger.reopen_run(run_id)
        resumed = run_id
        run_id = run_id or ledger.start_run("rollback", settings.target, None, parent=target_run)
        rb = Rollback(settings, con, org, ledger, run_id, target, force, hard)
        if resume and run_id == resumed:
            rb.own_start = ledger.run(run_id)["started_at"].replace(microsecond=0)
        status, message = "completed", None
        try:
            for obj in reversed(plan.order):
                rb.undo_object(obj)
        except LimitStop as exc:
            status, message = "stopped", str(exc)
        except Exception as exc:
            ledger.note_clock(run_id, org.usage.clock_skew())
            ledger.finish_run(run_id, "failed", f"{type(exc).__name__}: {exc}")
            raise RollbackError(
                f"rollback {run_id} broke off: {exc}; `dp2sf rollback {target_run} --resume` continues it"
            ) from exc
        ledger.note_clock(run_id, org.usage.clock_skew())  # its restores are our writes for a later rollback
        ledger.finish_run(run_id, status, message)
        out = Path(settings.reports_dir) / run_id
        out.mkdir(parents=True, exist_ok=True)
        report = out / "rollback.json"
        counts = ledger.counts(run_id)
        report.write_text(
            json.dumps(
                {
                    "run_id": run_id,
                    "target_run": target_run,
                    "status": status,
                    "counts": counts,
                    "conflicts": rb.conflicts,
                },
                indent=2,
                default=str,
            )
        )
        return RollbackResult(
            run_id, target_run, status, counts, rb.conflicts, time.monotonic() - started, report
        )
    finally:
        if rb:
            shutil.rmtree(rb.work, ignore_errors=True)
        con.close()


def settle_unfinished(settings: Settings, con, org: OrgClient, ledger: Ledger, run_id: str) -> None:
    """A killed or stopped load's jobs the org ran but the ledger never heard of: read their results into
    the run first, so the rollback undoes every record the run wrote (jobs still open are aborted)."""
    loader = Loader(settings, con, org, ledger, run_id)
    try:
        loader.recover()
    finally:
        loader.close()
