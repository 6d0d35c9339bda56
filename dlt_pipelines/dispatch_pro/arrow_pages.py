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

Only for tables without child tables (see ``settings.ARROW_TABLES``); ``_dlt_load_id`` / ``_dlt_id`` are
added by dlt (``NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_*``, set in ``pipeline.py``).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, ClassVar

import pyarrow as pa
import pyarrow.compute as pc
from dlt.common.normalizers.naming.snake_case import NamingConvention
from dlt.common.schema.detections import is_iso_timestamp
from dlt.extract.items_transform import ItemTransform

TIMESTAMP = pa.timestamp("us", tz="UTC")
_ARROW_TYPES: dict[type, pa.DataType] = {bool: pa.bool_(), int: pa.int64(), float: pa.float64()}
_NAMING = NamingConvention()


@lru_cache(maxsize=4096)
def _column_name(prefix: str | None, key: str) -> str:
    """dlt's column name for ``key`` under a flattened ``prefix`` (``address`` + ``zipCode``)."""
    name = _NAMING.normalize_identifier(key)
    return _NAMING.shorten_fragments(prefix, name) if prefix else name


def _flatten(row: dict[str, Any], out: dict[str, Any], prefix: str | None) -> bool:
    """Flatten nested dicts into ``out`` (dlt's column names); False if the row holds a non-empty list."""
    for key, value in row.items():
        name = _column_name(prefix, key)
        kind = type(value)
        if kind is dict:
            if not _flatten(value, out, name):
                return False
        elif kind is list:
            if value:
                return False
        elif value is not None:
            out[name] = value
    return True


def _to_timestamps(values: list[Any]) -> pa.Array:
    """ISO strings to UTC microseconds; extra fractional digits are cut (as pendulum does)."""
    strings = pa.array(values, type=pa.string())
    strings = pc.replace_substring_regex(strings, pattern=r"(\.\d{6})\d+", replacement=r"\1")
    return strings.cast(TIMESTAMP)


class ArrowPages(ItemTransform[Any, dict[str, Any]]):
    """A resource step: each page of dicts becomes an Arrow table (or stays dicts when dlt must decide).

    Runs after dlt's incremental step (which reads the cursor from the dicts). Column types are remembered
    across pages so a column keeps the type its first value gave it.
    """

    placement_affinity: ClassVar[float] = 1.5  # after incremental (1) and limit (1.1), before forks (2)

    def __init__(self) -> None:
        super().__init__(lambda item: item)
        self.types: dict[str, pa.DataType] = {}

    def __call__(self, item: Any, meta: Any = None) -> Any:
        if not isinstance(item, list) or not item:
            return item
        return self.convert(item)

    def _decide(self, value: Any) -> pa.DataType | None:
        kind = type(value)
        if kind is str:
            return TIMESTAMP if is_iso_timestamp(kind, value) else pa.string()
        return _ARROW_TYPES.get(kind)

    def convert(self, rows: list[dict[str, Any]]) -> pa.Table | list[dict[str, Any]]:
        """The page as an Arrow table, or unchanged when it needs dlt's own handling."""
        flat: list[dict[str, Any]] = []
        for row in rows:
            out: dict[str, Any] = {}
            if not _flatten(row, out, None):
                return rows
            flat.append(out)
        columns: dict[str, list[Any]] = {}
        for i, row in enumerate(flat):
            for name, value in row.items():
                column = columns.get(name)
                if column is None:
                    column = columns[name] = [None] * i
                column.append(value)
            for column in columns.values():
                if len(column) <= i:
                    column.append(None)
        arrays: dict[str, pa.Array] = {}
        decided: dict[str, pa.DataType] = {}
        for name, values in columns.items():
            kinds = {type(v) for v in values if v is not None}
            if len(kinds) != 1:
                return rows  # mixed types: dlt makes a variant column
            kind = next(iter(kinds))
            arrow_type = self.types.get(name) or self._decide(next(v for v in values if v is not None))
            allowed = (pa.string(), TIMESTAMP) if kind is str else (_ARROW_TYPES.get(kind),)
            if arrow_type is None or arrow_type not in allowed:
                return rows  # a type dlt would coerce or put in a variant column
            try:
                array = (
                    _to_timestamps(values) if arrow_type == TIMESTAMP else pa.array(values, type=arrow_type)
                )
            except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
                return rows
            arrays[name] = array
            decided[name] = arrow_type
        for name, arrow_type in self.types.items():  # known columns absent on this page stay typed
            if name not in arrays:
                arrays[name] = pa.nulls(len(flat), type=arrow_type)
        self.types.update(decided)
        return pa.table(arrays)
