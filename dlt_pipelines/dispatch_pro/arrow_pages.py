"""Pages of flat records as Arrow tables, so dlt skips its row-by-row normalizer for the big flat tables.

dlt's Python normalizer (flattening, type inference and coercion per value, ISO timestamp parsing with
pendulum) costs ~50 µs a row; an Arrow table is written as is. ``ArrowPages`` turns one page (a list of
dicts) into a ``pyarrow.Table`` laid out exactly as dlt would land the rows:

* nested objects flattened to ``parent__child`` columns, names normalized with the schema's naming
  convention (``modifiedOn`` -> ``modified_on``), all-null values create no column;
* a column's type is decided by its first non-null value, as dlt does: ``bool``, ``bigint``, ``double``,
  ``text``, or ``timestamp`` when dlt's own ``iso_timestamp`` detection accepts the string (then parsed by
  Arrow, fractional seconds truncated to microseconds like pendulum);
* a page dlt would treat differently (a non-empty list = a child table, mixed value types = a variant
  column, a value that does not fit the type already decided) is passed on as dicts, so dlt handles it.

``ArrowPages`` as a resource step serves the tables without child tables (see ``settings.ARROW_TABLES``) and
adds dlt's ``_dlt_load_id`` and (random) ``_dlt_id`` columns itself, with dlt's own hints (``DLT_COLUMNS``);
``arrow_tree.TreePages`` uses ``convert`` per table for the tables with child tables.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, ClassVar

import pyarrow as pa
import pyarrow.compute as pc
from dlt.common.normalizers.naming.snake_case import NamingConvention
from dlt.common.normalizers.utils import generate_dlt_ids
from dlt.common.schema.detections import is_iso_timestamp
from dlt.common.schema.utils import dlt_id_column, dlt_load_id_column
from dlt.common.storages.load_package import load_package_state
from dlt.extract.items_transform import ItemTransform

TIMESTAMP = pa.timestamp("us", tz="UTC")
_ARROW_TYPES: dict[type, pa.DataType] = {bool: pa.bool_(), int: pa.int64(), float: pa.float64()}
_NAMING = NamingConvention()
_DOTNET_UTC_EXAMPLE = "2024-05-01T10:00:00.1234567Z"
# the hints dlt gives the columns it adds to an Arrow table (as NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_* did)
DLT_COLUMNS = [dlt_load_id_column(), dlt_id_column()]


def current_load_id() -> str:
    """The load id of the load package being extracted (dlt's load package state)."""
    return load_package_state()["load_id"]


def with_dlt_columns(table: pa.Table, load_id: str) -> pa.Table:
    """``_dlt_load_id`` and a random ``_dlt_id`` per row appended, as dlt's parquet normalizer adds them."""
    rows = table.num_rows
    table = table.append_column(
        pa.field("_dlt_load_id", pa.string(), nullable=False), pa.array([load_id] * rows, pa.string())
    )
    return table.append_column(
        pa.field("_dlt_id", pa.string(), nullable=False), pa.array(generate_dlt_ids(rows), pa.string())
    )


@lru_cache(maxsize=4096)
def _column_name(prefix: str | None, key: str) -> str:
    """dlt's column name for ``key`` under a flattened ``prefix`` (``address`` + ``zipCode``)."""
    name = _NAMING.normalize_identifier(key)
    return _NAMING.shorten_fragments(prefix, name) if prefix else name


def _has_dotted_name(fields: Any) -> bool:
    """True if a (nested) key holds a dot: Arrow's flattened names could not be split back."""
    return any("." in f.name or (pa.types.is_struct(f.type) and _has_dotted_name(f.type)) for f in fields)


def _path_values(rows: list[dict[str, Any]], path: list[str]) -> list[Any]:
    values: list[Any] = rows
    for key in path:
        values = [v.get(key) for v in values if type(v) is dict]
    return values


def _flat_columns(table: pa.Table) -> pa.Table:
    """Nested structs flattened to one column per leaf (``parent.child`` names)."""
    while any(pa.types.is_struct(field.type) for field in table.schema):
        table = table.flatten()
    return table


def _to_timestamps(strings: pa.ChunkedArray) -> pa.ChunkedArray:
    """ISO strings to UTC microseconds; extra fractional digits are cut (as pendulum does).

    Fast path for ServiceTitan's fixed form ``2024-05-01T10:00:00.1234567Z``: cut to microseconds by position
    and read as UTC; anything else goes through Arrow's ISO 8601 parser.
    """
    valid = strings.drop_null()
    lengths = pc.utf8_length(valid)
    if (
        len(valid)
        and pc.min(lengths).as_py() == pc.max(lengths).as_py() == len(_DOTNET_UTC_EXAMPLE)
        and pc.all(pc.ends_with(valid, "Z")).as_py()
        and pc.all(pc.equal(pc.utf8_slice_codeunits(valid, 19, 20), ".")).as_py()
    ):
        micros = pc.utf8_slice_codeunits(strings, 0, len(_DOTNET_UTC_EXAMPLE) - 2)
        return micros.cast(pa.timestamp("us")).cast(TIMESTAMP)
    strings = pc.replace_substring_regex(strings, pattern=r"(\.\d{6})\d+", replacement=r"\1")
    return strings.cast(TIMESTAMP)


class ArrowPages(ItemTransform[Any, dict[str, Any]]):
    """A resource step: each page of dicts becomes an Arrow table (or stays dicts when dlt must decide).

    Runs after dlt's incremental step (which reads the cursor from the dicts). Column types are remembered
    across pages so a column keeps the type its first value gave it.
    """

    placement_affinity: ClassVar[float] = 1.5  # after incremental (1) and limit (1.1), before forks (2)

    def __init__(self, text_columns: tuple[str, ...] = ()) -> None:
        super().__init__(lambda item: item)
        # columns hinted as text (dlt coerces every value to text): a page with a non-text value stays rows
        self.types: dict[str, pa.DataType] = dict.fromkeys(text_columns, pa.string())

    def __call__(self, item: Any, meta: Any = None) -> Any:
        if not isinstance(item, list) or not item:
            return item
        table = self.convert(item)
        return with_dlt_columns(table, current_load_id()) if isinstance(table, pa.Table) else table

    @staticmethod
    def _decide(first: Any) -> pa.DataType | None:
        """dlt's type for a new column from its first value (``iso_timestamp`` detection on strings)."""
        kind = type(first)
        if kind is str:
            return TIMESTAMP if is_iso_timestamp(kind, first) else pa.string()
        return _ARROW_TYPES.get(kind)

    def convert(self, rows: list[dict[str, Any]]) -> pa.Table | list[dict[str, Any]]:
        """The page as an Arrow table, or unchanged when it needs dlt's own handling.

        Arrow refuses mixed bool/int/str/dict values itself; int mixed with float (Arrow makes it double,
        dlt a variant column) is checked on the double columns.
        """
        try:
            # pa.array infers the struct type from every row (Table.from_pylist reads the keys of the first
            # row only, so a key absent there would be lost)
            table = pa.Table.from_struct_array(pa.array(rows))
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
            return rows
        if _has_dotted_name(table.schema):
            return rows
        table = _flat_columns(table)
        arrays: dict[str, Any] = {}
        decided: dict[str, pa.DataType] = {}
        for field, column in zip(table.schema, table.columns, strict=True):
            kind = field.type
            if pa.types.is_null(kind):
                continue  # all null: no column, as in dlt
            if pa.types.is_list(kind) or pa.types.is_large_list(kind):
                if pc.max(pc.list_value_length(column)).as_py():
                    return rows  # a non-empty list: dlt makes a child table
                continue  # only empty lists: no column, no child rows
            path = field.name.split(".")
            name = None
            for key in path:
                name = _column_name(name, key)
            if pa.types.is_floating(kind) and any(type(v) is int for v in _path_values(rows, path)):
                return rows
            arrow_type = self.types.get(name)
            if arrow_type is None:
                arrow_type = self._decide(column.drop_null()[0].as_py())
            if pa.types.is_string(kind):
                allowed: tuple[pa.DataType, ...] = (pa.string(), TIMESTAMP)
            else:
                allowed = (kind,)
            if arrow_type not in allowed:
                return rows  # a value dlt would coerce or put in a variant column
            if arrow_type == TIMESTAMP:
                try:
                    column = _to_timestamps(column)
                except (pa.ArrowInvalid, pa.ArrowTypeError):
                    return rows
            arrays[name] = column
            decided[name] = arrow_type
        for name, arrow_type in self.types.items():  # known columns absent on this page stay typed
            if name not in arrays:
                arrays[name] = pa.nulls(len(rows), type=arrow_type)
        self.types.update(decided)
        return pa.table(arrays)
