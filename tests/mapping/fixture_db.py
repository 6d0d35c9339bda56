"""A tiny raw DuckDB shaped like the dlt extract (schema raw_dispatch_pro), built from the CSVs in fixtures/.

The rows exercise every mapping rule (unmapped status/priority/item type/tool, too-long values, invalid
email, missing names, multi-site customers, duplicates, inline images, long notes, oversize files).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

FIXTURES = Path(__file__).parent / "fixtures"
RAW_SCHEMA = "raw_dispatch_pro"


def build_fixture_db(path: Path) -> Path:
    """Create (or replace) the raw tables at ``path``; returns the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute(f"create schema if not exists {RAW_SCHEMA}")
        for csv_path in sorted(FIXTURES.glob("*.csv")):
            con.execute(
                f"create or replace table {RAW_SCHEMA}.{csv_path.stem} as "
                "select * from read_csv(?, header = true, auto_detect = true, all_varchar = false)",
                [str(csv_path)],
            )
        con.execute(
            f"create or replace table {RAW_SCHEMA}._dlt_loads as select '1767225600.123' as load_id, "
            "'dispatch_pro' as schema_name, 0 as status, now() as inserted_at"
        )
    return path
