"""A sweep's rows to send, numbered once in DuckDB, and each chunk written to CSV by DuckDB itself.

``COPY (...) TO`` writes the Bulk API 2.0 CSV (comma, double quotes doubled, LF line endings, header row,
``#N/A`` for null so the org clears the field, an empty string left empty so an update leaves the field as
it is); datetimes go out as ``yyyy-MM-ddTHH:mm:ss.SSSZ`` in UTC
(https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/datafiles_date_format.htm).
A chunk stays under the upload cap (about 100 MB of CSV per job): an oversized one is written again with
half the rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from core.quoting import sql_ident, sql_literal
from loaders.bulk import MAX_UPLOAD_BYTES, NULL

BULK_DATETIME = "%Y-%m-%dT%H:%M:%S.%gZ"
EXTRAS = ("k_key", "k_hash", "k_before", "k_sfid")  # source key, content hash, before-image, sf id before


def table_name(obj: str, pass_no: int) -> str:
    return f"ledger.{sql_ident(f'work_send_{obj}_{pass_no}')}"


@dataclass
class SendTable:
    """``ledger.work_send_<object>_<pass>``: rn (1..n in key order), c0..c{k-1} (the CSV columns), extras."""

    table: str
    header: list[str]
    exprs: list[str]  # per CSV column, the SQL that formats it for the Bulk API
    rows: int
    position: int = 0  # rows already spooled in this sweep
    max_bytes: int = MAX_UPLOAD_BYTES - 1_000_000
    _types: dict[str, str] = field(default_factory=dict)

    @classmethod
    def build(
        cls, con: duckdb.DuckDBPyConnection, obj: str, pass_no: int, header: list[str], select: str
    ) -> SendTable:
        """Number the rows ``select`` yields (header columns, then the four extras) in key order."""
        table = table_name(obj, pass_no)
        cols = [f"c{i}" for i in range(len(header))] + list(EXTRAS)
        con.execute(
            f"create or replace table {table} as select row_number() over (order by k_key) as rn, * "
            f"from ({select}) as s({', '.join(cols)})"
        )
        types = dict(con.execute(f"select column_name, column_type from (describe {table})").fetchall())
        exprs = []
        for i, name in enumerate(header):
            col, kind = f"c{i}", types[f"c{i}"].upper()
            if kind.startswith("TIMESTAMP WITH TIME ZONE") or kind == "TIMESTAMPTZ":
                expr = f"strftime(timezone('UTC', {col}), '{BULK_DATETIME}')"
            elif kind.startswith("TIMESTAMP"):
                expr = f"strftime(cast({col} as timestamp), '{BULK_DATETIME}')"
            else:
                expr = col
            exprs.append(f"{expr} as {sql_ident(name)}")
        rows = con.execute(f"select count(*) from {table}").fetchall()[0][0]
        return cls(table, header, exprs, rows, _types=types)

    def spool(self, con: duckdb.DuckDBPyConnection, path: Path, max_rows: int) -> tuple[int, int]:
        """The next chunk (at most ``max_rows``, under the byte cap) to ``path``: (first rn, rows)."""
        first, count = self.position + 1, min(max_rows, self.rows - self.position)
        if count <= 0:
            return first, 0
        while True:
            con.execute(
                f"copy (select {', '.join(self.exprs)} from {self.table} "
                f"where rn between {first} and {first + count - 1} order by rn) to {sql_literal(str(path))} "
                f"(header true, delimiter ',', quote '\"', escape '\"', nullstr '{NULL}', new_line '\\n')"
            )
            if path.stat().st_size <= self.max_bytes or count == 1:
                break
            count = max(1, count // 2)
        self.position += count
        return first, count

    def extras_sql(self, first: int, count: int) -> str:
        return (
            f"select {', '.join(EXTRAS)} from {self.table} where rn between {first} and {first + count - 1}"
        )

    @staticmethod
    def drop(con: duckdb.DuckDBPyConnection, obj: str, pass_no: int) -> None:
        con.execute(f"drop table if exists {table_name(obj, pass_no)}")
