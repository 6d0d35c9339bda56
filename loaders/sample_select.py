"""The sample's selection: stratified jobs, then every raw row they need, copied to a DuckDB of its own.

Jobs are chosen to cover every stratum present in the source (job type, status, priority level, technician
assigned) and the edge cases (customers with several sites and with one, residential and commercial,
signatures, attachments, invoices, unicode text, long notes): a greedy set cover over the jobs in an order
shuffled by the seed, then filled up to the size round-robin over job types. The cover wins over the size:
when the strata need more jobs than asked for, the sample is larger and says so.

Then every raw row those jobs need: their customers (with all the customers' locations, so a multi-site
customer stays multi-site), contacts, appointments, assignments, history, notes, attachments, files,
forms, calls, invoices with their items and the payments applied to them; dlt child tables follow their root
row (``_dlt_root_id``); reference tables (technicians, job types, business units, zones, …) and dlt's own
tables are copied whole. Deterministic for a seed: the same source and seed give the same rows.
"""

from __future__ import annotations

import heapq
import random
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from core.errors import Dp2sfError
from core.quoting import sql_ident

RAW = "raw_dispatch_pro"
LONG_NOTE = 4000  # CaseComment.CommentBody holds 4,000 characters; longer notes become Files


class SampleSelectError(Dp2sfError):
    """The source cannot be sampled (no raw jobs, DuckDB locked by another writer)."""


@dataclass
class Selection:
    """The chosen jobs, why (the strata each covers), and the rows copied per raw table."""

    seed: int
    size: int
    jobs: list[int]
    strata: dict[str, set[str]]  # stratum kind -> values present in the source
    covered: dict[str, set[str]]  # stratum kind -> values covered by the chosen jobs
    rows: dict[str, int] = field(default_factory=dict)  # raw table -> rows copied
    source_rows: dict[str, int] = field(default_factory=dict)

    @property
    def missing(self) -> dict[str, set[str]]:
        return {
            k: v - self.covered.get(k, set())
            for k, v in self.strata.items()
            if v - self.covered.get(k, set())
        }


def _tables(con: duckdb.DuckDBPyConnection, catalog: str) -> dict[str, list[str]]:
    rows = con.execute(
        "select table_name, column_name from information_schema.columns "
        "where table_catalog = ? and table_schema = ? order by table_name, ordinal_position",
        [catalog, RAW],
    ).fetchall()
    out: dict[str, list[str]] = {}
    for table, column in rows:
        out.setdefault(table, []).append(column)
    return out


def _has(cols: dict[str, list[str]], table: str, *columns: str) -> bool:
    return table in cols and all(c in cols[table] for c in columns)


def job_tags(con: duckdb.DuckDBPyConnection, src: str = "src") -> dict[int, set[str]]:
    """Per job, the strata it stands for (``kind:value``)."""
    cols = _tables(con, src)
    if "jobs" not in cols:
        raise SampleSelectError(f"no {RAW}.jobs in the source: run `dp2sf extract` first")
    r = f"{src}.{RAW}"
    parts = [
        f"select id, 'job_type:' || job_type_id from {r}.jobs where job_type_id is not null",
        f"select id, 'status:' || job_status from {r}.jobs where job_status is not null",
        f"select id, 'priority:' || priority from {r}.jobs where priority is not null",
    ]
    if _has(cols, "appointment_assignments", "job_id", "technician_id"):
        parts.append(
            f"select job_id, 'technician:' || technician_id from {r}.appointment_assignments "
            "where technician_id is not null"
        )
    if _has(cols, "customers", "type"):
        parts.append(
            f"select j.id, 'customer:' || lower(c.type) from {r}.jobs as j "
            f"inner join {r}.customers as c on c.id = j.customer_id where c.type is not null"
        )
    if _has(cols, "locations", "customer_id"):
        parts.append(
            "select j.id, 'sites:' || case when n.sites > 1 then 'several' else 'one' end "
            f"from {r}.jobs as j "
            f"inner join (select customer_id, count(*) as sites from {r}.locations group by 1) as n "
            "on n.customer_id = j.customer_id"
        )
    if _has(cols, "form_submissions__owners", "id", "type"):
        parts.append(
            f"select o.id, 'edge:signature' from {r}.form_submissions__owners as o where o.type = 'Job'"
        )
    if _has(cols, "job_attachments", "job_id"):
        parts.append(f"select job_id, 'edge:attachment' from {r}.job_attachments")
    if _has(cols, "invoices", "job__id"):
        parts.append(f"select job__id, 'edge:invoice' from {r}.invoices where job__id is not null")
    if _has(cols, "job_notes", "job_id", "text"):
        parts.append(f"select job_id, 'edge:long_note' from {r}.job_notes where length(text) > {LONG_NOTE}")
        parts.append(
            f"select job_id, 'edge:unicode' from {r}.job_notes where regexp_matches(text, '[^\\x00-\\x7F]')"
        )
    parts.append(f"select id, 'edge:unicode' from {r}.jobs where regexp_matches(summary, '[^\\x00-\\x7F]')")
    if _has(cols, "customers", "name"):
        parts.append(
            f"select j.id, 'edge:unicode' from {r}.jobs as j inner join {r}.customers as c "
            "on c.id = j.customer_id where regexp_matches(c.name, '[^\\x00-\\x7F]')"
        )
    tags: dict[int, set[str]] = {}
    for job, tag in con.execute(" union ".join(f"({p})" for p in parts)).fetchall():
        if job is not None:
            tags.setdefault(int(job), set()).add(tag)
    for (job,) in con.execute(f"select id from {r}.jobs").fetchall():
        tags.setdefault(int(job), set())
    return tags


def choose_jobs(tags: dict[int, set[str]], size: int, seed: int) -> list[int]:
    """A greedy cover of every tag (ties broken by a seeded shuffle), then round-robin over job types.

    The cover is lazy: a job's gain (its tags not yet covered) only shrinks as tags get covered, so a job is
    re-scored only when it comes to the top of the heap; the first job whose fresh gain still leads is the one
    a full scan would pick (most uncovered tags, then first in the shuffled order). A scan of every job per
    pick took over ten minutes at L (a million jobs, a pick per tag)."""
    order = sorted(tags)
    random.Random(seed).shuffle(order)
    uncovered = set().union(*tags.values()) if tags else set()
    heap = [(-len(tags[job]), rank, job) for rank, job in enumerate(order)]
    heapq.heapify(heap)
    chosen: list[int] = []
    while uncovered and heap:
        stale, rank, job = heapq.heappop(heap)
        gain = len(tags[job] & uncovered)
        if gain == 0:
            if -stale == 0:
                break  # nothing left covers a tag still uncovered
            continue
        if gain != -stale:  # scored before some of its tags were covered: back in line with its fresh gain
            heapq.heappush(heap, (-gain, rank, job))
            continue
        chosen.append(job)
        uncovered -= tags[job]
    by_type: dict[str, deque[int]] = {}
    taken = set(chosen)
    for job in order:
        if job not in taken:
            kind = next((t for t in sorted(tags[job]) if t.startswith("job_type:")), "job_type:?")
            by_type.setdefault(kind, deque()).append(job)
    queues = [by_type[k] for k in sorted(by_type)]
    while len(chosen) < size and any(queues):
        for queue in queues:
            if queue and len(chosen) < size:
                chosen.append(queue.popleft())
    return sorted(chosen)


def _filters(cols: dict[str, list[str]]) -> dict[str, str]:
    """A where clause per raw root table (absent: copied whole) over the temp key tables."""
    r = f"src.{RAW}"
    out: dict[str, str] = {
        "jobs": "id in (select id from _s_jobs)",
        "customers": "id in (select id from _s_customers)",
        "locations": "customer_id in (select id from _s_customers)",
        "invoices": "id in (select id from _s_invoices)",
        "payments": "id in (select id from _s_payments)",
    }
    if _has(cols, "form_submissions__owners", "id"):
        out["form_submissions"] = (
            f"_dlt_id in (select _dlt_parent_id from {r}.form_submissions__owners "
            "where type = 'Job' and id in (select id from _s_jobs))"
        )
    if _has(cols, "calls", "job__id", "customer__id"):
        out["calls"] = (
            "job__id in (select id from _s_jobs) or "
            "(job__id is null and customer__id in (select id from _s_customers))"
        )
    links = (
        (("job_id", "job__id"), "_s_jobs"),
        (("invoice_id",), "_s_invoices"),
        (("location_id", "location__id"), "_s_locations"),
        (("customer_id", "customer__id"), "_s_customers"),
    )
    for table, columns in cols.items():
        if table in out or table.startswith("_dlt") or "_dlt_root_id" in columns:
            continue
        for names, keys in links:
            col = next((c for c in names if c in columns), None)
            if col:
                out[table] = f"{col} in (select id from {keys})"
                break
    return out


def _key_tables(con: duckdb.DuckDBPyConnection, cols: dict[str, list[str]], jobs: list[int]) -> None:
    r = f"src.{RAW}"
    con.execute("create or replace temp table _s_jobs (id bigint)")
    con.executemany("insert into _s_jobs values (?)", [(j,) for j in jobs])
    con.execute(
        f"create or replace temp table _s_customers as select distinct customer_id as id from {r}.jobs "
        "where id in (select id from _s_jobs) and customer_id is not null"
    )
    con.execute(
        f"create or replace temp table _s_locations as select id from {r}.locations "
        "where customer_id in (select id from _s_customers)"
    )
    invoice_sql = "select cast(null as bigint) as id where false"
    if _has(cols, "invoices", "job__id"):
        invoice_sql = f"select id from {r}.invoices where job__id in (select id from _s_jobs)"
    if _has(cols, "jobs", "invoice_id"):
        invoice_sql += f" union select invoice_id from {r}.jobs where id in (select id from _s_jobs) "
        invoice_sql += "and invoice_id is not null"
    con.execute(f"create or replace temp table _s_invoices as {invoice_sql}")
    payment_sql = "select cast(null as bigint) as id where false"
    if _has(cols, "payments__applied_to", "applied_to") and "payments" in cols:
        payment_sql = (
            f"select p.id from {r}.payments as p inner join {r}.payments__applied_to as a "
            "on a._dlt_parent_id = p._dlt_id where a.applied_to in (select id from _s_invoices)"
        )
    con.execute(f"create or replace temp table _s_payments as {payment_sql}")


def copy_sample(source_db: Path, out_db: Path, size: int = 300, seed: int = 42) -> Selection:
    """Choose the jobs in ``source_db`` and write their raw rows (and the reference tables) to ``out_db``."""
    out_db.parent.mkdir(parents=True, exist_ok=True)
    out_db.unlink(missing_ok=True)
    con = duckdb.connect(str(out_db))
    try:
        try:
            con.execute(f"attach '{source_db.as_posix()}' as src (read_only)")
        except duckdb.Error as exc:
            raise SampleSelectError(f"cannot read {source_db}: {exc}") from None
        tags = job_tags(con)
        if not tags:
            raise SampleSelectError("the source holds no jobs: nothing to sample")
        jobs = choose_jobs(tags, size, seed)
        strata: dict[str, set[str]] = {}
        covered: dict[str, set[str]] = {}
        chosen = set(jobs)
        for job, job_tags_ in tags.items():
            for tag in job_tags_:
                kind, value = tag.split(":", 1)
                strata.setdefault(kind, set()).add(value)
                if job in chosen:
                    covered.setdefault(kind, set()).add(value)
        selection = Selection(seed=seed, size=size, jobs=jobs, strata=strata, covered=covered)
        cols = _tables(con, "src")
        _key_tables(con, cols, jobs)
        filters = _filters(cols)
        con.execute(f"create schema {RAW}")
        roots = [t for t in cols if "_dlt_root_id" not in cols[t]]
        for table in roots + [t for t in cols if t not in roots]:
            source = f"src.{RAW}.{sql_ident(table)}"
            if "_dlt_root_id" in cols[table]:
                root = table.split("__")[0]
                where = (
                    f"_dlt_root_id in (select _dlt_id from {RAW}.{sql_ident(root)})" if root in cols else ""
                )
            else:
                where = filters.get(table, "")
            con.execute(
                f"create table {RAW}.{sql_ident(table)} as select * from {source}"
                + (f" where {where}" if where else "")
            )
            counted = con.execute(f"select count(*) from {RAW}.{sql_ident(table)}").fetchone()
            selection.rows[table] = counted[0]
            selection.source_rows[table] = con.execute(f"select count(*) from {source}").fetchone()[0]
        con.execute("detach src")
        return selection
    finally:
        con.close()
