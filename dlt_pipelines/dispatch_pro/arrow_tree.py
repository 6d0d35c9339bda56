"""Pages of records WITH child lists as Arrow tables: the root table and one table per nested list.

dlt's relational normalizer turns a record with lists into a row of ``<table>`` plus rows of
``<table>__<list>`` (recursively), linked by ``_dlt_parent_id`` (the parent row's ``_dlt_id``),
``_dlt_list_idx`` (position in the list) and, for merge tables, ``_dlt_root_id`` (the root row's ``_dlt_id``).
Row by row that costs ~50 µs; ``TreePages`` does the same split in one pass over the page and hands each
table to ``ArrowPages.convert`` (dlt's names and types, see ``arrow_pages.py``), with the link columns
computed as the normalizer computes them:

* root rows: a random ``_dlt_id`` (dlt's ``generate_dlt_ids``; merge tables with the delete-insert strategy
  get random root ids from the normalizer too) and ``_dlt_load_id``;
* nested rows: ``_dlt_id`` = dlt's ``get_nested_row_hash(parent id, table, list index)``, the same
  deterministic id the normalizer gives; ``_dlt_parent_id``, ``_dlt_list_idx``, ``_dlt_root_id``;
* a list of scalars becomes rows with a ``value`` column; dicts inside records are flattened (``a__b``);
  empty lists and all-null values make no rows / no column.

Each nested table goes to dlt as an Arrow table marked with its name, its parent table and the hints dlt's
normalizer puts on the link columns (``NESTED_COLUMNS``), so the dlt schema and DuckDB tables are the same as
the normalizer's. A page dlt would treat differently (a list of lists, a type dlt would coerce or split into a
variant column, see ``ArrowPages.convert``) goes on as rows, whole, to dlt's normalizer.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import dlt
import pyarrow as pa
from dlt.common.normalizers.json.helpers import get_nested_row_hash
from dlt.common.normalizers.utils import generate_dlt_ids

from .arrow_pages import _NAMING, ArrowPages, current_load_id

ROOT_COLUMNS: list[dict[str, Any]] = [
    {"name": "_dlt_load_id", "data_type": "text", "nullable": False},
    {"name": "_dlt_id", "data_type": "text", "nullable": False, "unique": True, "row_key": True},
]
NESTED_COLUMNS: list[dict[str, Any]] = [
    {"name": "_dlt_root_id", "data_type": "text", "nullable": False, "root_key": True},
    {"name": "_dlt_parent_id", "data_type": "text", "nullable": False, "parent_key": True},
    {"name": "_dlt_list_idx", "data_type": "bigint", "nullable": False},
    {"name": "_dlt_id", "data_type": "text", "nullable": False, "unique": True, "row_key": True},
]


class _RowsNeeded(Exception):
    """The page has a shape only dlt's normalizer handles the same way (it goes on as rows)."""


def _strip(row: dict[str, Any], path: tuple[str, ...], lists: list[tuple[tuple[str, ...], list]]) -> dict:
    """``row`` without its lists (collected in ``lists`` with their table path), nested dicts kept.

    A dict holding no dict or list is returned as is (not copied); the page's dicts are never changed, as
    other transformers (attachments, signatures) read the same records.
    """
    for value in row.values():
        kind = type(value)
        if kind is list or kind is dict:
            break
    else:
        return row
    out: dict[str, Any] = {}
    for key, value in row.items():
        kind = type(value)
        if kind is list:
            lists.append(((*path, _NAMING.normalize_table_identifier(key)), value))
        elif kind is dict:
            out[key] = _strip(value, (*path, _NAMING.normalize_identifier(key)), lists)
        else:
            out[key] = value
    return out


class _Part:
    """Rows of one table on one page with their link values."""

    __slots__ = ("ids", "idxs", "parents", "roots", "rows")

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self.ids: list[str] = []
        self.parents: list[str] = []
        self.idxs: list[int] = []
        self.roots: list[str] = []


class TreePages:
    """Converts pages of one resource (root table ``table``) into Arrow items, one per table of its tree.

    ``text_values``: nested tables (by name) whose ``value`` column is hinted as text. Column types are
    remembered per table across pages, as in ``ArrowPages``.
    """

    def __init__(self, table: str, text_values: tuple[str, ...] = (), rows_hints: Any = None) -> None:
        self.table = table
        self.text_values = set(text_values)
        # hints for a page that stays rows (the root table's nested hints): kept off the resource itself, as
        # dlt's Arrow extractor would give a root Arrow table's columns to every nested table they declare
        self.rows_hints = rows_hints
        self.converters: dict[str, ArrowPages] = {}
        self.parents: dict[str, str] = {}

    def _converter(self, table: str) -> ArrowPages:
        converter = self.converters.get(table)
        if converter is None:
            converter = ArrowPages(("value",) if table in self.text_values else ())
            self.converters[table] = converter
        return converter

    def _split(self, rows: list[dict[str, Any]]) -> dict[str, _Part]:
        """Every table's rows on this page, root first, each child table after its parent."""
        root = _Part()
        root.ids = generate_dlt_ids(len(rows))
        parts = {self.table: root}
        todo = [(self.table, rows, root.ids, root.ids)]
        while todo:
            table, records, ids, roots = todo.pop(0)
            children: dict[str, _Part] = {}
            flat = []
            for record, row_id, root_id in zip(records, ids, roots, strict=True):
                lists: list[tuple[tuple[str, ...], list]] = []
                flat.append(_strip(record, (), lists))
                for path, seq in lists:
                    if not seq:
                        continue
                    name = _NAMING.shorten_fragments(table, *path)
                    part = children.get(name)
                    if part is None:
                        part = children[name] = _Part()
                        self.parents[name] = table
                    for idx, value in enumerate(seq):
                        kind = type(value)
                        if kind is list:
                            raise _RowsNeeded  # dlt adds an intermediary table for lists of lists
                        part.rows.append(value if kind is dict else {"value": value})
                        part.parents.append(row_id)
                        part.idxs.append(idx)
                        part.roots.append(root_id)
            parts[table].rows = flat
            for name, part in children.items():
                part.ids = [
                    get_nested_row_hash(p, name, i) for p, i in zip(part.parents, part.idxs, strict=True)
                ]
                parts[name] = part
                todo.append((name, part.rows, part.ids, part.roots))
        return parts

    def items(self, rows: Any) -> Iterator[Any]:
        """The page as Arrow tables (root unmarked, nested ones marked with their table), or unchanged."""
        if not isinstance(rows, list) or not rows:
            yield rows
            return
        try:
            tables = self._tables(rows)
        except _RowsNeeded:
            if self.rows_hints:
                rows = dlt.mark.with_hints(rows, self.rows_hints, create_table_variant=True)
            yield rows
            return
        yield from tables
        self.tag_resource()

    def _tables(self, rows: list[dict[str, Any]]) -> list[Any]:
        parts = self._split(rows)
        converted: dict[str, pa.Table] = {}
        for name, part in parts.items():
            table = self._converter(name).convert(part.rows)
            if not isinstance(table, pa.Table) or not table.num_columns:
                raise _RowsNeeded
            converted[name] = table
        load_id = current_load_id()
        out: list[Any] = []
        for name, table in converted.items():
            part = parts[name]
            if name == self.table:
                table = table.append_column(
                    pa.field("_dlt_load_id", pa.string(), nullable=False),
                    pa.array([load_id] * table.num_rows, pa.string()),
                )
                out.append(table.append_column(pa.field("_dlt_id", pa.string(), nullable=False), [part.ids]))
                continue
            for field, values in (
                (pa.field("_dlt_root_id", pa.string(), nullable=False), pa.array(part.roots, pa.string())),
                (
                    pa.field("_dlt_parent_id", pa.string(), nullable=False),
                    pa.array(part.parents, pa.string()),
                ),
                (pa.field("_dlt_list_idx", pa.int64(), nullable=False), pa.array(part.idxs, pa.int64())),
                (pa.field("_dlt_id", pa.string(), nullable=False), pa.array(part.ids, pa.string())),
            ):
                table = table.append_column(field, values)
            register_nested_table(self.table, name, self.hints(name))
            out.append(dlt.mark.with_table_name(table, name))
        return out

    def hints(self, name: str) -> Any:
        """dlt hints of nested table ``name``: its parent and the normalizer's link columns."""
        columns = list(NESTED_COLUMNS)
        if name in self.text_values:
            columns.insert(0, {"name": "value", "data_type": "text"})
        return dlt.mark.make_hints(table_name=name, parent_table_name=self.parents[name], columns=columns)

    def tag_resource(self) -> None:
        """Let dlt's extract metrics find this resource for the nested tables it wrote at extract time.

        The metrics group tables written during the extract by ``table["resource"]``; nested tables the
        normalizer makes are written later and have none, and dlt refuses a ``resource`` property on a nested
        table when schemas merge. So the schema's table answers ``["resource"]`` without holding the key
        (``_NestedTable``): ``.get("resource")``, which schema merges use, still finds nothing.
        """
        tables = dlt.current.source_schema().tables
        for name in self.parents:
            table = tables.get(name)
            if table is not None and not isinstance(table, _NestedTable):
                tables[name] = _NestedTable(table, self.table)


class _NestedTable(dict):
    """A nested table schema that names its root resource on ``table["resource"]`` only (see above)."""

    def __init__(self, table: dict[str, Any], resource: str) -> None:
        super().__init__(table)
        self.root_resource = resource

    def __missing__(self, key: str) -> Any:
        if key == "resource":
            return self.root_resource
        raise KeyError(key)


def register_nested_table(resource_name: str, table: str, hints: Any) -> None:
    """Declare nested table ``table`` as a table variant of the running resource, once.

    dlt's public way (``dlt.mark.with_hints(..., create_table_variant=True)``) starts a new variant from the
    resource's own hints (primary key, write disposition, root columns), which a nested table must not have;
    so the variant is set from these hints alone, on the resource instance the running extract uses.
    """
    resource = dlt.current.source().resources[resource_name]
    if table not in resource._hints_variants:
        resource._set_hints(hints, create_table_variant=True)
