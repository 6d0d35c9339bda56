"""The ledger (DuckDB schema ``ledger``): every run, every record's outcome, every job's checkpoint.

All ledger SQL lives here. One ``operations`` row per record per run (and per pass) says what happened:
created | updated | unchanged | failed | skipped | deleted | restored, with the Salesforce id, the row's
content hash, the before-image of an update (JSON of the fields it overwrote) and Salesforce's error.
``checkpoints`` hold one row per Bulk job so a run killed at any point resumes without re-sending completed
work. The reviews live here too: ``approvals`` (a sign-off of a mapping hash against its sample run) and
``sample_findings`` (the sample diff's field classes), with the functions the approval gate and the roof call.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb
import pyarrow as pa

from core.ids import new_run_id
from core.quoting import sql_literal

SCHEMA = "ledger"
ACTIONS = ("created", "updated", "unchanged", "failed", "skipped", "deleted", "restored")
LOADED = ("created", "updated", "unchanged")

DDL = f"""
create schema if not exists {SCHEMA};
create table if not exists {SCHEMA}.runs (
    run_id varchar primary key,
    kind varchar not null,            -- full | delta | rollback | sample
    target varchar not null,
    mapping_hash varchar,
    parent_run_id varchar,            -- the run a rollback undoes
    started_at timestamp not null,
    finished_at timestamp,
    status varchar not null,          -- running | completed | stopped | failed
    message varchar
);
-- the org's clock minus ours (seconds) while the run wrote: a rollback reads the org's LastModifiedDate
-- against the ledger's times through it (core.org_api.Usage.clock_skew)
alter table {SCHEMA}.runs add column if not exists org_clock_skew double;
-- the objects a load run was asked for (a JSON list; null: every object of the plan), so its reconciliation
-- covers those and does not count the others as missing
alter table {SCHEMA}.runs add column if not exists objects varchar;
create table if not exists {SCHEMA}.operations (
    run_id varchar not null,
    object_name varchar not null,
    source_key varchar not null,
    pass integer not null default 1,
    action varchar not null,
    sf_id varchar,
    content_hash varchar,
    before_image varchar,             -- JSON: the org's values of the fields an update overwrote
    error_code varchar,
    error_message varchar,
    job_id varchar,
    recorded_at timestamp not null
);
create table if not exists {SCHEMA}.checkpoints (
    run_id varchar not null,
    object_name varchar not null,
    pass integer not null,
    chunk_no integer not null,
    job_id varchar,
    state varchar not null,           -- sending | done
    rows integer not null,
    recorded_at timestamp not null,
    primary key (run_id, object_name, pass, chunk_no)
);
create table if not exists {SCHEMA}.pending (
    run_id varchar not null,
    object_name varchar not null,
    pass integer not null,
    chunk_no integer not null,
    source_key varchar not null,
    content_hash varchar,
    before_image varchar,
    sf_id_before varchar
);
create table if not exists {SCHEMA}.resolutions (
    run_id varchar not null,
    object_name varchar not null,
    source_key varchar not null,
    field varchar not null,
    input varchar,
    resolved_id varchar,
    decision varchar not null,        -- matched | fallback | unresolved
    recorded_at timestamp not null
);
create table if not exists {SCHEMA}.run_automation (  -- the org's automation active while the run loaded
    run_id varchar not null,
    object_name varchar not null,
    kind varchar not null,            -- apex_trigger | flow | validation_rule | duplicate_rule ...
    name varchar not null,
    fires_on varchar,
    could_do varchar,
    recorded_at timestamp not null
);-- what other packages read (reconciliation, skips, reports): views, not re-typed SQL
-- run_outcomes: each record's outcome in each run (pass 1: a second pass only sets self-lookups)
create or replace view {SCHEMA}.run_outcomes as
select run_id, object_name, source_key, action, sf_id, content_hash, before_image, error_code, error_message,
    job_id, recorded_at
from {SCHEMA}.operations where pass = 1;
-- last_loaded: per object and source key, the latest write of any run that left the record in the org
create or replace view {SCHEMA}.last_loaded as
select object_name, source_key, content_hash, sf_id, run_id, recorded_at from (
    select *, row_number() over (partition by object_name, source_key order by recorded_at desc) as rn
    from {SCHEMA}.run_outcomes
    where action in ('created', 'updated', 'unchanged', 'deleted', 'restored')
) where rn = 1 and action in ('created', 'updated', 'unchanged', 'restored');
"""


# the clock skew the latest run noted: the fallback for a run killed before it noted its own
_LATEST_SKEW = (
    f"select org_clock_skew from {SCHEMA}.runs where org_clock_skew is not null "
    "order by started_at desc limit 1"
)


OPERATION_TYPES = (
    (pa.string(),) * 3 + (pa.int32(),) + (pa.string(),) * 7 + (pa.timestamp("us"),)
)  # the columns of ledger.operations, in order


def insert_rows(con: duckdb.DuckDBPyConnection, table: str, types: Sequence[pa.DataType], rows: list) -> None:
    """``rows`` (tuples in the table's column order) inserted in one statement through an Arrow table:
    DuckDB's ``executemany`` runs one INSERT per row (a rollback of 29k rows spent 99% of its time there)."""
    if not rows:
        return
    cols = list(zip(*rows, strict=True))
    ledger_rows_in = pa.table(  # noqa: F841 - read by DuckDB below (a replacement scan of this local)
        [pa.array(c, type=t) for c, t in zip(cols, types, strict=True)],
        names=[f"c{i}" for i in range(len(types))],
    )
    # execute, not register: register refuses while the connection holds an unfinished result
    con.execute(f"insert into {table} select * from ledger_rows_in")


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class Operation:
    """One record's outcome in one run."""

    object_name: str
    source_key: str
    action: str
    sf_id: str | None = None
    content_hash: str | None = None
    before_image: dict | None = None
    error_code: str | None = None
    error_message: str | None = None
    job_id: str | None = None
    pass_no: int = 1


class Ledger:
    """The ledger in one DuckDB connection (the loader is its only writer)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        con.execute(DDL)

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """One transaction: a kill -9 inside it leaves none of its writes (DuckDB drops an uncommitted
        transaction on restart), so a chunk's pending rows and its checkpoint, or its results and its
        ``done`` mark, are never half written."""
        self.con.execute("begin transaction")
        try:
            yield
        except BaseException:
            self.con.execute("rollback")
            raise
        self.con.execute("commit")

    # -- runs -----------------------------------------------------------------------------------
    def start_run(
        self,
        kind: str,
        target: str,
        mapping_hash: str | None,
        parent: str | None = None,
        objects: list[str] | None = None,
    ) -> str:
        run_id = new_run_id(kind)
        asked = json.dumps(sorted(objects)) if objects else None
        self.con.execute(
            f"insert into {SCHEMA}.runs (run_id, kind, target, mapping_hash, parent_run_id, started_at, "
            "status, objects) values (?, ?, ?, ?, ?, ?, 'running', ?)",
            [run_id, kind, target, mapping_hash, parent, now(), asked],
        )
        return run_id

    def widen_run_objects(self, run_id: str, objects: list[str] | None) -> None:
        """A resume asked for ``objects`` (None: every object): the run now covers those too."""
        before = self.run_objects(run_id)
        union = None if before is None or not objects else sorted({*before, *objects})
        self.con.execute(
            f"update {SCHEMA}.runs set objects = ? where run_id = ?",
            [json.dumps(union) if union else None, run_id],
        )

    def run_objects(self, run_id: str) -> list[str] | None:
        """The objects a run was asked for; None: every object of the plan."""
        rows = self.con.execute(f"select objects from {SCHEMA}.runs where run_id = ?", [run_id]).fetchall()
        return json.loads(rows[0][0]) if rows and rows[0][0] else None

    def finish_run(self, run_id: str, status: str, message: str | None = None) -> None:
        self.con.execute(
            f"update {SCHEMA}.runs set status = ?, finished_at = ?, message = ? where run_id = ?",
            [status, now(), message, run_id],
        )

    def note_clock(self, run_id: str, skew: float) -> None:
        """Record the org's clock minus ours seen during the run (see :meth:`last_own_writes`)."""
        self.con.execute(f"update {SCHEMA}.runs set org_clock_skew = ? where run_id = ?", [skew, run_id])

    def record_automation(self, run_id: str, found: list) -> None:
        """What of the org's automation (``core.org_automation.Automation``) was active while ``run_id``
        loaded (a resumed run records it again: the org may have changed in between)."""
        if not found:
            return
        stamp = now()
        insert_rows(
            self.con,
            f"{SCHEMA}.run_automation",
            [*(pa.string() for _ in range(6)), pa.timestamp("us")],
            [(run_id, a.object, a.kind, a.name, a.fires_on, a.could_do, stamp) for a in found],
        )

    def automation(self, run_id: str) -> list[tuple[str, str, str]]:
        """(object, kind, name) of the automation recorded for ``run_id`` (each once)."""
        return self.con.execute(
            f"select distinct object_name, kind, name from {SCHEMA}.run_automation where run_id = ? "
            "order by 1, 2, 3",
            [run_id],
        ).fetchall()

    def reopen_run(self, run_id: str) -> None:
        self.con.execute(
            f"update {SCHEMA}.runs set status = 'running', finished_at = null where run_id = ?", [run_id]
        )

    def run(self, run_id: str) -> dict | None:
        cur = self.con.execute(f"select * from {SCHEMA}.runs where run_id = ?", [run_id])
        rows = cur.fetchall()
        row = rows[0] if rows else None
        return dict(zip([d[0] for d in cur.description], row, strict=True)) if row else None

    def latest_run(self, kinds: Sequence[str]) -> dict | None:
        """The latest run (any status) of these kinds."""
        marks = ", ".join("?" for _ in kinds)
        rows = self.con.execute(
            f"select run_id from {SCHEMA}.runs where kind in ({marks}) order by started_at desc limit 1",
            list(kinds),
        ).fetchall()
        return self.run(rows[0][0]) if rows else None

    def unfinished_run(self, kinds: Sequence[str]) -> dict | None:
        """The latest run of these kinds that did not complete and that no rollback has undone (a new load
        over it would record the killed run's records as its own updates, out of any rollback's reach)."""
        marks = ", ".join("?" for _ in kinds)
        cur = self.con.execute(
            f"select run_id, status, kind from {SCHEMA}.runs as r where kind in ({marks}) "
            "and status in ('running', 'stopped', 'failed') and not exists (select 1 from "
            f"{SCHEMA}.runs as b where b.kind = 'rollback' and b.parent_run_id = r.run_id "
            "and b.status = 'completed') order by started_at desc limit 1",
            list(kinds),
        )
        row = cur.fetchall()
        return {"run_id": row[0][0], "status": row[0][1], "kind": row[0][2]} if row else None

    def last_own_writes(self, object_name: str, source_keys: Sequence[str]) -> dict[str, datetime]:
        """Per source key, when any of our runs (loads, deltas, rollbacks) last wrote the record, on the
        org's clock (each run's noted clock skew added; a run killed before it noted one takes the latest
        skew any run noted): what the org's ``LastModifiedDate`` may be with no one else having edited it."""
        if not source_keys:
            return {}
        rows = self.con.execute(
            f"""
            select o.source_key,
                max(o.recorded_at + to_microseconds(cast(
                    coalesce(r.org_clock_skew, ({_LATEST_SKEW}), 0) * 1e6 as bigint)))
            from {SCHEMA}.operations as o
            inner join {SCHEMA}.runs as r on o.run_id = r.run_id
            where o.object_name = ? and o.action in ('created', 'updated', 'restored')
                and o.source_key in (select unnest(?))
            group by o.source_key
            """,
            [object_name, list(source_keys)],
        ).fetchall()
        return dict(rows)

    def clock_skew(self, run_id: str) -> float:
        """The org's clock minus ours as the run noted it (the latest noted by any run, else 0)."""
        row = self.con.execute(
            f"select coalesce((select org_clock_skew from {SCHEMA}.runs where run_id = ?), "
            f"({_LATEST_SKEW}), 0)",
            [run_id],
        ).fetchone()
        return float(row[0])

    # -- operations -----------------------------------------------------------------------------
    def record(self, run_id: str, ops: Iterable[Operation]) -> int:
        stamp = now()
        rows = [
            (
                run_id,
                o.object_name,
                o.source_key,
                o.pass_no,
                o.action,
                o.sf_id,
                o.content_hash,
                json.dumps(o.before_image, sort_keys=True, default=str) if o.before_image else None,
                o.error_code,
                o.error_message,
                o.job_id,
                stamp,
            )
            for o in ops
        ]
        insert_rows(self.con, f"{SCHEMA}.operations", OPERATION_TYPES, rows)
        return len(rows)

    def done_keys_table(self, run_id: str, object_name: str, pass_no: int) -> str:
        """A SQL subquery of the source keys this run already settled for an object and pass."""
        return (
            f"select source_key from {SCHEMA}.operations where run_id = {sql_literal(run_id)} "
            f"and object_name = {sql_literal(object_name)} and pass = {int(pass_no)}"
        )

    def last_loaded_sql(self, object_name: str, exclude_run: str | None = None) -> str:
        """Subquery: per source key of an object, the latest loaded (hash, sf_id): the view
        ``ledger.last_loaded``; with ``exclude_run``, the same over the other runs (a resumed run compares
        with what was there before it)."""
        if not exclude_run:
            return (
                f"select source_key, content_hash, sf_id from {SCHEMA}.last_loaded "
                f"where object_name = {sql_literal(object_name)}"
            )
        return (
            "select source_key, content_hash, sf_id from ("
            "select source_key, content_hash, sf_id, action, row_number() over "
            "(partition by source_key order by recorded_at desc) as rn "
            f"from {SCHEMA}.run_outcomes where object_name = {sql_literal(object_name)} "
            f"and action in ('created', 'updated', 'unchanged', 'deleted', 'restored') "
            f"and run_id <> {sql_literal(exclude_run)}"
            ") where rn = 1 and action in ('created', 'updated', 'unchanged', 'restored')"
        )

    def sf_ids(self, object_name: str) -> dict[str, str]:
        """The latest Salesforce id the ledger holds per source key of an object (any run, loaded rows)."""
        rows = self.con.execute(
            f"select source_key, sf_id from ({self.last_loaded_sql(object_name)}) where sf_id is not null"
        ).fetchall()
        return dict(rows)

    def counts(self, run_id: str) -> dict[str, dict[str, int]]:
        """Per object, per action, the number of records of a run (pass 1 only: one row per record)."""
        out: dict[str, dict[str, int]] = {}
        for obj, action, n in self.con.execute(
            f"select object_name, action, count(*) from {SCHEMA}.operations where run_id = ? and pass = 1 "
            "group by all order by all",
            [run_id],
        ).fetchall():
            out.setdefault(obj, {})[action] = n
        return out

    def operations(self, run_id: str, object_name: str | None = None, actions: Sequence[str] = ()) -> list:
        sql = f"select * from {SCHEMA}.operations where run_id = ?"
        params: list = [run_id]
        if object_name:
            sql += " and object_name = ?"
            params.append(object_name)
        if actions:
            sql += f" and action in ({', '.join('?' for _ in actions)})"
            params.extend(actions)
        cur = self.con.execute(sql + " order by recorded_at, source_key", params)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    def pending_pages(
        self, target_run: str, run_id: str, object_name: str, page: int
    ) -> Iterator[list[dict]]:
        """The target run's created/updated pass-1 rows of an object (with an sf_id) that ``run_id`` has not
        settled, in ``operations``' order (recorded_at, source_key), ``page`` rows at a time: the list waits
        in a DuckDB temp table, never whole in Python (a rollback at L has millions of rows per object)."""
        self.con.execute(
            "create or replace temp table _rollback_pending as select row_number() over "
            f"(order by recorded_at, source_key) as _n, * from {SCHEMA}.operations where run_id = ? "
            "and object_name = ? and action in ('created', 'updated') and pass = 1 "
            "and coalesce(sf_id, '') <> '' "
            f"and source_key not in ({self.done_keys_table(run_id, object_name, 1)})",
            [target_run, object_name],
        )
        try:
            total = self.con.execute("select count(*) from _rollback_pending").fetchone()[0]
            for start in range(0, total, page):
                cur = self.con.execute(
                    "select * exclude (_n) from _rollback_pending where _n > ? and _n <= ? order by _n",
                    [start, start + page],
                )
                names = [d[0] for d in cur.description]
                yield [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
        finally:
            self.con.execute("drop table if exists _rollback_pending")

    def failed_rows(self, run_id: str) -> dict[str, list[tuple]]:
        out: dict[str, list[tuple]] = {}
        for obj, key, pass_no, code, msg in self.con.execute(
            f"select object_name, source_key, pass, error_code, error_message from {SCHEMA}.operations "
            "where run_id = ? and action = 'failed' order by object_name, source_key",
            [run_id],
        ).fetchall():
            out.setdefault(obj, []).append((key, pass_no, code, msg))
        return out

    # -- checkpoints ----------------------------------------------------------------------------
    def checkpoint(
        self, run_id: str, obj: str, pass_no: int, chunk: int, job_id: str | None, state: str, rows: int
    ):
        self.con.execute(
            f"insert or replace into {SCHEMA}.checkpoints values (?, ?, ?, ?, ?, ?, ?, ?)",
            [run_id, obj, pass_no, chunk, job_id, state, rows, now()],
        )

    def open_checkpoints(self, run_id: str) -> list[tuple[str, int, int, str | None]]:
        """Jobs of a run that were sent but whose results are not yet in the ledger."""
        return self.con.execute(
            f"select object_name, pass, chunk_no, job_id from {SCHEMA}.checkpoints "
            "where run_id = ? and state = 'sending' order by recorded_at",
            [run_id],
        ).fetchall()

    def next_chunk(self, run_id: str, obj: str, pass_no: int) -> int:
        row = self.con.execute(
            f"select coalesce(max(chunk_no), 0) + 1 from {SCHEMA}.checkpoints "
            "where run_id = ? and object_name = ? and pass = ?",
            [run_id, obj, pass_no],
        ).fetchall()
        return int(row[0][0])

    def jobs_done(self, run_id: str) -> int:
        return self.con.execute(
            f"select count(*) from {SCHEMA}.checkpoints where run_id = ? and state = 'done'", [run_id]
        ).fetchall()[0][0]

    # -- pending rows of a job (what a chunk sent: hashes, before-images), for results and resume ---------
    def add_pending_select(self, run_id: str, obj: str, pass_no: int, chunk: int, select_sql: str) -> None:
        """Pending rows from a query yielding (source_key, content_hash, before_image, sf_id before)."""
        self.con.execute(
            f"insert into {SCHEMA}.pending select ?, ?, ?, ?, s.* from ({select_sql}) as s",
            [run_id, obj, pass_no, chunk],
        )

    def pending_keys(self, run_id: str, obj: str, pass_no: int, chunk: int) -> set[str]:
        rows = self.con.execute(
            f"select source_key from {SCHEMA}.pending where run_id = ? and object_name = ? and pass = ? "
            "and chunk_no = ?",
            [run_id, obj, pass_no, chunk],
        ).fetchall()
        return {r[0] for r in rows}

    def drop_orphan_pending(self, run_id: str) -> int:
        """Pending rows of chunks with no open checkpoint (left by a kill of an older version of the loader
        between writing them and the checkpoint): a reused chunk number would otherwise settle them twice."""
        before = self.con.execute(
            f"select count(*) from {SCHEMA}.pending where run_id = ?", [run_id]
        ).fetchall()[0][0]
        self.con.execute(
            f"""delete from {SCHEMA}.pending as p where p.run_id = ? and not exists (
                select 1 from {SCHEMA}.checkpoints as c where c.run_id = p.run_id
                and c.object_name = p.object_name and c.pass = p.pass and c.chunk_no = p.chunk_no
                and c.state = 'sending')""",
            [run_id],
        )
        after = self.con.execute(
            f"select count(*) from {SCHEMA}.pending where run_id = ?", [run_id]
        ).fetchall()[0][0]
        return before - after

    def drop_pending(self, run_id: str, obj: str, pass_no: int, chunk: int) -> int:
        """Remove a chunk's pending rows; returns how many there were."""
        return self.con.execute(
            f"delete from {SCHEMA}.pending where run_id = ? and object_name = ? and pass = ? "
            "and chunk_no = ?",
            [run_id, obj, pass_no, chunk],
        ).fetchone()[0]

    def settle_chunk(
        self,
        run_id: str,
        obj: str,
        pass_no: int,
        chunk: int,
        job_id: str | None,
        results: pa.Table,
        retry_codes: set[str],
        job_failure: str | None,
    ) -> tuple[int, int]:
        """Settle a pending chunk from a job's results (``loaders.bulk.RESULTS_SCHEMA``), set-wise: the
        results are joined to the chunk's pending rows in SQL (the first line per key, successful before
        failed before unprocessed); ``CODE:message:fields --`` errors are split into code and message.
        A row whose error code is in ``retry_codes`` stays unsettled (it goes out again); a pending key with
        no result settles as ``JOB_FAILED`` with ``job_failure`` when that is given. Created/updated rows
        carry the pending hash, an update its before-image. Returns (rows settled, rows left to retry)."""
        self.con.register("_results_in", results)
        try:
            self.con.execute(
                f"""
                create or replace temp table _settle as
                with chunk_rows as (
                    select * from {SCHEMA}.pending
                    where run_id = ? and object_name = ? and pass = ? and chunk_no = ?
                        and source_key not in ({self.done_keys_table(run_id, obj, pass_no)})
                    qualify row_number() over (partition by source_key) = 1
                ),
                firsts as (
                    select r.*, trim(coalesce(r.error, '')) as t0
                    from _results_in as r
                    where r.source_key in (select source_key from chunk_rows)
                    qualify row_number() over (partition by r.source_key order by r.kind) = 1
                ),
                texts as (
                    select *, case when t0 like '%--' then rtrim(left(t0, length(t0) - 2)) else t0 end as t
                    from firsts
                ),
                coded as (
                    select source_key, sf_id, created, kind, t,
                        regexp_full_match(split_part(t, ':', 1), '[A-Z0-9_]*[A-Z][A-Z0-9_]*') as has_code
                    from texts
                )
                select
                    p.*,
                    c.source_key is not null as answered,
                    c.sf_id as result_sf_id,
                    c.created,
                    case
                        when c.source_key is null then case when ? is not null then 'JOB_FAILED' end
                        when c.kind = 0 then null
                        when c.has_code then split_part(c.t, ':', 1)
                        else 'ERROR'
                    end as error_code,
                    case
                        when c.source_key is null then ?
                        when c.kind = 0 then null
                        when c.has_code then substr(c.t, length(split_part(c.t, ':', 1)) + 2)
                        else c.t
                    end as error_message
                from chunk_rows as p
                left join coded as c on p.source_key = c.source_key
                """,
                [run_id, obj, pass_no, chunk, job_failure, job_failure],
            )
        finally:
            self.con.unregister("_results_in")
        codes = sorted(retry_codes)
        retry_filter = f"error_code in ({', '.join('?' * len(codes))})" if codes else "false"
        retried = self.con.execute(
            f"select count(*) from _settle where answered and {retry_filter}", codes
        ).fetchone()[0]
        settled = self.con.execute(  # DuckDB answers an insert with its row count
            f"""
            insert into {SCHEMA}.operations
            select
                run_id, object_name, source_key, pass,
                case when error_code is not null then 'failed'
                    when created then 'created' else 'updated' end,
                coalesce(result_sf_id, sf_id_before),
                content_hash,
                case when error_code is null and not coalesce(created, false) then before_image end,
                error_code, error_message, ?, ?
            from _settle
            where (answered or error_code is not null) and not (answered and coalesce({retry_filter}, false))
            """,
            [job_id, now(), *codes],
        ).fetchone()[0]
        self.con.execute("drop table _settle")
        return settled, retried

    # -- set-wise records (skips, unchanged rows, unresolved parents) ---------------------------
    def record_select(self, run_id: str, obj: str, pass_no: int, select_sql: str, params: list) -> int:
        """Insert operations from a query yielding (source_key, action, sf_id, content_hash, error_code,
        error_message), leaving out keys this run already settled for the object and pass."""
        before = self._count(run_id, obj, pass_no)
        self.con.execute(
            f"""
            insert into {SCHEMA}.operations
            select ?, ?, s.source_key, ?, s.action, s.sf_id, s.content_hash, null, s.error_code,
                s.error_message, null, ?
            from ({select_sql}) as s
            where s.source_key is not null
                and s.source_key not in ({self.done_keys_table(run_id, obj, pass_no)})
            """,
            [run_id, obj, pass_no, now(), *params],
        )
        return self._count(run_id, obj, pass_no) - before

    def _count(self, run_id: str, obj: str, pass_no: int) -> int:
        return self.con.execute(
            f"select count(*) from {SCHEMA}.operations where run_id = ? and object_name = ? and pass = ?",
            [run_id, obj, pass_no],
        ).fetchall()[0][0]

    def reset_resolutions(self, run_id: str, obj: str) -> None:
        self.con.execute(
            f"delete from {SCHEMA}.resolutions where run_id = ? and object_name = ?", [run_id, obj]
        )

    def record_resolution_select(self, run_id: str, obj: str, select_sql: str) -> None:
        """select_sql yields (source_key, field, input, resolved_id, decision)."""
        self.con.execute(
            f"insert into {SCHEMA}.resolutions select ?, ?, s.*, ? from ({select_sql}) as s",
            [run_id, obj, now()],
        )


# -- reviews: approvals and sample findings (the gate and `dp2sf map approve` / `dp2sf sample` call these) --
REVIEW_DDL = f"""
create schema if not exists {SCHEMA};
create table if not exists {SCHEMA}.approvals (
    approved_at timestamp not null,
    approved_by varchar not null,
    mapping_hash varchar not null,
    sample_run_id varchar not null,
    accepted_findings_reason varchar
);
-- issue 18: the org the approval is for (its Organization Id, read from the org) and how it was signed
alter table {SCHEMA}.approvals add column if not exists org_id varchar;
alter table {SCHEMA}.approvals add column if not exists signed_via varchar;
create table if not exists {SCHEMA}.sample_findings (
    run_id varchar not null,
    object varchar not null,
    field varchar not null,
    external_id varchar not null,
    finding varchar not null,       -- equal | mismatch | truncated | picklist_gap | unresolved_lookup |
                                    -- changed_by_org | missing_record | dropped | flagged | declared |
                                    -- lost_edge | filtered | empty | set_by_mapping | proposed (sample_diff)
    source_value varchar,
    intended_value varchar,
    org_value varchar,
    blocking boolean not null
);
create table if not exists {SCHEMA}.approved_lineage (
    mapping_hash varchar not null,  -- the approval's hash: build/lineage.csv as it was when it was signed
    approved_at timestamp not null,
    source_table varchar not null,
    source_column varchar not null,
    object varchar not null,
    field varchar not null,
    transformation varchar not null
);
"""
LINEAGE_COLUMNS = ["source_table", "source_column", "object", "field", "transformation"]
FINDING_COLUMNS = [
    "run_id", "object", "field", "external_id", "finding", "source_value", "intended_value", "org_value",
    "blocking",
]  # fmt: skip


def _has_table(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
            [SCHEMA, table],
        ).fetchone()[0]
    )


def sample_run_for(con: duckdb.DuckDBPyConnection, hash_: str) -> str | None:
    """The latest completed sample run of this mapping hash."""
    if not _has_table(con, "runs"):
        return None
    row = con.execute(
        f"select run_id from {SCHEMA}.runs where kind = 'sample' and status = 'completed' "
        "and mapping_hash = ? order by coalesce(finished_at, started_at) desc limit 1",
        [hash_],
    ).fetchone()
    return row[0] if row else None


def blocking_findings(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, int]:
    """Blocking findings of a sample run, counted per kind of finding."""
    if not _has_table(con, "sample_findings"):
        return {}
    rows = con.execute(
        f"select finding, count(*) from {SCHEMA}.sample_findings where run_id = ? and blocking "
        "group by finding order by 2 desc, 1",
        [run_id],
    ).fetchall()
    return dict(rows)


def approval_for(
    con: duckdb.DuckDBPyConnection, hash_: str, org_id: str | None = None, demo: bool = True
) -> dict | None:
    """The latest approval of this mapping hash (for the org ``org_id`` when given; ``demo=False`` leaves
    out the sign-offs ``dp2sf demo`` recorded), or None."""
    if not _has_table(con, "approvals"):
        return None
    columns = {
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
            [SCHEMA, "approvals"],
        ).fetchall()
    }
    where, params = "mapping_hash = ?", [hash_]
    if org_id is not None or not demo:
        if "org_id" not in columns:  # an approval from before issue 18 names no org: it opens none
            return None
        if org_id is not None:
            where, params = where + " and org_id = ?", [*params, org_id]
        if not demo:
            where += " and coalesce(signed_via, '') <> 'demo'"
    cur = con.execute(
        f"select * from {SCHEMA}.approvals where {where} order by approved_at desc limit 1", params
    )
    row = cur.fetchone()
    return dict(zip([d[0] for d in cur.description], row, strict=True)) if row else None


def record_approval(
    con: duckdb.DuckDBPyConnection,
    at: datetime,
    who: str,
    hash_: str,
    sample_run: str,
    reason: str | None,
    org_id: str | None = None,
    signed_via: str = "map approve",
) -> None:
    """One sign-off row: who, which hash, which sample run, for which org, signed how."""
    con.execute(REVIEW_DDL)
    con.execute(
        f"insert into {SCHEMA}.approvals (approved_at, approved_by, mapping_hash, sample_run_id, "
        "accepted_findings_reason, org_id, signed_via) values (?, ?, ?, ?, ?, ?, ?)",
        [at, who, hash_, sample_run, reason, org_id, signed_via],
    )


def record_approved_lineage(
    con: duckdb.DuckDBPyConnection, at: datetime, hash_: str, rows: list[dict[str, str]]
) -> None:
    """The lineage (``build/lineage.csv`` rows) the approval of ``hash_`` at ``at`` signed, kept with it."""
    con.execute(REVIEW_DDL)
    insert_rows(
        con,
        f"{SCHEMA}.approved_lineage",
        [pa.string(), pa.timestamp("us"), *(pa.string() for _ in LINEAGE_COLUMNS)],
        [(hash_, at, *(r[c] for c in LINEAGE_COLUMNS)) for r in rows],
    )


def approved_lineage(con: duckdb.DuckDBPyConnection) -> tuple[str | None, list[dict[str, str]]]:
    """The latest approval's hash and the lineage rows it signed ((None, []) before any approval)."""
    if not _has_table(con, "approved_lineage"):
        return None, []
    latest = con.execute(
        f"select mapping_hash, approved_at from {SCHEMA}.approved_lineage order by approved_at desc limit 1"
    ).fetchone()
    if latest is None:
        return None, []
    cols = ", ".join(LINEAGE_COLUMNS)
    rows = con.execute(
        f"select {cols} from {SCHEMA}.approved_lineage where mapping_hash = ? and approved_at = ? "
        f"order by {cols}",
        list(latest),
    ).fetchall()
    return latest[0], [dict(zip(LINEAGE_COLUMNS, r, strict=True)) for r in rows]


def record_sample_run(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    target: str,
    hash_: str | None,
    started: datetime,
    status: str,
    message: str,
) -> None:
    """The ``runs`` row of a sample (its own ledger lives in the sample's DuckDB); replaces an earlier one."""
    Ledger(con)  # the ledger's tables exist
    con.execute(f"delete from {SCHEMA}.runs where run_id = ?", [run_id])
    con.execute(
        f"insert into {SCHEMA}.runs (run_id, kind, target, mapping_hash, started_at, finished_at, status, "
        "message) values (?, 'sample', ?, ?, ?, ?, ?, ?)",
        [run_id, target, hash_, started, now(), status, message],
    )


def run_started(con: duckdb.DuckDBPyConnection, run_id: str) -> datetime | None:
    """When a run started, or None."""
    if not _has_table(con, "runs"):
        return None
    rows = con.execute(f"select started_at from {SCHEMA}.runs where run_id = ?", [run_id]).fetchall()
    return rows[0][0] if rows else None


def write_sample_findings(con: duckdb.DuckDBPyConnection, run_id: str, findings) -> None:
    """Replace this run's rows of ``sample_findings`` (``findings``: a DataFrame with FINDING_COLUMNS)."""
    con.execute(REVIEW_DDL)
    con.execute(f"delete from {SCHEMA}.sample_findings where run_id = ?", [run_id])
    if findings.empty:
        return
    frame = findings[FINDING_COLUMNS]  # noqa: F841 - read by DuckDB below
    con.execute(f"insert into {SCHEMA}.sample_findings select {', '.join(FINDING_COLUMNS)} from frame")


def read_sample_findings(con: duckdb.DuckDBPyConnection, run_id: str):
    """A sample run's findings as a DataFrame (empty when there are none)."""
    import pandas as pd

    if not _has_table(con, "sample_findings"):
        return pd.DataFrame(columns=FINDING_COLUMNS)
    return con.execute(
        f"select {', '.join(FINDING_COLUMNS)} from {SCHEMA}.sample_findings where run_id = ? "
        "order by object, field, external_id",
        [run_id],
    ).df()
