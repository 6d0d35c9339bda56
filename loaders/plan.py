"""The load plan: which objects, in which order, how many rows, jobs and API calls.

The order comes from the lookups in the seeds' field list (``dbt_project/seeds/salesforce_fields.csv``),
sorted with :mod:`graphlib`. A self-lookup, or a lookup that closes a cycle, is left out of the first pass and
written in a second pass once every record of the object exists (an update of that one column).
"""

from __future__ import annotations

import graphlib
from dataclasses import dataclass, field

import duckdb

from core.errors import Dp2sfError
from core.fields import FieldList, mart_column, shape_columns
from core.ids import EXTERNAL_ID as EXTERNAL_ID  # the one definition, re-exported for the loader
from core.stamp import TABLE as STAMP_TABLE
from core.stamp import read_build_stamp

MART_SCHEMA = "salesforce"
# API calls of one ingest job: create, upload, close, successfulResults, failedResults, unprocessedrecords
CALLS_PER_JOB = 6
# per object before sending: one Bulk query job of the org's current records (create, poll ~1, results ~1)
CALLS_PER_OBJECT_READ = 3
# objects the Bulk upsert does not load (binary content goes through the file uploader)
NOT_BULK = {"ContentVersion"}


class PlanError(Dp2sfError):
    """The marts or the field list cannot be turned into a load order."""


@dataclass(frozen=True)
class Lookup:
    """One lookup of an object: the Salesforce field, the mart column that carries it, the parent."""

    field: str
    column: str
    parent: str
    required: bool
    kind: str  # Lookup | MasterDetail | Helper


@dataclass
class ObjectPlan:
    """What the loader does for one object."""

    name: str
    level: int
    rows: int = 0
    lookups: list[Lookup] = field(default_factory=list)
    second_pass: list[Lookup] = field(default_factory=list)  # self-lookups and cycle breakers
    columns: list[str] = field(default_factory=list)

    @property
    def parents(self) -> set[str]:
        return {lk.parent for lk in self.lookups if lk.parent != self.name}

    def jobs(self, chunk_rows: int) -> int:
        if self.name in NOT_BULK or not self.rows:
            return 0
        per_pass = -(-self.rows // chunk_rows)
        return per_pass * (2 if self.second_pass else 1)

    def api_calls(self, chunk_rows: int) -> int:
        if self.name in NOT_BULK:  # the org's files (one query), then an upload and a read-back per file
            return (CALLS_PER_OBJECT_READ if self.rows else 0) + self.rows * 2
        return (CALLS_PER_OBJECT_READ if self.rows else 0) + self.jobs(chunk_rows) * CALLS_PER_JOB


@dataclass
class LoadPlan:
    """Objects in load order (parents first)."""

    objects: list[ObjectPlan]
    chunk_rows: int

    def get(self, name: str) -> ObjectPlan:
        for obj in self.objects:
            if obj.name == name:
                return obj
        raise KeyError(name)

    @property
    def order(self) -> list[str]:
        return [o.name for o in self.objects]

    def total_jobs(self) -> int:
        return sum(o.jobs(self.chunk_rows) for o in self.objects)

    def total_calls(self) -> int:
        return sum(o.api_calls(self.chunk_rows) for o in self.objects)


def relationship_column(field_name: str, kind: str) -> str:
    """The mart column of a lookup (the field list's rule, ``core.fields.mart_column``)."""
    return mart_column(field_name, kind)


LOOKUP_KINDS = {"Lookup", "MasterDetail", "Helper"}  # helpers that name a parent order the load too


def read_lookups(field_list: FieldList) -> dict[str, list[Lookup]]:
    """Lookups per object from the field list: parents that are loaded objects (User is resolved, not
    loaded), and the helpers that name a parent."""
    out: dict[str, list[Lookup]] = {}
    for f in field_list.fields:
        if (
            not f.reference_to
            or f.reference_to == "User"
            or f.type not in {"Lookup", "MasterDetail", "Helper"}
        ):
            continue
        out.setdefault(f.object, []).append(
            Lookup(
                field=f.name,
                column=mart_column(f.name, f.type),
                parent=f.reference_to,
                required=f.required or f.type == "MasterDetail",
                kind=f.type,
            )
        )
    return out


def mart_tables(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Mart tables and their columns (in table order); the build stamp is no mart."""
    rows = con.execute(
        "select table_name, column_name from information_schema.columns where table_schema = ? "
        "and table_name <> ? order by table_name, ordinal_position",
        [MART_SCHEMA, STAMP_TABLE],
    ).fetchall()
    tables: dict[str, list[str]] = {}
    for table, column in rows:
        tables.setdefault(table, []).append(column)
    return tables


def order_objects(lookups: dict[str, list[Lookup]], objects: set[str]) -> tuple[list[list[str]], set]:
    """Levels of objects (parents first) and the (object, field) edges deferred to a second pass."""
    deferred: set[tuple[str, str]] = set()
    while True:
        graph = {
            obj: {
                lk.parent
                for lk in lookups.get(obj, [])
                if lk.parent in objects and lk.parent != obj and (obj, lk.field) not in deferred
            }
            for obj in objects
        }
        sorter = graphlib.TopologicalSorter(graph)
        try:
            sorter.prepare()
        except graphlib.CycleError as exc:
            cycle = exc.args[1]
            breakable = [
                (child, lk)
                for parent, child in zip(cycle[1:], cycle[:-1], strict=False)
                for lk in lookups.get(child, [])
                if lk.parent == parent and not lk.required
            ]
            if not breakable:
                raise PlanError(
                    f"a cycle of required lookups cannot be loaded: {' -> '.join(cycle)}"
                ) from None
            deferred.add((breakable[0][0], breakable[0][1].field))
            continue
        levels = []
        while sorter.is_active():
            ready = sorted(sorter.get_ready())
            levels.append(ready)
            sorter.done(*ready)
        return levels, deferred


def build_plan(con: duckdb.DuckDBPyConnection, field_list: FieldList, chunk_rows: int) -> LoadPlan:
    """The plan for the marts present in ``con`` (objects with no mart table are not loaded)."""
    tables = mart_tables(con)
    if not tables:
        raise PlanError(f"no marts in schema {MART_SCHEMA!r}: run `dp2sf transform` first")
    lookups = read_lookups(field_list)
    levels, deferred = order_objects(lookups, set(tables))
    stamp = read_build_stamp(con)
    person_accounts = stamp.person_accounts if stamp else False
    plans = []
    for level, names in enumerate(levels):
        for name in names:
            mine = [lk for lk in lookups.get(name, []) if lk.column in tables[name] or lk.kind == "Helper"]
            second = [lk for lk in mine if lk.parent == name or (name, lk.field) in deferred]
            rows = con.execute(f'select count(*) from {MART_SCHEMA}."{name}"').fetchall()[0][0]
            plans.append(
                ObjectPlan(
                    name=name,
                    level=level,
                    rows=rows,
                    lookups=[lk for lk in mine if lk not in second],
                    second_pass=second,
                    # the org shape the marts were built for: no person-only column on a plain org
                    columns=shape_columns(name, tables[name], person_accounts),
                )
            )
    return LoadPlan(objects=plans, chunk_rows=chunk_rows)


def plan_table_rows(plan: LoadPlan) -> list[tuple[str, ...]]:
    """Rows for printing: order, object, level, records, jobs, API calls, parents, second pass."""
    return [
        (
            str(i),
            o.name,
            str(o.level),
            f"{o.rows:,}",
            str(o.jobs(plan.chunk_rows)),
            str(o.api_calls(plan.chunk_rows)),
            ", ".join(sorted(o.parents)) or "-",
            ", ".join(lk.field for lk in o.second_pass) or "-",
        )
        for i, o in enumerate(plan.objects, start=1)
    ]
