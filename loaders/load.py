"""``dp2sf load``: every mart row into the org once, in dependency order, with a ledger that proves it.

Per object (plan order): rows quarantined by dbt or held by the gates are recorded as skipped with their
reason; rows whose content hash equals what the ledger last loaded, and which the org still holds, are
``unchanged`` and not sent; the rest go out as Bulk API 2.0 upserts on ``Dispatch_Pro_Id__c``, one job per
chunk, with a checkpoint per job. Before sending, the org's current values of the fields sent are read (one
Bulk query per object) so an update keeps its before-image for rollback. ``UNABLE_TO_LOCK_ROW`` and
unprocessed rows are retried in smaller jobs a bounded number of times; data errors are recorded, not retried.
"""

from __future__ import annotations

import contextlib
import random
import shutil
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from core.connection import org_client
from core.errors import Dp2sfError
from core.fields import FieldListError, load_field_list
from core.org_api import LimitStop, OrgClient
from core.org_automation import read_automation
from core.quoting import sql_ident
from core.settings import Settings
from core.stamp import read_build_stamp
from loaders.approval import check_load_gate  # the approval gate (issue 12)
from loaders.audit import created_date_expr
from loaders.bulk import BulkIngest, JobHooks, csv_has_rows, query_to_csv
from loaders.failed import write_failed_csvs
from loaders.files import FileUploader, file_select
from loaders.inactive import INACTIVE, apply_inactive_policy
from loaders.kill import KILL_AT_ENV, kill_point
from loaders.lanes import DbThread, plan_lanes
from loaders.ledger import Ledger
from loaders.plan import EXTERNAL_ID, MART_SCHEMA, NOT_BULK, LoadPlan, ObjectPlan, build_plan
from loaders.resolve import (
    OrgContext,
    ResolveError,
    read_org_context,
    read_person_contacts,
    resolution_sql,
    send_shape,
)
from loaders.skips import record_parent_skips, record_skips
from loaders.spool import SendTable

TRANSIENT_ROW_ERRORS = {"UNABLE_TO_LOCK_ROW", "UNPROCESSED"}


def lock_retry_wait(base: float, attempt: int) -> float:
    """Seconds to wait before re-send ``attempt`` (1, 2, ...) of rows a lock refused: full jitter, doubling.

    The lock is the parent record another job is still writing (Salesforce waits 10 s for it, then fails the
    row: Help 000229525); re-sending at once meets the same job, and two lanes retrying in step meet each
    other again. A random wait up to ``base * 2**(attempt-1)`` (at most 60 s) spreads them apart."""
    return random.uniform(0, min(60.0, base * 2 ** (attempt - 1)))


__all__ = ["KILL_AT_ENV", "kill_point"]  # the resume tests name the kill points through this module


class LoadError(Dp2sfError):
    """The load could not run or finish (the message says what to do)."""


@dataclass
class LoadResult:
    run_id: str
    status: str  # completed | stopped
    counts: dict[str, dict[str, int]]
    jobs: int
    api_calls: int
    seconds: float
    failed_dir: Path | None
    message: str = ""
    plan: LoadPlan | None = None
    sent: dict[str, int] = field(default_factory=dict)
    inactive: dict[str, int] = field(default_factory=dict)  # records that became inactive, per object
    retried: dict[str, int] = field(default_factory=dict)  # rows sent again after a row lock, per object
    peak_jobs_in_flight: int = 0  # the most Bulk jobs open at once (objects loading side by side)

    def total(self, action: str) -> int:
        return sum(c.get(action, 0) for c in self.counts.values())


def open_db(settings: Settings) -> duckdb.DuckDBPyConnection:
    path = Path(settings.duckdb_path)
    if not path.exists():
        raise LoadError(f"no DuckDB at {path}: run `dp2sf extract` and `dp2sf transform` first")
    return duckdb.connect(str(path))


def make_plan(settings: Settings, con: duckdb.DuckDBPyConnection | None = None) -> LoadPlan:
    own = con is None
    con = con or open_db(settings)
    try:
        try:
            field_list = load_field_list(Path(settings.project_dir) / "dbt_project")
        except FieldListError as exc:
            raise LoadError(f"the field list is broken: {exc}") from None
        return build_plan(con, field_list, settings.load_chunk_rows)
    finally:
        if own:
            con.close()


def work_org(obj: str) -> str:
    """The table holding the org's current records of an object during a run."""
    return f"ledger.{sql_ident('work_org_' + obj)}"


def _built_person_accounts(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the marts were built with residential customers as Person Accounts (the build stamp)."""
    stamp = read_build_stamp(con)
    return bool(stamp and stamp.person_accounts)


class Loader:
    """One load run (new or resumed) over one DuckDB connection and one org client."""

    def __init__(
        self, settings: Settings, con: duckdb.DuckDBPyConnection, org: OrgClient, ledger: Ledger, run_id: str
    ):
        self.settings, self.con, self.org, self.ledger, self.run_id = settings, con, org, ledger, run_id
        self.work_dir = Path(tempfile.mkdtemp(prefix=f"dp2sf-load-{run_id}-"))
        self.jobs = 0
        self.sent: dict[str, int] = {}
        self.ctx: OrgContext | None = None
        self.inactive_policy = settings.delta_inactive_policy
        self.inactive: dict[str, int] = {}
        self.db = DbThread(parallel=False)  # DuckDB calls from send(): inline, or on one thread in lanes
        self.counter_lock = threading.Lock()
        self.stopping = threading.Event()
        self.stopping_message = ""
        self.in_flight = 0  # jobs between create and results right now, and the most at once
        self.peak_in_flight = 0
        self.retried: dict[str, int] = {}  # rows sent again after a transient row error (row locks)

    def close(self) -> None:
        """Remove this run's spool directories (a killed attempt's too) and its work tables."""
        for stale in Path(tempfile.gettempdir()).glob(f"dp2sf-load-{self.run_id}-*"):
            shutil.rmtree(stale, ignore_errors=True)
        shutil.rmtree(self.work_dir, ignore_errors=True)
        with contextlib.suppress(duckdb.Error):  # tidying never hides the run's own outcome
            self._drop_work_tables()

    def _drop_work_tables(self) -> None:
        tables = self.con.execute(
            "select table_name from information_schema.tables where table_schema = 'ledger' "
            "and (table_name like 'work\\_org\\_%' escape '\\' "
            "or table_name like 'work\\_send\\_%' escape '\\' "
            "or table_name in ('work_users', 'work_record_types', 'work_person_contacts'))"
        ).fetchall()
        for (name,) in tables:
            self.con.execute(f"drop table if exists ledger.{sql_ident(name)}")

    # -- recovery -----------------------------------------------------------------------------
    def recover(self) -> None:
        """Settle jobs a killed run left open: read the results of jobs the org ran, abandon the rest.

        A job whose id is checkpointed is looked up, never re-sent: closed (queued, running or done) its
        results are taken; still Open (killed before or during the upload, or before the close) it is aborted,
        so it processes nothing, and its rows go out again in a fresh job."""
        self.ledger.drop_orphan_pending(self.run_id)
        for obj, pass_no, chunk, job_id in self.ledger.open_checkpoints(self.run_id):
            bulk = BulkIngest(self.org, obj, self.work_dir)
            keys = self.ledger.pending_keys(self.run_id, obj, pass_no, chunk)
            if job_id:
                info = bulk.state(job_id)
                if info["state"] == "Open":
                    bulk.abort(job_id)
                else:
                    outcome = bulk.finish(job_id, len(keys), EXTERNAL_ID)
                    self._settle(obj, pass_no, chunk, outcome, final=False)
                    continue
            with self.ledger.atomic():
                self.ledger.drop_pending(self.run_id, obj, pass_no, chunk)
                self.ledger.checkpoint(self.run_id, obj, pass_no, chunk, job_id, "abandoned", len(keys))

    # -- per object ---------------------------------------------------------------------------
    def read_org_state(self, obj: str, header: list[str]) -> None:
        """The org's current values of the sent fields, by external id, into ``ledger.work_org_<object>`` (a
        table: the streaming cursor is another connection and cannot see temp tables; one per object, as
        objects of one level are prepared before their lanes send)."""
        table = work_org(obj)
        fields = ["Id", EXTERNAL_ID] + [h for h in header if h != EXTERNAL_ID]
        soql = f"SELECT {', '.join(fields)} FROM {obj} WHERE {EXTERNAL_ID} != null"
        files = query_to_csv(self.org, soql, self.work_dir / f"org-{obj}")
        cols = ", ".join(f"cast(null as varchar) as {sql_ident(f)}" for f in fields)
        self.con.execute(f"create or replace table {table} as select {cols} where false")
        paths = [str(p) for p in files if p.stat().st_size > 0 and csv_has_rows(p)]
        if paths:
            self.con.execute(
                f"insert into {table} by name select * from read_csv(?, header = true, "
                "all_varchar = true, "
                "quote = '\"', escape = '\"', union_by_name = true)",
                [paths],
            )
        for p in files:
            p.unlink(missing_ok=True)

    def load_object(self, plan: ObjectPlan, resend: bool) -> None:
        """Prepare and send one object (the sequential path)."""
        job = self.prepare_object(plan, resend)
        if job:
            self.send(*job)

    def prepare_object(self, plan: ObjectPlan, resend: bool) -> tuple[str, int, list[str], str] | None:
        """Everything before sending (skips, resolutions, the org's state, unchanged rows); returns the
        arguments of :meth:`send`, or None when the object is done (files upload here)."""
        obj = plan.name
        record_skips(self.con, self.ledger, self.run_id, obj)
        record_parent_skips(self.ledger, self.run_id, plan)
        if self.ctx.person_record_type_id and "_who_contact_key" in plan.columns:
            read_person_contacts(self.org, self.con)  # WhoId of a residential customer: its person Contact
        shape = send_shape(obj, plan.columns, self.ctx, self.ledger)
        res_sql = resolution_sql(obj, plan.columns, self.ctx)
        if res_sql:
            self.ledger.reset_resolutions(self.run_id, obj)
            self.ledger.record_resolution_select(self.run_id, obj, res_sql)
        if shape.unresolved_parent_sql:
            self.ledger.record_select(
                self.run_id,
                obj,
                1,
                "select source_key, 'failed' as action, null as sf_id, null as content_hash, "
                "'PARENT_NOT_LOADED' as error_code, message as error_message "
                f"from ({shape.unresolved_parent_sql})",
                [],
            )
        if obj in NOT_BULK:
            select, header = file_select(
                obj, shape.header, shape.exprs, shape.joins, self.ledger.done_keys_table(self.run_id, obj, 1)
            )
            uploader = FileUploader(
                self.org,
                self.ledger,
                self.run_id,
                self.settings.files_dir,
                self.work_dir,
                chunk=self.settings.load_chunk_rows,
            )
            uploader.run(self.con, select, header, set(self.ledger.sf_ids(obj)))
            if uploader.uploaded:
                self.sent[obj] = uploader.uploaded
            return None
        if self.settings.load_keep_created_date:
            created = created_date_expr(obj, plan.columns, self.org.create_only_fields(obj))
            if created:  # the org grants "Set Audit Fields upon Record Creation": keep the source's time
                shape.header.append("CreatedDate")
                shape.exprs.append(created)
        # the same external id twice in one job is refused (DUPLICATE_VALUE): never send a duplicated key
        self.ledger.record_select(
            self.run_id,
            obj,
            1,
            f"select {sql_ident(EXTERNAL_ID)} as source_key, 'failed' as action, null as sf_id, "
            "null as content_hash, 'DUPLICATE_SOURCE_KEY' as error_code, "
            "count(*) || ' mart rows share this external id; none sent' "
            f"as error_message from {MART_SCHEMA}.{sql_ident(obj)} group by 1 having count(*) > 1",
            [],
        )
        self.org.check_limits()  # reading the org's state is a Bulk query job: stop at the line before it
        self.read_org_state(obj, shape.header)
        key = f"m.{sql_ident(EXTERNAL_ID)}"
        row_hash = "md5(to_json(m))"
        before_cols = [h for h in shape.header if h != EXTERNAL_ID]
        before = (
            "to_json(struct_pack("
            + ", ".join(f"{sql_ident(c)} := nullif(o.{sql_ident(c)}, '')" for c in before_cols)
            + "))"
        )
        base = (
            f"from {MART_SCHEMA}.{sql_ident(obj)} as m {' '.join(shape.joins)} "
            f"left join {work_org(obj)} as o on o.{sql_ident(EXTERNAL_ID)} = {key} "
            f"left join ({self.ledger.last_loaded_sql(obj, exclude_run=self.run_id)}) as l "
            f"on l.source_key = {key}"
        )
        if not resend:
            self.ledger.record_select(
                self.run_id,
                obj,
                1,
                f"select {key} as source_key, 'unchanged' as action, o.{sql_ident('Id')} as sf_id, "
                f"{row_hash} as "
                f"content_hash, null as error_code, null as error_message {base} "
                f"where l.content_hash = {row_hash} and o.{sql_ident('Id')} is not null",
                [],
            )
        if INACTIVE in shape.header and self.inactive_policy != "flag":
            self.apply_inactive_policy(obj, base)
        # a record the org already holds is updated: fields the org takes on create only are sent empty
        # (an empty Bulk CSV cell leaves a field unchanged; null would be "#N/A", which clears it)
        create_only = self.org.create_only_fields(obj)
        exprs = [
            f"case when o.{sql_ident('Id')} is null then cast({e} as varchar) else '' end"
            if h in create_only
            else e
            for h, e in zip(shape.header, shape.exprs, strict=True)
        ]
        select = (
            f"select {', '.join(exprs)}, {key}, {row_hash}, "
            f"case when o.{sql_ident('Id')} is not null then {before} end, o.{sql_ident('Id')} {base} "
            f"where {key} not in ({self.ledger.done_keys_table(self.run_id, obj, 1)}) order by {key}"
        )
        return obj, 1, shape.header, select

    def apply_inactive_policy(self, obj: str, base: str) -> None:
        apply_inactive_policy(self, obj, base)

    def send(self, obj: str, pass_no: int, header: list[str], select: str) -> None:
        """Sweeps over the unsettled rows: full-size jobs first, then smaller ones for transient failures.

        Each sweep numbers its rows once in a DuckDB table; DuckDB writes every chunk's CSV (``COPY``) and
        its pending rows (set-wise), so no Python loop touches a row. Runs on a lane thread when objects
        load in parallel: every DuckDB call goes through ``self.db`` (the one thread owning the
        connection); HTTP happens here."""
        chunk_rows = self.settings.load_chunk_rows
        try:
            for attempt in range(self.settings.load_lock_retries + 1):
                final = attempt == self.settings.load_lock_retries
                wait = lock_retry_wait(self.settings.load_lock_retry_seconds, attempt) if attempt else 0.0
                if wait and self.stopping.wait(wait):
                    raise LimitStop(self.stopping_message)
                sweep = self.db(SendTable.build, self.con, obj, pass_no, header, select)
                bulk = BulkIngest(self.org, obj, self.work_dir)
                while True:
                    if self.stopping.is_set():
                        raise LimitStop(self.stopping_message)
                    self.org.check_limits()
                    chunk, count = self.db(self._next_spool, sweep, obj, pass_no, chunk_rows)
                    if not count:
                        break
                    kill_point("checkpointed", obj, chunk)
                    spool = self._spool_path(obj, pass_no, chunk)
                    with self.counter_lock:
                        self.in_flight += 1
                        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
                    try:
                        outcome = bulk.run(
                            "upsert",
                            spool,
                            count,
                            EXTERNAL_ID,
                            EXTERNAL_ID,
                            self._hooks(obj, pass_no, chunk, count, spool),
                        )
                    finally:
                        with self.counter_lock:
                            self.in_flight -= 1
                    self.db(self._settle, obj, pass_no, chunk, outcome, final=final)
                left = self.db(
                    lambda: self.con.execute(f"select count(*) from ({select})").fetchall()[0][0]
                )  # rows still unsettled: transient failures
                if not left:
                    return
                chunk_rows = max(50, chunk_rows // 4)
        finally:
            self.db(SendTable.drop, self.con, obj, pass_no)

    def _spool_path(self, obj: str, pass_no: int, chunk: int) -> Path:
        return self.work_dir / f"{obj}-{pass_no}-{chunk}.csv"

    def _next_spool(self, sweep: SendTable, obj: str, pass_no: int, chunk_rows: int):
        """The next chunk: spooled to CSV, its rows pending and its checkpoint written in one transaction
        (a kill between the two once left pending rows with no checkpoint; the resumed run reused the
        chunk number and settled every key of it twice: Case created 300 instead of 200)."""
        chunk = self.ledger.next_chunk(self.run_id, obj, pass_no)
        spool = self._spool_path(obj, pass_no, chunk)
        first, count = sweep.spool(self.con, spool, chunk_rows)
        if not count:
            spool.unlink(missing_ok=True)
            return chunk, 0
        with self.ledger.atomic():
            self.ledger.add_pending_select(self.run_id, obj, pass_no, chunk, sweep.extras_sql(first, count))
            self.ledger.checkpoint(self.run_id, obj, pass_no, chunk, None, "sending", count)
        return chunk, count

    def _hooks(self, obj: str, pass_no: int, chunk: int, count: int, spool: Path) -> JobHooks:
        """The load's steps around a job: the job id checkpointed before the upload (a resume looks it up,
        never re-sends it), the spool removed and the job counted once it is closed."""

        def created(job_id: str) -> None:
            self.db(self.ledger.checkpoint, self.run_id, obj, pass_no, chunk, job_id, "sending", count)
            kill_point("created", obj, chunk)

        def closed(job_id: str) -> None:
            spool.unlink(missing_ok=True)
            with self.counter_lock:
                self.jobs += 1
                self.sent[obj] = self.sent.get(obj, 0) + count
            kill_point("closed", obj, chunk)

        return JobHooks(created, lambda _job: kill_point("uploaded", obj, chunk), closed)

    def _settle(self, obj: str, pass_no: int, chunk: int, outcome, final: bool) -> None:
        """A job's results settle its chunk in SQL (``Ledger.settle_chunk``): a transient row error
        (row lock, unprocessed) stays unsettled for another job unless this is the final try; rows a failed
        job never answered fail with its message when it is final or not transient."""
        failure = None
        if outcome.state == "Failed" and (final or not _is_transient_job_error(outcome.error_message)):
            failure = outcome.error_message or "the job failed"
        retry = set() if final else TRANSIENT_ROW_ERRORS
        with self.ledger.atomic():  # results, pending rows and the done mark together
            _, retried = self.ledger.settle_chunk(
                self.run_id, obj, pass_no, chunk, outcome.job_id, outcome.table, retry, failure
            )
            kill_point("settling", obj, chunk)
            count = self.ledger.drop_pending(self.run_id, obj, pass_no, chunk)
            self.ledger.checkpoint(self.run_id, obj, pass_no, chunk, outcome.job_id, "done", count)
        if retried:
            self.retried[obj] = self.retried.get(obj, 0) + retried

    def second_pass(self, plan: ObjectPlan) -> None:
        """Self-lookups and cycle breakers: an upsert of the key and the deferred columns once all exist."""
        if not plan.second_pass:
            return
        cols = [lk.column for lk in plan.second_pass if not lk.column.startswith("_")]
        if not cols:
            return
        key = f"m.{sql_ident(EXTERNAL_ID)}"
        header = [EXTERNAL_ID, *cols]
        not_null = " or ".join(f"m.{sql_ident(c)} is not null" for c in cols)
        select = (
            f"select {', '.join(f'm.{sql_ident(c)}' for c in header)}, {key}, null, null, null "
            f"from {MART_SCHEMA}.{sql_ident(plan.name)} as m where ({not_null}) "
            f"and {key} in (select source_key from {self.ledger.last_loaded_sql(plan.name)}) "
            f"and {key} not in ({self.ledger.done_keys_table(self.run_id, plan.name, 2)}) order by {key}"
        )
        self.send(plan.name, 2, header, select)

    def run_level(self, objects: list[ObjectPlan], resend: bool) -> None:
        """One plan level: objects prepared one by one here, then sent in lanes (see :mod:`loaders.lanes`)
        at most ``load_parallel_objects`` at once; sequential when there is one lane or one slot."""
        jobs = {p.name: self.prepare_object(p, resend) for p in objects}
        lanes = [
            [jobs[p.name] for p in lane if jobs[p.name]]
            for lane in plan_lanes(self.con, [p for p in objects if jobs[p.name]])
        ]
        width = min(len(lanes), max(1, self.settings.load_parallel_objects))
        if width <= 1:
            for lane in lanes:
                for job in lane:
                    self.send(*job)
            return
        self.db = DbThread(parallel=True)
        errors: list[BaseException] = []

        def run_lane(lane: list[tuple]) -> None:
            try:
                for job in lane:
                    self.send(*job)
            except LimitStop as exc:  # the others finish the job in hand and stop before the next
                self.stopping_message = str(exc)
                self.stopping.set()
                errors.append(exc)
            except BaseException as exc:
                self.stopping_message = f"another object's load broke off: {exc}"
                self.stopping.set()
                errors.append(exc)

        try:
            with ThreadPoolExecutor(max_workers=width, thread_name_prefix="dp2sf-lane") as pool:
                list(pool.map(run_lane, lanes))
        finally:
            self.db.close()
            self.db = DbThread(parallel=False)
        if errors:
            first = next((e for e in errors if not isinstance(e, LimitStop)), errors[0])
            raise first


def _is_transient_job_error(message: str | None) -> bool:
    text = (message or "").lower()
    return "internalservererror" in text or "unable_to_lock_row" in text or "timeout" in text


def run_load(
    settings: Settings,
    resume: bool = False,
    resend: bool = False,
    kind: str = "full",
    objects: list[str] | None = None,
    org: OrgClient | None = None,
) -> LoadResult:
    """Load the marts into the target org (``resume`` continues the latest unfinished run; a delta continues
    an unfinished delta by itself)."""
    started = time.monotonic()
    con = open_db(settings)
    loader = None
    try:
        plan = make_plan(settings, con)
        ledger = Ledger(con)
        gate = check_load_gate(settings, kind, con, [p.name for p in plan.objects], error=LoadError)
        if org is None:
            try:
                org = org_client(settings)
            except Exception as exc:
                raise LoadError(f"cannot connect to the {settings.target} org: {exc}") from exc
        names = {p.name for p in plan.objects}
        unknown = sorted(set(objects or ()) - names)
        if unknown:
            raise LoadError(
                f"--object {', '.join(unknown)}: not an object of the load plan "
                f"(objects: {', '.join(p.name for p in plan.objects)})"
            )
        # the run to continue: one no rollback undid. A load resumes a full or a delta run, a sample only a
        # sample; a delta killed in its load is continued by the next delta (the same run, so its rollback
        # still reaches every record); any other new run over an unfinished one is refused
        kinds = ("full", "delta") if kind in ("full", "delta") else (kind,)
        unfinished = ledger.unfinished_run(kinds)
        if resume or (unfinished and kind == "delta" and unfinished["kind"] == "delta"):
            if unfinished is None:
                raise LoadError("no unfinished load run to resume: start one with `dp2sf load`")
            run_id = unfinished["run_id"]
            ledger.reopen_run(run_id)
            ledger.widen_run_objects(run_id, objects)
        elif unfinished and kind in ("full", "delta"):
            raise LoadError(
                f"load run {unfinished['run_id']} did not finish ({unfinished['status']}): "
                "`dp2sf load --resume` continues it, or `dp2sf rollback "
                f"{unfinished['run_id']}` undoes it; a new run over it is refused"
            )
        else:
            run_id = ledger.start_run(kind, settings.target, gate.mapping_hash, objects=objects)
        loader = Loader(settings, con, org, ledger, run_id)
        status, message = "completed", gate.warning or ""
        try:
            org.check_limits(fresh=True)
            ledger.note_clock(run_id, org.usage.clock_skew())  # the org's clock, for a later rollback
            # what of the org's own automation is active while we load (issue 20): recorded in the run
            active, _ = read_automation(org.sf, [p.name for p in plan.objects])
            ledger.record_automation(run_id, active)
            loader.ctx = read_org_context(
                org, con, settings.load_fallback_owner_email, person_accounts=_built_person_accounts(con)
            )
            loader.recover()
            chosen = [p for p in plan.objects if not objects or p.name in objects]
            for obj_plan in chosen:  # describes up front, so the stop line before each job counts them
                org.create_only_fields(obj_plan.name)
            for level in sorted({p.level for p in chosen}):
                loader.run_level([p for p in chosen if p.level == level], resend)
            for obj_plan in plan.objects:
                if not objects or obj_plan.name in objects:
                    loader.second_pass(obj_plan)
        except LimitStop as exc:
            status, message = "stopped", str(exc)
        except ResolveError as exc:
            ledger.note_clock(run_id, org.usage.clock_skew())
            ledger.finish_run(run_id, "failed", str(exc))
            raise LoadError(str(exc)) from exc
        except Exception as exc:
            ledger.note_clock(run_id, org.usage.clock_skew())
            ledger.finish_run(run_id, "failed", f"{type(exc).__name__}: {exc}")
            raise LoadError(
                f"load run {run_id} broke off: {type(exc).__name__}: {exc}; "
                "`dp2sf load --resume` continues it"
            ) from exc
        ledger.note_clock(run_id, org.usage.clock_skew())  # more samples by now: a closer estimate
        ledger.finish_run(run_id, status, message or None)
        failed_dir = write_failed_csvs(ledger, run_id, settings.reports_dir)
        return LoadResult(
            run_id=run_id,
            status=status,
            counts=ledger.counts(run_id),
            jobs=loader.jobs,
            api_calls=org.usage.calls,
            seconds=time.monotonic() - started,
            failed_dir=failed_dir,
            message=message,
            plan=plan,
            sent=loader.sent,
            inactive=loader.inactive,
            retried=loader.retried,
            peak_jobs_in_flight=loader.peak_in_flight,
        )
    finally:
        if loader:
            loader.close()
        con.close()
