"""Putting the hostile corpus into the source.

Until the simulator serves the corpus itself (``corpus="hostile"``, branch h-source), the values are written
into the raw tables right after a full extract, where the extract would have landed them: customer and
location names and streets, zone names, technician names, job summaries, notes, attachment file names and a
custom property (definition and values) named with Jinja. Every later stage reads them as source data.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from tests.hostile import corpus

RAW = "raw_dispatch_pro"
ROTATION = (
    corpus.IMG, corpus.SCRIPT, corpus.FORMULA, corpus.JINJA, corpus.RICH, corpus.OBRIEN, corpus.RTL,
    corpus.ATTR, corpus.MARKDOWN, corpus.QUOTES, "+1-555-0100 =cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
)  # fmt: skip
PROPERTY_ID = 990_001


def _rotate(con, table: str, column: str, every: int = 3, extra: tuple[str, ...] = ()) -> int:
    """Every ``every``-th row of ``table`` gets a corpus value (rotating) appended to what it held."""
    values = (*ROTATION, *extra)
    ids = [r[0] for r in con.execute(f"select id from {RAW}.{table} order by id").fetchall()][::every]
    for n, record_id in enumerate(ids):
        value = values[n % len(values)]
        con.execute(f"update {RAW}.{table} set {column} = ? where id = ?", [value, record_id])
    return len(ids)


def seed_hostile_raw(duckdb_path: Path) -> dict[str, int]:
    """Write the corpus into the raw tables; returns rows changed per table.column."""
    changed: dict[str, int] = {}
    with duckdb.connect(str(duckdb_path)) as con:
        for table, column, every, extra in (
            ("customers", "name", 3, (corpus.LONG,)),
            ("customers", "address__street", 4, ()),
            ("locations", "name", 3, ()),
            ("locations", "address__street", 5, ()),
            ("zones", "name", 1, ()),
            ("technicians", "name", 2, ()),
            ("jobs", "summary", 3, (corpus.LONG, corpus.NUL, corpus.JINJA_BLOCK)),
            ("job_notes", "text", 3, (corpus.LONG, corpus.NUL, corpus.JINJA_BLOCK)),
            ("job_attachments", "file_name", 4, ()),
        ):
            changed[f"{table}.{column}"] = _rotate(con, table, column, every, extra)
        con.execute(  # a custom property the tenant named with Jinja, with values on some jobs
            f"insert into {RAW}.job_custom_field_types select * replace ({PROPERTY_ID}::bigint as id, "
            "? as name, 'Text' as data_type, 'hostile-def' as _dlt_id) "
            f"from {RAW}.job_custom_field_types limit 1",
            [corpus.JINJA],
        )
        cols = [r[0] for r in con.execute(
            "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
            "order by ordinal_position", [RAW, "jobs__custom_fields"]).fetchall()]  # fmt: skip
        rows = con.execute(
            f"select * from {RAW}.jobs__custom_fields where _dlt_id in "
            f"(select min(_dlt_id) from {RAW}.jobs__custom_fields group by _dlt_parent_id) limit 20"
        ).fetchall()
        for n, row in enumerate(rows):
            values = dict(zip(cols, row, strict=True))
            values.update(type_id=PROPERTY_ID, name=corpus.JINJA, value=ROTATION[n % len(ROTATION)],
                          _dlt_id=f"hostile-{n}", _dlt_list_idx=99)  # fmt: skip
            placeholders = ", ".join("?" for _ in cols)
            con.execute(
                f"insert into {RAW}.jobs__custom_fields values ({placeholders})", [values[c] for c in cols]
            )
        changed["jobs__custom_fields"] = len(rows)
    return changed
