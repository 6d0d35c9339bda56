"""The same dbt project on Spark gives the same marts as on DuckDB (issue 22): the tiny tier's raw
tables landed as parquet through dlt's filesystem destination, ``dbt build`` on Spark (pyspark local
mode, dbt-spark's session method), the tables copied back into the DuckDB; every mart, every quarantine
table and ``flagged_values`` compared row for row with the DuckDB build of the same raw data.

Rows are ordered by the external id (``Dispatch_Pro_Id__c``; quarantine rows by object and source key) and
then by every other column; timestamps compare as UTC, decimals exactly, floats within 1e-9.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from core.fields import load_field_list
from core.quoting import sql_ident
from core.stamp import build_stamp
from dlt_pipelines.parquet import land_raw_parquet
from mapping.transform import run_transform
from tests.build_cache import copy_build
from tests.conftest import tiny_settings

pytestmark = [pytest.mark.slow, pytest.mark.spark]  # `make spark`: its own CI job, not in `make test`

FLOAT_TOLERANCE = 1e-9


@pytest.fixture(scope="module")
def spark_build(tiny_build: Path, tmp_path_factory) -> dict:
    """A copy of the tiny tier's data, its raw tables landed as parquet and transformed on Spark."""
    settings = tiny_settings(tmp_path_factory.mktemp("spark"))
    copy_build(tiny_build / "data", settings.data_dir)
    started = time.perf_counter()
    landed = land_raw_parquet(settings)
    landed_at = time.perf_counter()
    result = run_transform(settings, docs=False, engine="spark")
    timings = {"land": landed_at - started, "spark": time.perf_counter() - landed_at}
    print(f"\nparquet landing {timings['land']:.1f}s, Spark transform {timings['spark']:.1f}s")
    return {"settings": settings, "result": result, "landed": landed, "timings": timings}


def _tables(con: duckdb.DuckDBPyConnection, db: str, schema: str) -> set[str]:
    rows = con.execute(
        "select table_name from information_schema.tables where table_catalog = ? and table_schema = ?",
        [db, schema],
    ).fetchall()
    return {r[0] for r in rows}


def _columns(con: duckdb.DuckDBPyConnection, db: str, schema: str, table: str) -> list[str]:
    rows = con.execute(
        "select column_name from information_schema.columns where table_catalog = ? and table_schema = ? "
        "and table_name = ? order by ordinal_position",
        [db, schema, table],
    ).fetchall()
    return [r[0] for r in rows]


def _rows(con: duckdb.DuckDBPyConnection, db: str, schema: str, table: str, columns: list[str]) -> list:
    """The rows, timestamps with a time zone as UTC wall time, ordered by the key columns then all."""
    key = [c for c in ("Dispatch_Pro_Id__c", "object_name", "source_key") if c in columns]
    ordered = key + [c for c in columns if c not in key]
    select = ", ".join(sql_ident(c) for c in ordered)
    positions = ", ".join(str(i) for i in range(1, len(ordered) + 1))
    name = ".".join(sql_ident(part) for part in (db, schema, table))
    rows = con.execute(f"select {select} from {name} order by {positions}").fetchall()
    return [tuple(_utc(v) for v in row) for row in rows], ordered


def _utc(value):
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def _same(a, b) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is b
        return math.isclose(float(a), float(b), rel_tol=FLOAT_TOLERANCE, abs_tol=FLOAT_TOLERANCE)
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        return a is not None and b is not None and Decimal(a) == Decimal(b) or a is b
    return a == b


def _differences(duck_rows: list, spark_rows: list, columns: list[str], limit: int = 5) -> list[str]:
    found = []
    if len(duck_rows) != len(spark_rows):
        found.append(f"{len(duck_rows)} rows on DuckDB, {len(spark_rows)} on Spark")
    for d, s in zip(duck_rows, spark_rows, strict=False):
        for column, a, b in zip(columns, d, s, strict=True):
            if not _same(a, b):
                found.append(f"{d[0]!r}.{column}: DuckDB {a!r} vs Spark {b!r}")
                break
        if len(found) >= limit:
            break
    return found


def test_spark_builds_every_node_and_stamps_the_engine(spark_build: dict) -> None:
    result = spark_build["result"]
    assert result.engine == "spark"
    assert result.failed == 0 and result.passed > 300, result
    stamp = build_stamp(result.duckdb_path)
    assert stamp.engine == "spark" and stamp.invoices == "custom"
    assert sum(spark_build["landed"].rows.values()) > 1000


def test_marts_and_quarantine_equal_duckdb_row_for_row(spark_build: dict, tiny_build: Path) -> None:
    """Every mart and quarantine table of the Spark build equals the DuckDB build's, value for value."""
    settings = spark_build["settings"]
    duck_db_file = tiny_build / "data" / settings.duckdb_file
    objects = [o.name for o in load_field_list().enabled_objects("custom")]
    con = duckdb.connect(str(settings.duckdb_path), read_only=True)
    con.execute(f"attach '{duck_db_file}' as duck (read_only)")
    spark_db = con.execute("select current_database()").fetchone()[0]
    try:
        quarantine = _tables(con, "duck", "quarantine")
        assert {"quarantine_all", "flagged_values"} <= quarantine
        assert _tables(con, spark_db, "quarantine") >= quarantine
        compared, problems, rows_compared = [], {}, 0
        tables = [("salesforce", o) for o in objects] + [("quarantine", t) for t in sorted(quarantine)]
        for schema, table in tables:
            duck_columns = _columns(con, "duck", schema, table)
            spark_columns = _columns(con, spark_db, schema, table)
            assert sorted(spark_columns) == sorted(duck_columns), f"{schema}.{table}: columns differ"
            duck_rows, ordered = _rows(con, "duck", schema, table, duck_columns)
            spark_rows, _ = _rows(con, spark_db, schema, table, duck_columns)
            differences = _differences(duck_rows, spark_rows, ordered)
            if differences:
                problems[f"{schema}.{table}"] = differences
            compared.append(table)
            rows_compared += len(duck_rows)
    finally:
        con.close()
    assert not problems, "\n".join(f"{t}: {d}" for t, d in problems.items())
    assert len(compared) >= len(objects) + 2 and rows_compared > 1000
    print(f"\n{len(compared)} tables, {rows_compared:,} rows equal on Spark and DuckDB")
