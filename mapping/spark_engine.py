"""The dbt project on Apache Spark (``dp2sf transform --engine spark``): one SparkSession in local mode, the
raw parquet registered as tables, the workbench's Python functions registered, then ``dbt build`` through
dbt-spark's ``session`` method in the same process, so dbt reuses that session
(https://docs.getdbt.com/docs/core/connect-data-platform/spark-setup, method ``session``: "run dbt against
a pySpark session", the adapter calls ``SparkSession.builder.getOrCreate()``).

Run as ``python -m mapping.spark_engine <job.json>`` by :mod:`mapping.transform` (a subprocess, like the
DuckDB build: the JVM and its memory go away with it). Spark's SQL is set as close to DuckDB's as it goes:
ANSI mode with double-quoted identifiers (models quote Salesforce names: ``"Account.Dispatch_Pro_Id__c"``),
string literals read as written (the regular expressions keep their backslashes), session time zone UTC, a
plain ``timestamp`` without time zone (``TIMESTAMP_NTZ``) like DuckDB's, tables created as parquet. What
still differs sits in adapter-dispatched macros (``dbt_project/macros/engine.sql``), and quotes doubled
inside string literals are rewritten (:func:`spark_literals`).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

from core.settings import Settings

# Spark SQL settings that make the models' SQL mean what it means on DuckDB (Spark 4 configuration:
# https://spark.apache.org/docs/latest/configuration.html#spark-sql, sql-ref-ansi-compliance.html)
SQL_CONF = {
    "spark.sql.ansi.enabled": "true",
    "spark.sql.ansi.doubleQuotedIdentifiers": "true",
    "spark.sql.parser.escapedStringLiterals": "true",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.timestampType": "TIMESTAMP_NTZ",
    "spark.sql.legacy.createHiveTableByDefault": "false",
    "spark.sql.sources.default": "parquet",
}


def spark_dir(settings: Settings) -> Path:
    """Everything Spark writes for one build dir: ``build/spark`` (warehouse, local scratch)."""
    return settings.build_dir / "spark"


def warehouse_dir(settings: Settings) -> Path:
    """Spark's warehouse: one folder per schema (``salesforce.db``), one per table, parquet files."""
    return spark_dir(settings) / "warehouse"


def spark_conf(settings: Settings) -> dict[str, str]:
    """The session's configuration: local mode sized for one small machine, plus :data:`SQL_CONF`."""
    return {
        "spark.master": settings.spark_master,
        "spark.app.name": "dp2sf-transform",
        "spark.driver.memory": settings.spark_driver_memory,
        "spark.sql.shuffle.partitions": str(settings.spark_shuffle_partitions),
        "spark.default.parallelism": str(settings.spark_shuffle_partitions),
        "spark.sql.adaptive.coalescePartitions.enabled": "true",
        # list table folders on the driver: no listing job per table
        "spark.sql.sources.parallelPartitionDiscovery.threshold": "100000",
        "spark.sql.warehouse.dir": str(warehouse_dir(settings)),
        "spark.sql.catalogImplementation": "in-memory",
        "spark.local.dir": str(spark_dir(settings) / "tmp"),
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        **SQL_CONF,
    }


def start_session(conf: dict[str, str]):  # -> SparkSession (pyspark: the optional `spark` extra)
    """The one SparkSession of this process; dbt-spark's ``session`` method gets it back from getOrCreate."""
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    builder = SparkSession.builder
    for key, value in conf.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def register_functions(spark) -> None:
    """The Python functions the models call on DuckDB (macros/text.sql), as Spark UDFs of the same name."""
    from pyspark.sql.types import StringType

    from mapping.html_text import html_text_loss, html_to_text

    spark.udf.register("dp2sf_html_to_text", html_to_text, StringType())
    spark.udf.register("dp2sf_html_text_loss", html_text_loss, StringType())


def parquet_schema_ddl(dataset_url: str, table: str) -> str | None:
    """The column list of a raw table's parquet (from the first file's footer, read with pyarrow through
    fsspec, so any bucket dlt writes to works), as Spark DDL; None when dlt wrote no file for it.

    Giving Spark the schema spares it a schema-inference job per table (seconds each on a busy machine).
    dlt writes timestamps as UTC instants: they are ``timestamp_ltz`` here (plain ``timestamp`` means
    without time zone in this session), and staging casts them like DuckDB does."""
    import fsspec
    import pyarrow.parquet as pq
    from pyspark.sql.pandas.types import from_arrow_type
    from pyspark.sql.types import TimestampType

    fs, root = fsspec.core.url_to_fs(f"{dataset_url.rstrip('/')}/{table}")
    files = sorted(fs.glob(f"{root}/*.parquet"))
    if not files:
        return None
    with fs.open(files[0], "rb") as handle:
        schema = pq.read_schema(handle)
    columns = []
    for field in schema:
        spark_type = from_arrow_type(field.type)
        ddl = "timestamp_ltz" if isinstance(spark_type, TimestampType) else spark_type.simpleString()
        columns.append(f"`{field.name}` {ddl}")
    return ", ".join(columns)


def register_raw(spark, dataset_url: str, schema: str, tables: list[str]) -> list[str]:
    """Each raw table's parquet folder as an external table ``<schema>.<table>``; the tables registered
    (a table dlt wrote no file for stays absent: staging reads it as an empty row set, like DuckDB)."""
    spark.sql(f"create database if not exists {schema}")
    registered = []
    for table in tables:
        columns = parquet_schema_ddl(dataset_url, table)
        if columns is None:
            continue
        location = f"{dataset_url.rstrip('/')}/{table}"
        spark.sql(f"create table {schema}.`{table}` ({columns}) using parquet location '{location}'")
        registered.append(table)
    return registered


def spark_literals(sql: str) -> str:
    """``sql`` with each quote written twice inside a string literal (``'Owner''s'``, standard SQL and DuckDB)
    spelled ``('Owner' || chr(39) || 's')``: Spark reads ``''`` as two adjacent literals and drops the quote.
    Identifiers, block comments and backslash escapes are passed over as Spark's lexer reads them; line
    comments are left out."""
    out: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        c = sql[i]
        if sql.startswith("--", i):  # dropped: Spark 4.0 fails to parse some statements with a line comment
            end = sql.find("\n", i)  # between a select and its first column ("select  -- noqa: ST06")
            i = n if end < 0 else end
        elif sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out.append(sql[i:end])
            i = end
        elif c in '"`':
            end = sql.find(c, i + 1)
            end = n - 1 if end < 0 else end
            out.append(sql[i : end + 1])
            i = end + 1
        elif c == "'":
            parts, buf, j = [], [], i + 1
            while j < n:
                if sql[j] == "\\":
                    buf.append(sql[j : j + 2])
                    j += 2
                elif sql[j] == "'" and j + 1 < n and sql[j + 1] == "'":
                    parts.append("".join(buf))
                    buf, j = [], j + 2
                elif sql[j] == "'":
                    break
                else:
                    buf.append(sql[j])
                    j += 1
            parts.append("".join(buf))
            literals = [f"'{part}'" for part in parts]
            out.append(literals[0] if len(parts) == 1 else "(" + " || chr(39) || ".join(literals) + ")")
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _binding(value) -> str:
    """A seed value as a Spark SQL literal: null, booleans and numbers as such, text quoted (quotes doubled,
    then :func:`spark_literals`). dbt-spark's session method quotes text without escaping and sends a
    missing value as the text 'None' (``SessionConnectionWrapper._fix_binding``)."""
    import datetime as dt
    from decimal import Decimal

    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return f"'{value.strftime('%Y-%m-%d %H:%M:%S.%f')}'"
    return "'" + str(value).replace("'", "''") + "'"


def patch_dbt_spark_session() -> None:
    """Route every statement dbt-spark's session method sends through :func:`spark_literals`, with seed
    values bound by :func:`_binding`, without overriding :data:`SQL_CONF` (dbt-spark turns ANSI mode off)."""
    from dbt.adapters.spark import session

    execute = session.Cursor.execute

    def execute_fixed(self, sql: str, *parameters) -> None:
        if parameters:
            sql = sql % parameters
        # dbt-spark sets spark.sql.ansi.enabled=false on every statement (SparkCredentials, "compatibility
        # with Spark v3 and v4"); the models need ANSI mode: double-quoted identifiers, DuckDB's cast errors
        self.server_side_parameters = {
            key: value for key, value in self.server_side_parameters.items() if key not in SQL_CONF
        }
        execute(self, spark_literals(sql))

    session.Cursor.execute = execute_fixed
    session.SessionConnectionWrapper._fix_binding = classmethod(lambda cls, value: _binding(value))


def run_job(job: dict) -> int:
    """Start Spark, register raw tables and functions, run dbt with ``job['dbt_args']``; dbt's exit code."""
    from dbt.cli.main import dbtRunner

    warehouse = Path(job["conf"]["spark.sql.warehouse.dir"])
    shutil.rmtree(warehouse, ignore_errors=True)  # a full build: the in-memory catalog starts empty too
    spark = start_session(job["conf"])
    try:
        register_functions(spark)
        register_raw(spark, job["raw_url"], job["raw_schema"], job["raw_tables"])
        patch_dbt_spark_session()
        result = dbtRunner().invoke(job["dbt_args"])
    finally:
        spark.stop()
    if result.exception is not None:
        print(f"dbt could not run: {result.exception}", file=sys.stderr)
        return 2
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(run_job(json.loads(Path(sys.argv[1]).read_text())))
