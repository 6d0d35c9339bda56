"""Nested records back from dlt's normalised raw tables (the rebuild reference reads what the extract landed).

dlt flattens a nested record into a root table (dicts as ``a__b`` columns) and one child table per list
(``<parent>__<path>``, joined on ``_dlt_parent_id`` = the parent's ``_dlt_id``, ordered by ``_dlt_list_idx``;
a list of scalars has a ``value`` column). :func:`nested_records` reverses that for any root table, so new
fields in the export folder or the reporting API come through without code changes. Keys come back in dlt's
snake_case (``offset_minutes``), as the raw tables hold them.
"""

from __future__ import annotations

import math
from typing import Any

import duckdb

RAW_SCHEMA = "raw_dispatch_pro"
DLT_COLUMNS = ("_dlt_id", "_dlt_parent_id", "_dlt_root_id", "_dlt_list_idx", "_dlt_load_id")


def raw_tables(con: duckdb.DuckDBPyConnection, schema: str = RAW_SCHEMA) -> set[str]:
    return {
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables where table_schema = ?", [schema]
        ).fetchall()
    }


def _clean(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _set_path(target: dict, path: list[str], value: Any) -> None:
    for part in path[:-1]:
        nxt = target.get(part)
        if not isinstance(nxt, dict):
            nxt = target[part] = {}
        target = nxt
    target[path[-1]] = value


def _rows(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[dict]:
    cur = con.execute(f'select * from {schema}."{table}"')
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _shape(row: dict) -> dict:
    """A flat dlt row as a nested dict (``a__b`` → ``{"a": {"b": ...}}``); nulls left out."""
    out: dict = {}
    for column, value in row.items():
        if column in DLT_COLUMNS:
            continue
        value = _clean(value)
        if value is None:
            continue
        _set_path(out, column.split("__"), value)
    return out


def _children(tables: set[str], parent: str) -> list[str]:
    """Child tables of ``parent``: ``parent__x`` whose longest existing table prefix is ``parent``."""
    out = []
    for t in tables:
        if not t.startswith(parent + "__"):
            continue
        parts = t.split("__")
        owner = next(
            "__".join(parts[:i]) for i in range(len(parts) - 1, 0, -1) if "__".join(parts[:i]) in tables
        )
        if owner == parent:
            out.append(t)
    return sorted(out)


def _attach(con, schema: str, tables: set[str], table: str, records: dict[str, dict]) -> None:
    """Put the rows of each child table of ``table`` into their parents (``records`` keyed by _dlt_id)."""
    for child in _children(tables, table):
        path = child[len(table) + 2 :].split("__")
        rows = sorted(_rows(con, schema, child), key=lambda r: (r["_dlt_parent_id"], r["_dlt_list_idx"]))
        by_id: dict[str, dict] = {}
        for row in rows:
            parent = records.get(row["_dlt_parent_id"])
            if parent is None:
                continue
            shaped = _shape(row)
            scalar = set(shaped) <= {"value"} and not _children(tables, child)
            item: Any = shaped.get("value") if scalar else shaped
            holder = parent
            for part in path[:-1]:
                holder = holder.setdefault(part, {})
            holder.setdefault(path[-1], []).append(item)
            if not scalar:
                by_id[row["_dlt_id"]] = shaped
        if by_id:
            _attach(con, schema, tables, child, by_id)


def nested_records(con: duckdb.DuckDBPyConnection, table: str, schema: str = RAW_SCHEMA) -> list[dict]:
    """Every record of root table ``table`` with its child tables nested back in (empty if absent)."""
    tables = raw_tables(con, schema)
    if table not in tables:
        return []
    rows = _rows(con, schema, table)
    records = {r["_dlt_id"]: _shape(r) for r in rows}
    _attach(con, schema, tables, table, records)
    return list(records.values())
