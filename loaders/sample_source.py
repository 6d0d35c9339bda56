"""The source value behind a mart field, for the sample diff: raw rows found through ``build/lineage.csv``.

For an object, the tables whose ``id`` feeds ``Dispatch_Pro_Id__c`` are its primary tables; a record's
primary row is the one whose id is the number in its external id (``job:50000041`` → ``jobs.id``). A field's
lineage names the raw columns that feed it; their values are read from:

- the primary row itself;
- a dlt child table of it (``_dlt_root_id``); custom-property rows (``name``/``value``) by their name;
- a table pointing at it (``<singular>_id`` / ``<singular>__id``: ``job_notes.job_id`` → ``jobs``);
- a table it points at (``jobs.job_type_id`` → ``job_types.id``).

Anything else is shown as not traced (``None``). Several columns are shown as ``column=value; …``, several
rows joined with `` | ``.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from pathlib import Path

import duckdb

from core.ids import EXTERNAL_ID
from core.quoting import sql_ident

RAW = "raw_dispatch_pro"
MAX_TEXT = 2000


def singular(table: str) -> str:
    return table[:-1] if table.endswith("s") else table


def read_lineage(path: Path) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """(object, field) → [(source_table, source_column)] from ``lineage.csv``."""
    out: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    if not path.is_file():
        return out
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            out[(row["object"], row["field"])].append((row["source_table"], row["source_column"]))
    return out


def read_lineage_rows(path: Path) -> list[dict[str, str]]:
    """``lineage.csv`` as rows (source_table, source_column, object, field, transformation); [] if absent."""
    if not path.is_file():
        return []
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def lineage_map(rows: list[dict[str, str]]) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """(object, field) → [(source_table, source_column)] of lineage rows (several lineages may be joined)."""
    out: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for row in rows:
        edge = (row["source_table"], row["source_column"])
        if edge not in out[(row["object"], row["field"])]:
            out[(row["object"], row["field"])].append(edge)
    return out


def derived_record(key: str) -> bool:
    """A record the mapping derives from a source row rather than one per row (``inline:note:7:1``, an
    image inside a note; ``signature:submission 21 unit …``): not ``prefix:<digits>``."""
    return re.fullmatch(r"[^:]+:\d+", key or "") is None


def record_number(key: str) -> str | None:
    """The source id in an external id (``job:50000041`` → ``50000041``); None for derived records."""
    found = re.search(r":(\d+)", key or "")
    return found.group(1) if found else None


def owned_prefixes(primary: str, primaries: list[str], present: set[str]) -> list[str]:
    """The external-id prefixes of ``primary``'s records among ``present``: its singular name
    (``customers`` → ``customer``, ``job_notes`` → ``note``), else the prefixes no other primary claims."""
    one = singular(primary)
    mine = sorted(p for p in present if one == p or one.endswith("_" + p))
    if mine:
        return mine
    claimed = {
        p
        for q in primaries
        if q != primary
        for p in present
        if singular(q) == p or singular(q).endswith("_" + p)
    }
    return sorted(present - claimed)


def custom_field_name(name: str) -> str:
    """A custom property's name as its field API name, lower case (``Gate Code`` → ``gate_code__c``)."""
    return re.sub(r"_+", "_", re.sub(r"[^0-9A-Za-z]", "_", name or "")).strip("_").lower() + "__c"


class SourceValues:
    """Source values of many records of one object, read with one query per (object, raw table)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, lineage: dict[tuple[str, str], list[tuple[str, str]]]):
        self.con, self.lineage = con, lineage
        self.columns: dict[str, list[str]] = {}
        for table, column in con.execute(
            "select table_name, column_name from information_schema.columns where table_schema = ? "
            "order by table_name, ordinal_position",
            [RAW],
        ).fetchall():
            self.columns.setdefault(table, []).append(column)

    def primary_tables(self, obj: str) -> list[str]:
        return [
            t
            for t, c in self.lineage.get((obj, EXTERNAL_ID), [])
            if c == "id" and "id" in self.columns.get(t, [])
        ]

    def relations(self, obj: str, table: str, cols: list[str]) -> list[tuple[str, str]]:
        """(primary table, SQL selecting ``k`` (the primary row's id as text) and ``cols`` of ``table``) for
        each primary table of ``obj`` that ``table`` relates to, the table itself first."""
        mine = self.columns.get(table)
        if not mine:
            return []
        select = ", ".join(f"cast(t.{sql_ident(c)} as varchar) as {sql_ident(c)}" for c in cols)
        out = []
        for primary in sorted(self.primary_tables(obj), key=lambda p: p != table):
            sql = None
            pcols = self.columns.get(primary, [])
            one = singular(primary)
            if table == primary:
                sql = f"select cast(t.id as varchar) as k, {select} from {RAW}.{sql_ident(table)} as t"
            elif "_dlt_root_id" in mine and table.split("__")[0] == primary:
                sql = (
                    f"select cast(p.id as varchar) as k, {select} from {RAW}.{sql_ident(table)} as t "
                    f"inner join {RAW}.{sql_ident(primary)} as p on t._dlt_root_id = p._dlt_id"
                )
            elif fk := next((c for c in (f"{one}_id", f"{one}__id") if c in mine), None):
                sql = (
                    f"select cast(t.{sql_ident(fk)} as varchar) as k, {select} from "
                    f"{RAW}.{sql_ident(table)} as t"
                )
            elif "id" in mine and (ref := next((c for c in (f"{singular(table)}_id",) if c in pcols), None)):
                sql = (
                    f"select cast(p.id as varchar) as k, {select} from {RAW}.{sql_ident(primary)} as p "
                    f"inner join {RAW}.{sql_ident(table)} as t on t.id = p.{sql_ident(ref)}"
                )
            if sql:
                out.append((primary, sql))
        return out

    def _rows(self, obj: str, table: str, cols: list[str], numbers: list[str]) -> dict[str, list[tuple]]:
        """Per record number, the rows of ``table`` (columns ``cols``) related to the record."""
        return self._rows_of(obj, table, cols, numbers)[1]

    def _rows_of(
        self, obj: str, table: str, cols: list[str], numbers: list[str]
    ) -> tuple[str | None, dict[str, list[tuple]]]:
        """The primary table the rows relate through, and per record number the rows of ``table``."""
        if not self.columns.get(table) or not numbers:
            return None, {}
        self.con.execute("create or replace temp table _sv_keys (k varchar)")
        self.con.executemany("insert into _sv_keys values (?)", [(n,) for n in numbers])
        for primary, sql in self.relations(obj, table, cols):
            out: dict[str, list[tuple]] = defaultdict(list)
            for k, *values in self.con.execute(
                f"select * from ({sql}) where k in (select k from _sv_keys)"
            ).fetchall():
                out[k].append(tuple(values))
            if out or table == primary:
                return primary, out
        return None, {}

    def values(self, obj: str, fields: list[str], keys: list[str]) -> dict[tuple[str, str], str | None]:
        """(external id, field) → the source value as text (None: empty, derived or not traced)."""
        numbers = {k: record_number(k) for k in keys}
        wanted = sorted({n for n in numbers.values() if n})
        by_table: dict[str, set[str]] = defaultdict(set)
        for f in fields:
            for table, column in self.lineage.get((obj, f), []):
                by_table[table].add(column)
        found = {t: (sorted(cs), *self._rows_of(obj, t, sorted(cs), wanted)) for t, cs in by_table.items()}
        rows = {t: (cols, rel) for t, (cols, _, rel) in found.items()}
        out: dict[tuple[str, str], str | None] = {}
        for f in fields:
            sources = self.lineage.get((obj, f), [])
            for key, number in numbers.items():
                out[(key, f)] = _render(f, sources, rows, number) if number else None
        return out

    def many(self, obj: str, table: str) -> bool:
        """Whether ``table`` gives several rows per record of ``obj`` (a child of its primary table: a
        dlt child table, or a table pointing at it), so a field takes one of them or an aggregate."""
        mine = self.columns.get(table, [])
        for primary in self.primary_tables(obj):
            if table == primary:
                return False
            one = singular(primary)
            if ("_dlt_root_id" in mine and table.split("__")[0] == primary) or any(
                c in mine for c in (f"{one}_id", f"{one}__id")
            ):
                return True
        return False


def _render(field: str, sources, rows, number: str) -> str | None:
    """One record's source text: the value when every source column agrees, else ``table.column=value``s."""
    labelled: list[list[tuple[str, str]]] = []  # per source row: (table.column, value)
    for table in sorted({t for t, _ in sources}):
        cols, found = rows.get(table, ([], {}))
        mine = [c for t, c in sources if t == table]
        records = found.get(number, [])
        if {"name", "value"} <= set(mine) and "name" in cols:
            ni, vi = cols.index("name"), cols.index("value")
            labelled += [
                [(f"{table}.value", r[vi])]
                for r in records
                if r[vi] is not None and custom_field_name(r[ni] or "") == field.lower()
            ]
            continue
        idx = [cols.index(c) for c in mine if c in cols]
        for record in records:
            picked = [(f"{table}.{cols[i]}", record[i]) for i in idx if record[i] is not None]
            if picked:
                labelled.append(picked)
    values = {v for row in labelled for _, v in row}
    if not values:
        return None
    if len(values) == 1:
        text = values.pop()
    else:
        text = " | ".join(dict.fromkeys("; ".join(f"{c}={v}" for c, v in row) for row in labelled))
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "…"
