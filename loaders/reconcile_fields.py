"""Reconciliation per field: every source value of a renamed, cast or value-mapped edge is accounted for.

For each lineage edge ``source table.column → object.field`` whose transformation is ``renamed``, ``cast`` or
``value-mapped`` (``mapping/lineage.py``), over the edges of today's ``build/lineage.csv`` AND of the approved
mapping's lineage (``ledger.approved_lineage``: a model that nulls a column also loses its edge, so today's
lineage alone cannot see the drop), per record (``Dispatch_Pro_Id__c``):

    records with a non-null source value = the org holds a value + flagged (``quarantine.flagged_values``)
                                          + in records held back (not loaded by the run) + declared

A record in none of these is ``dropped``: the run fails naming the field. An approved edge that is gone from
today's lineage is a finding on its own (``lost_edge``). The source values are read from raw
(``raw_dispatch_pro``, related to the record through ``loaders.sample_source``), never from the mart; the
org's values with ONE Bulk API 2.0 query per object, every record (not a sample). Bulk API 2.0 queries
refuse "Compound address fields or compound geolocation fields. (Instead, query the individual components
of compound fields.)"
(https://developer.salesforce.com/docs/atlas.en-us.238.0.api_asynch.meta/api_asynch/queries.htm), so
addresses are read by their components, which is what the lineage names (``BillingStreet``,
``BillingLatitude``). Derived and concatenated fields are listed with their inputs (``derived``), not
counted: their value is not the source's; nor is an edge whose raw table gives several rows per record.
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb

from core.fields import person_only
from core.ids import EXTERNAL_ID
from core.org_api import OrgClient
from core.quoting import sql_ident, sql_literal
from core.settings import Settings
from loaders.bulk import insert_query_pages, query_to_csv
from loaders.ledger import LOADED, approved_lineage
from loaders.plan import LoadPlan
from loaders.sample_source import SourceValues, lineage_map, owned_prefixes, read_lineage_rows

COUNTED = ("renamed", "cast", "value-mapped")
CLASSES = ("in_org", "flagged", "held_back", "declared", "dropped")
EXAMPLES = 10
QUERY_WORKERS = 4  # Bulk queries in flight at once (the org runs them side by side; one per object)


@dataclass
class FieldReconciliation:
    """One edge's equation: source = in the org + flagged + held back + declared (+ dropped, which fails)."""

    object: str
    field: str
    source_table: str
    source_column: str
    transformation: str
    source: int = 0
    in_org: int = 0
    flagged: int = 0
    held_back: int = 0
    declared: int = 0
    dropped: int = 0
    dropped_examples: list[str] = field(default_factory=list)
    lost_edge: bool = False  # approved, gone from today's lineage
    traced: bool = True  # the raw table relates to the object's records

    @property
    def ok(self) -> bool:
        return self.dropped == 0 and not self.lost_edge and self.traced

    @property
    def name(self) -> str:
        return f"{self.object}.{self.field} ← {self.source_table}.{self.source_column}"

    def problem(self) -> str | None:
        if self.ok:
            return None
        parts = []
        if self.lost_edge:
            parts.append("lineage edge approved but gone from build/lineage.csv")
        if not self.traced:
            parts.append("the raw table does not relate to the object's records")
        if self.dropped:
            parts.append(
                f"source {self.source} != in org {self.in_org} + flagged {self.flagged} + held back "
                f"{self.held_back} + declared {self.declared}: {self.dropped} dropped "
                f"(e.g. {', '.join(self.dropped_examples[:3])})"
            )
        return f"{self.name}: " + "; ".join(parts)


@dataclass
class FieldsResult:
    """Every counted edge, the derived fields with their inputs, and the cost of the check."""

    fields: list[FieldReconciliation]
    derived: list[dict[str, str]]
    bulk_queries: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.fields)

    def problems(self) -> list[str]:
        return [p for f in self.fields if (p := f.problem())]

    def as_json(self) -> dict:
        return {
            "ok": self.ok,
            "bulk_queries": self.bulk_queries,
            "seconds": round(self.seconds, 3),
            "fields": [{**asdict(f), "ok": f.ok} for f in self.fields],
            "derived": self.derived,
            "problems": self.problems(),
        }


def edges(current: list[dict[str, str]], approved: list[dict[str, str]]) -> list[tuple[dict[str, str], bool]]:
    """Today's edges and the approved ones gone since (flagged ``True``), each once."""
    key = lambda r: (r["source_table"], r["source_column"], r["object"], r["field"])  # noqa: E731
    now = {key(r): r for r in current}
    out = [(r, False) for r in current]
    out += [(r, True) for r in approved if key(r) not in now]
    return out


def lost_edges(current: list[dict[str, str]], approved: list[dict[str, str]]) -> list[dict[str, str]]:
    """Approved lineage edges that today's lineage no longer has."""
    return [r for r, lost in edges(current, approved) if lost]


def _has(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchone()[0]
    )


def declared_columns(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    """The raw (table, column) pairs ``seeds/not_migrated.csv`` declares (``mapping.not_migrated``)."""
    if not _has(con, "mapping", "not_migrated"):
        return set()
    return {(t, c) for t, c in con.execute('select "table", "column" from mapping.not_migrated').fetchall()}


class FieldReconciler:
    """Counts one run's edges against the raw data, the quarantine, the ledger and the org."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        org: OrgClient,
        run_id: str,
        work: Path,
        declared: set[tuple[str, str]] | None = None,
    ):
        self.con, self.org, self.run_id, self.work = con, org, run_id, work
        self.declared = declared if declared is not None else self._declared()
        self.flags = _has(con, "quarantine", "flagged_values")
        self.queries = 0
        self.siblings: dict[tuple[str, str, str], set[str]] = {}  # (object, table, column) → fields fed

    def _declared(self) -> set[tuple[str, str]]:
        return declared_columns(self.con)

    @staticmethod
    def _columns(fields: list[str]) -> list[str]:
        return list(dict.fromkeys([EXTERNAL_ID, *fields]))

    def start_query(self, pool: ThreadPoolExecutor, obj: str, fields: list[str]) -> Future[list[Path]]:
        """Start ``obj``'s Bulk query (every record, the fields) in ``pool``: the org runs the objects'
        queries side by side while this side counts the ones already read (the query pages are files)."""
        soql = f"SELECT {', '.join(self._columns(fields))} FROM {obj} WHERE {EXTERNAL_ID} != null"
        self.queries += 1
        return pool.submit(query_to_csv, self.org, soql, self.work / "fields" / obj)

    def org_values(self, obj: str, fields: list[str], pages: list[Path]) -> str:
        """The pages of ``obj``'s Bulk query (:meth:`start_query`) in a temp table; returns its name."""
        table = f"_rf_org_{obj.lower()}"
        self.con.execute(
            f"create or replace temp table {table} ("
            + ", ".join(f"{sql_ident(c)} varchar" for c in self._columns(fields))
            + ")"
        )
        insert_query_pages(
            self.con,
            pages,
            f"insert into {table} by name select * from read_csv(?, header = true, all_varchar = true)",
        )
        return table

    def keys(self, obj: str) -> None:
        """``_rf_keys``: every record of the object the mapping made or the run accounted for, with its
        prefix and source number (``job:50000041`` → ``job``, ``50000041``)."""
        self.con.execute(
            "create or replace temp table _rf_keys as select distinct key, "
            "split_part(key, ':', 1) as prefix, "
            "regexp_extract(key, ':(\\d+)', 1) as k from ("
            f'select "{EXTERNAL_ID}" as key from salesforce.{sql_ident(obj)} union '
            "select source_key from ledger.run_outcomes where run_id = ? and object_name = ?"
            ") where key is not null",
            [self.run_id, obj],
        )
        # the records the run held back (quarantine, gates, skipped, failed), read from the view once
        self.con.execute(
            "create or replace temp table _rf_held as select distinct source_key from ledger.run_outcomes "
            f"where run_id = ? and object_name = ? and action not in {LOADED}",
            [self.run_id, obj],
        )

    def _prefixes(self, primary: str, primaries: list[str]) -> list[str]:
        """The external-id prefixes of ``primary``'s records (``loaders.sample_source.owned_prefixes``)."""
        present = {p for (p,) in self.con.execute("select distinct prefix from _rf_keys").fetchall()}
        return owned_prefixes(primary, primaries, present)

    def value_map(self, obj: str, fld: str) -> tuple[str, str, str] | None:
        """(seed table, its source column, its target column) of a value-mapped field, from the field
        list's ``picklist`` (``seed:map_job_status.closed_reason``); None when the field names no seed."""
        if not _has(self.con, "mapping", "salesforce_fields"):
            return None
        row = self.con.execute(
            "select picklist from mapping.salesforce_fields where object = ? and field = ?", [obj, fld]
        ).fetchone()
        found = re.match(r"seed:(map_\w+)\.(\w+)$", (row[0] or "") if row else "")
        if not found or not _has(self.con, "mapping", found.group(1)):
            return None
        seed, target = found.groups()
        cols = [
            d[0] for d in self.con.execute(f"select * from mapping.{sql_ident(seed)} limit 0").description
        ]
        return seed, cols[0], target

    def count(
        self, sources: SourceValues, org_table: str, row: dict[str, str], lost: bool
    ) -> FieldReconciliation | None:
        """One edge's equation; None when the raw table gives several rows per record (the field takes
        one of them, or an aggregate: listed with the derived fields)."""
        obj, fld, table, column = row["object"], row["field"], row["source_table"], row["source_column"]
        rec = FieldReconciliation(obj, fld, table, column, row["transformation"], lost_edge=lost)
        relations = sources.relations(obj, table, [column])
        if not relations:
            rec.traced = False
            return rec
        primaries = sources.primary_tables(obj)
        # a field only a Person Account takes is counted over the Person Accounts (a business Account's
        # customer address is on Billing*, never on PersonMailing*)
        persons = (
            f"and r.key in (select {sql_ident(EXTERNAL_ID)} from salesforce.{sql_ident(obj)} "
            "where _person_account) "
            if person_only(obj, fld)
            else ""
        )
        unions = []
        for primary, sql in relations:
            prefixes = ", ".join(sql_literal(p) for p in self._prefixes(primary, primaries)) or "null"
            unions.append(
                f"select r.key, r.k, s.{sql_ident(column)} as v from ({sql}) as s inner join _rf_keys as r "
                f"on r.k = s.k and r.prefix in ({prefixes}) {persons}"
                f"where nullif(trim(s.{sql_ident(column)}), '') is not null"
            )
            if primary == table:
                break  # the primary row itself is the value's record
        self.con.execute(f"create or replace temp table _rf_src as {' union all '.join(unions)}")
        several = self.con.execute(
            "select count(*) from (select key from _rf_src group by key having count(distinct v) > 1)"
        ).fetchone()[0]
        if several:
            return None
        # flagged on this field, or the same source value flagged on a field the same raw column feeds
        # (``Pending`` flagged on Case.Status is the value Case.Closed_Reason__c also lacks)
        siblings = ", ".join(sql_literal(f) for f in sorted(self.siblings.get((obj, table, column), {fld})))
        flagged = (
            "select source_key, column_name, value from quarantine.flagged_values "
            f"where object_name = {sql_literal(obj)} and column_name in ({siblings})"
            if self.flags
            else "select null::varchar as source_key, null::varchar as column_name, null::varchar as value "
            "where false"
        )
        held = "select source_key from _rf_held"
        declared = "false"
        if (table, column) in self.declared:
            declared = "true"
        elif row["transformation"] == "value-mapped" and (vm := self.value_map(obj, fld)):
            seed, source, target = (sql_ident(x) for x in vm)
            declared = (
                f"s.v in (select cast({source} as varchar) from mapping.{seed} "
                f"where nullif(trim(cast({target} as varchar)), '') is null)"
            )  # the value map documents "no value" for this source value
        rows = self.con.execute(
            "with s as (select key, any_value(k) as k, any_value(v) as v from _rf_src group by key), "
            f"f as ({flagged}), "
            "c as (select s.k, s.key, case "
            f"when nullif(o.{sql_ident(fld)}, '') is not null then 1 "
            "when exists (select 1 from f where f.source_key = s.key "
            f"and (f.column_name = {sql_literal(fld)} or f.value = s.v)) then 2 "
            "when h.source_key is not null then 3 "
            f"when {declared} then 4 else 5 end as rank "
            f"from s left join {org_table} as o on o.{sql_ident(EXTERNAL_ID)} = s.key "
            f"left join ({held}) as h on h.source_key = s.key) "
            # a source value is found when one of the records it belongs to holds it (a note and its images)
            "select min(key), min(rank) from c group by k order by 1"
        ).fetchall()
        rows = [(key, CLASSES[rank - 1]) for key, rank in rows]
        counts: dict[str, int] = defaultdict(int)
        for key, cls in rows:
            counts[cls] += 1
            if cls == "dropped" and len(rec.dropped_examples) < EXAMPLES:
                rec.dropped_examples.append(key)
        rec.source = len(rows)
        for cls in CLASSES:
            setattr(rec, cls, counts[cls])
        return rec


def reconcile_fields(
    con: duckdb.DuckDBPyConnection,
    org: OrgClient,
    run_id: str,
    objects: dict[str, list[str]],
    current: list[dict[str, str]],
    approved: list[dict[str, str]],
    work: Path,
) -> FieldsResult:
    """The per-field equation of every counted edge of the objects (name → the mart columns the loader
    sends), one Bulk query per object; derived edges are listed with their inputs."""
    started = time.monotonic()
    rc = FieldReconciler(con, org, run_id, work)
    all_edges = edges(current, approved)
    for row, _ in all_edges:
        rc.siblings.setdefault((row["object"], row["source_table"], row["source_column"]), set()).add(
            row["field"]
        )
    sources = SourceValues(con, lineage_map(current + approved))
    counted: dict[str, list[tuple[dict[str, str], bool]]] = defaultdict(list)
    derived: list[dict[str, str]] = []
    for row, lost in all_edges:
        if row["object"] not in objects or row["field"] == EXTERNAL_ID or row["field"].startswith("_"):
            continue
        if row["field"] not in objects[row["object"]]:
            if lost:  # the field itself is gone from the mart: nothing to read back, still a loss
                counted[row["object"]].append((row, lost))
            continue
        if row["transformation"] in COUNTED:
            counted[row["object"]].append((row, lost))
        else:
            derived.append({**row, "lost_edge": lost})
    results: list[FieldReconciliation] = []
    readable = {
        obj: sorted({r["field"] for r, _ in rows if r["field"] in objects[obj]})
        for obj, rows in counted.items()
    }
    with ThreadPoolExecutor(max_workers=QUERY_WORKERS, thread_name_prefix="reconcile-fields") as pool:
        queries = {obj: rc.start_query(pool, obj, readable[obj]) for obj in counted}
        for obj, rows in counted.items():
            _count_object(
                rc, sources, obj, rows, readable[obj], queries[obj].result(), objects, results, derived
            )
    results.sort(key=lambda f: (f.ok, f.object, f.field, f.source_table, f.source_column))
    return FieldsResult(results, derived, rc.queries, time.monotonic() - started)


def _count_object(
    rc: FieldReconciler,
    sources: SourceValues,
    obj: str,
    rows: list[tuple[dict[str, str], bool]],
    readable: list[str],
    pages: list[Path],
    objects: dict[str, list[str]],
    results: list[FieldReconciliation],
    derived: list[dict[str, str]],
) -> None:
    """One object's edges against the org's values (its query pages) into ``results`` / ``derived``."""
    org_table = rc.org_values(obj, readable, pages)
    rc.keys(obj)
    for row, lost in rows:
        if row["field"] not in objects[obj]:
            results.append(
                FieldReconciliation(
                    obj, row["field"], row["source_table"], row["source_column"], row["transformation"],
                    lost_edge=True,
                )
            )  # fmt: skip
        elif (counted_edge := rc.count(sources, org_table, row, lost)) is not None:
            results.append(counted_edge)
        else:
            derived.append({**row, "lost_edge": lost, "note": "several source rows per record"})


def run_field_reconciliation(
    settings: Settings, con: duckdb.DuckDBPyConnection, org: OrgClient, run_id: str, plan: LoadPlan
) -> FieldsResult:
    """The per-field reconciliation of a load run: today's ``build/lineage.csv`` and the latest approval's
    lineage, over the plan's objects (the hook ``loaders.reconcile.run_reconcile`` calls)."""
    current = read_lineage_rows(Path(settings.build_dir) / "lineage.csv")
    _, approved = approved_lineage(con)
    objects = {o.name: list(o.columns) for o in plan.objects}
    return reconcile_fields(
        con, org, run_id, objects, current, approved, Path(settings.data_dir) / ".reconcile"
    )
