"""Raw data as parquet too: the tables of ``raw_dispatch_pro`` landed through dlt's filesystem destination,
for engines that read files rather than the DuckDB (``dp2sf transform --engine spark``).

The source is the DuckDB the extract wrote (read-only): each raw table goes as Arrow record batches into a
dlt resource of the same name, so dlt writes ``<bucket>/raw_dispatch_pro/<table>/<load_id>.<file_id>.parquet``
with the columns and types the raw table has (dlt's ``_dlt_id`` / ``_dlt_parent_id`` links included). A local
folder by default (``data/raw_parquet``); any fsspec bucket dlt knows (``s3://``, ``gs://``, ``az://``) by the
setting ``raw_parquet_url`` with the credentials dlt reads for ``destination.filesystem``.
https://dlthub.com/docs/dlt-ecosystem/destinations/filesystem
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import dlt
import duckdb
import pyarrow as pa

from core.errors import Dp2sfError
from core.quoting import sql_ident
from core.settings import Settings

DATASET = "raw_dispatch_pro"
BATCH_ROWS = 100_000


class ParquetLandingError(Dp2sfError):
    """The raw tables could not be landed as parquet (no raw data, or the destination refused them)."""


@dataclass
class RawParquet:
    """Where the raw parquet went: the dataset folder (or URL), and rows per table."""

    dataset_url: str
    seconds: float
    rows: dict[str, int] = field(default_factory=dict)


def raw_parquet_url(settings: Settings) -> str:
    """The filesystem destination's bucket: the setting, else ``data/raw_parquet`` as a file URL."""
    return settings.raw_parquet_url or (settings.data_dir / "raw_parquet").resolve().as_uri()


def raw_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The raw tables dlt landed (its own ``_dlt_*`` bookkeeping tables aside)."""
    rows = con.execute(
        "select table_name from information_schema.tables where table_schema = ? "
        "and table_name not like '\\_dlt\\_%' escape '\\' order by table_name",
        [DATASET],
    ).fetchall()
    return [r[0] for r in rows]


def _batches(duckdb_path: Path, table: str) -> Iterator[pa.Table]:
    """The raw table as Arrow tables of at most ``BATCH_ROWS`` rows (one empty table when it has none)."""
    with duckdb.connect(str(duckdb_path), read_only=True) as con:
        con.execute("set enable_progress_bar = false")
        reader = con.sql(f"select * from {DATASET}.{sql_ident(table)}").to_arrow_reader(BATCH_ROWS)
        sent = False
        for batch in reader:
            sent = True
            yield pa.Table.from_batches([batch])
        if not sent:
            yield reader.schema.empty_table()


def land_raw_parquet(settings: Settings) -> RawParquet:
    """Land every raw table as parquet (replacing what an earlier landing wrote); rows per table."""
    if not settings.duckdb_path.is_file():
        raise ParquetLandingError(f"no raw data at {settings.duckdb_path}: run `dp2sf extract` first")
    started = time.perf_counter()
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as con:
        tables = raw_tables(con)
        rows = {
            t: con.execute(f"select count(*) from {DATASET}.{sql_ident(t)}").fetchone()[0] for t in tables
        }
    if not tables:
        raise ParquetLandingError(f"{settings.duckdb_path} has no {DATASET} tables: run `dp2sf extract`")
    resources = [
        dlt.resource(_batches(settings.duckdb_path, t), name=t, write_disposition="replace") for t in tables
    ]
    bucket = raw_parquet_url(settings)
    pipeline = dlt.pipeline(
        pipeline_name="dispatch_pro_parquet",
        pipelines_dir=str(settings.data_dir / "dlt_pipelines"),
        destination=dlt.destinations.filesystem(bucket_url=bucket),
        dataset_name=DATASET,
    )
    try:
        pipeline.run(resources, loader_file_format="parquet")
    except Exception as error:  # dlt wraps every failure in PipelineStepFailed
        raise ParquetLandingError(f"landing raw parquet at {bucket} failed: {error}") from error
    return RawParquet(f"{bucket.rstrip('/')}/{DATASET}", time.perf_counter() - started, rows)
