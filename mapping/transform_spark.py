"""``dp2sf transform --engine spark``: the dbt build on Spark (:mod:`mapping.spark_engine`, a subprocess) and
the tables it wrote made visible to everything downstream through the one DuckDB file.

Spark writes every table (seeds, intermediate, marts, quarantine) as parquet under ``build/spark/warehouse``
(``<schema>.db/<table>/part-*.parquet``). :func:`expose_in_duckdb` copies each into the DuckDB under the
schema and name dbt gave it (``salesforce."Account"``, ``quarantine.quarantine_all``, ``mapping.*``), so the
gates, the loader and the reports read the marts of either engine through one code path.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb

from core.fields import DBT_DIR
from core.quoting import sql_ident
from core.settings import Settings
from mapping.spark_engine import spark_conf, spark_dir, warehouse_dir

RAW_SCHEMA = "raw_dispatch_pro"
EXPOSED_SCHEMAS = ("mapping", "intermediate", "salesforce", "quarantine")


@dataclass(frozen=True)
class SparkTable:
    """A table dbt built on Spark: its schema and name as dbt knows them, and its parquet folder."""

    schema: str
    name: str
    folder: Path
    seed_csv: Path | None = (
        None  # a seed's CSV: read instead when the seed has no rows (Spark writes no file)
    )


def raw_dataset_url(settings: Settings) -> str:
    """Where the raw parquet is (``dlt_pipelines.parquet`` lands it): ``<bucket>/raw_dispatch_pro``."""
    bucket = settings.raw_parquet_url or (settings.data_dir / "raw_parquet").resolve().as_uri()
    return f"{bucket.rstrip('/')}/{RAW_SCHEMA}"


def raw_table_names(duckdb_path: Path) -> list[str]:
    """The raw tables of the extract (the DuckDB the marts go to), dlt's ``_dlt_*`` tables aside."""
    with duckdb.connect(str(duckdb_path), read_only=True) as con:
        rows = con.execute(
            "select table_name from information_schema.tables where table_schema = ? order by 1", [RAW_SCHEMA]
        ).fetchall()
    return [r[0] for r in rows if not r[0].startswith("_dlt_")]


def run_spark_dbt(settings: Settings, dbt_args: list[str], preexec=None) -> tuple[int, str]:
    """``dbt <dbt_args> --target spark`` in a Spark subprocess; its exit code and output."""
    folder = spark_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    job = {
        "conf": spark_conf(settings),
        "raw_url": raw_dataset_url(settings),
        "raw_schema": RAW_SCHEMA,
        "raw_tables": raw_table_names(settings.duckdb_path),
        "dbt_args": [*dbt_args, "--target", "spark"],
    }
    job_file = folder / "job.json"
    job_file.write_text(json.dumps(job, indent=2))
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "PYSPARK_PYTHON": sys.executable}
    proc = subprocess.run(
        [sys.executable, "-m", "mapping.spark_engine", str(job_file)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        preexec_fn=preexec,
    )
    return proc.returncode, proc.stdout + proc.stderr


def built_tables(manifest_path: Path, warehouse: Path) -> list[SparkTable]:
    """The seeds and table models of the build (``manifest.json``) in :data:`EXPOSED_SCHEMAS`."""
    nodes = json.loads(manifest_path.read_text())["nodes"].values()
    tables = []
    for node in nodes:
        kind = node["resource_type"]
        materialized = node["config"].get("materialized")
        is_table = kind == "seed" or (kind == "model" and materialized in ("table", "incremental"))
        if is_table and node["schema"] in EXPOSED_SCHEMAS and node["config"].get("enabled", True):
            folder = warehouse / f"{node['schema']}.db" / node["alias"].lower()
            seed_csv = DBT_DIR / node["original_file_path"] if kind == "seed" else None
            tables.append(SparkTable(node["schema"], node["alias"], folder, seed_csv))
    return sorted(tables, key=lambda t: (t.schema, t.name))


def expose_in_duckdb(settings: Settings, manifest_path: Path) -> list[SparkTable]:
    """Copy every table Spark built into the DuckDB (replacing the same names); the tables copied."""
    tables = [
        t for t in built_tables(manifest_path, warehouse_dir(settings)) if t.folder.is_dir() or t.seed_csv
    ]
    with duckdb.connect(str(settings.duckdb_path)) as con:
        con.execute("set enable_progress_bar = false")
        for schema in sorted({t.schema for t in tables}):
            con.execute(f"create schema if not exists {sql_ident(schema)}")
        views = set(
            con.execute(
                "select table_schema, table_name from information_schema.tables where table_type = 'VIEW'"
            ).fetchall()
        )
        for t in tables:
            name = f"{sql_ident(t.schema)}.{sql_ident(t.name)}"
            if (t.schema, t.name) in views:  # a DuckDB build's view of the same name
                con.execute(f"drop view {name}")
            if any(t.folder.glob("*.parquet")):
                source, path = "read_parquet(?)", str(t.folder / "*.parquet")
            else:  # an empty seed: its header, every column text (as its column_types say)
                source, path = "read_csv(?, header = true, all_varchar = true)", str(t.seed_csv)
            con.execute(f"create or replace table {name} as select * from {source}", [path])
    return tables
