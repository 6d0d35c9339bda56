"""Bulk API 2.0 jobs: one upload per job, from a spool file DuckDB wrote (see ``loaders.spool``).

Salesforce takes exactly one upload per ingest job, at most 150 MB base64 (about 100 MB raw CSV)
(https://developer.salesforce.com/docs/platform/api-asynch/guide/upload-job-data.md), so a table is split into
several jobs by rows and bytes. A failed upload aborts its job and the chunk goes to a fresh job: never two
uploads to one job. Results come back as ``successfulResults`` (``sf__Id``, ``sf__Created``),
``failedResults`` (``sf__Id``, ``sf__Error``) and ``unprocessedrecords``; their order is not the upload's, so
rows are matched by the external id column. Polling adapts to the job's size instead of simple-salesforce's
fixed ``wait``.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
from simple_salesforce.exceptions import SalesforceError
from simple_salesforce.util import call_salesforce

from core.errors import Dp2sfError
from core.org_api import OrgClient, is_transient
from core.quoting import sql_ident

MAX_UPLOAD_BYTES = 100 * 1024 * 1024  # raw CSV; Salesforce's 150 MB limit is after base64 encoding
NULL = "#N/A"  # Bulk API CSV: sets a field to null (an empty value leaves it unchanged on update)
TERMINAL = {"JobComplete", "Failed", "Aborted"}


class BulkJobError(Dp2sfError):
    """A job could not be created, uploaded or read (after retries)."""


@dataclass(frozen=True)
class RowResult:
    """One row's outcome in a job, keyed by the external id."""

    key: str
    sf_id: str | None
    created: bool | None
    error: str | None  # Salesforce's sf__Error text, or "unprocessed: <job error>"

    @property
    def ok(self) -> bool:
        return self.error is None


def _noop(job_id: str) -> None:
    return None


@dataclass
class JobHooks:
    """Callbacks at a job's steps (the load checkpoints the job id and counts jobs; tests kill there)."""

    created: Callable[[str], None] = _noop
    uploaded: Callable[[str], None] = _noop
    closed: Callable[[str], None] = _noop


# A job's results as DuckDB reads them, a row per line; ``kind``: 0 successful, 1 failed, 2 unprocessed.
RESULTS_SCHEMA = pa.schema(
    [
        ("source_key", pa.string()),
        ("sf_id", pa.string()),
        ("created", pa.bool_()),
        ("error", pa.string()),
        ("kind", pa.int8()),
    ]
)


@dataclass
class JobOutcome:
    job_id: str
    state: str
    error_message: str | None
    table: pa.Table  # RESULTS_SCHEMA; the load settles it in SQL (``Ledger.settle_chunk``)
    seconds: float
    polls: int

    @property
    def results(self) -> list[RowResult]:
        """The rows as :class:`RowResult` (the rollback's smaller jobs match them in Python)."""
        cols = [self.table.column(c).to_pylist() for c in ("source_key", "sf_id", "created", "error")]
        return [RowResult(*row) for row in zip(*cols, strict=True)]


def csv_value(value) -> str:
    """A DuckDB value as Bulk API CSV text (dates yyyy-MM-dd, datetimes yyyy-MM-ddTHH:mm:ss.SSSZ)."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "hour") and hasattr(value, "year"):  # datetime
        if value.tzinfo is not None:
            from datetime import UTC

            value = value.astimezone(UTC).replace(tzinfo=None)
        return f"{value.year:04d}-" + value.strftime("%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    if hasattr(value, "year"):  # date
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    return str(value)


def stream_rows(
    con: duckdb.DuckDBPyConnection, sql: str, params: list, batch: int = 5_000
) -> Iterator[tuple]:
    """Rows of a query, a batch at a time (never the whole table in memory)."""
    cur = con.cursor()
    cur.execute(sql, params)
    while True:
        chunk = cur.fetchmany(batch)
        if not chunk:
            return
        yield from chunk


def poll_interval(rows: int, elapsed: float) -> float:
    """Seconds to wait before the next poll: short for small jobs, growing with size and time (max 10 s).

    Every poll is an API call the org counts against its daily allowance (``DailyApiRequests``). A job
    queued behind others keeps waiting, so the wait also grows with the time already spent (an eighth of it:
    a job is noticed at most ~12% after it ends). A 10,000-row job waiting a minute is polled 37 times; it
    had been 240."""
    base = 0.05 + rows / 50_000  # the sandbox and a real org process roughly 10k-50k rows/s
    return min(10.0, max(0.05, min(base, 0.25 + elapsed / 4), elapsed / 8))


class BulkIngest:
    """Runs ingest jobs (upsert/delete/update) for one object through an :class:`OrgClient`."""

    def __init__(self, org: OrgClient, object_name: str, work_dir: Path):
        self.org = org
        self.object_name = object_name
        self.client = org.bulk(object_name)
        self.work_dir = work_dir
        work_dir.mkdir(parents=True, exist_ok=True)

    def create(self, operation: str, external_id: str | None = None) -> str:
        job = self.org.call(self.client.create_job, operation, external_id_field=external_id)
        return job["id"]

    def upload(self, job_id: str, path: Path) -> None:
        """One PUT of the spool file, streamed; on failure the job is aborted (never a second upload)."""
        url = self.client._construct_request_url(job_id, False) + "/batches"
        headers = self.client._get_headers(self.client.CSV_CONTENT_TYPE, self.client.JSON_CONTENT_TYPE)
        headers["Content-Length"] = str(path.stat().st_size)
        try:
            with open(path, "rb") as fh:
                result = call_salesforce(
                    url=url, method="PUT", session=self.org.sf.session, headers=headers, data=fh
                )
        except Exception:
            with contextlib.suppress(Exception):
                self.org.call(self.client.abort_job, job_id, False)
            raise
        if result.status_code != 201:
            raise BulkJobError(f"upload to job {job_id} answered {result.status_code}, not 201")

    def close(self, job_id: str) -> None:
        """UploadComplete; when a retried PATCH finds the job already closed, that is success."""
        try:
            self.org.call(self.client.close_job, job_id)
        except SalesforceError:
            if self.state(job_id)["state"] == "Open":
                raise

    def wait(self, job_id: str, rows: int, timeout: float = 3600.0) -> tuple[dict, int]:
        started, polls = time.monotonic(), 0
        while True:
            elapsed = time.monotonic() - started
            time.sleep(poll_interval(rows, elapsed))
            info = self.org.call(self.client.get_job, job_id, False)
            polls += 1
            if info["state"] in TERMINAL:
                return info, polls
            if elapsed > timeout:
                raise BulkJobError(f"job {job_id} still {info['state']} after {timeout:.0f}s")

    def results(self, job_id: str, key_column: str, job_error: str | None) -> pa.Table:
        """The three result sets of a job, matched to rows by ``key_column``, read by DuckDB (``read_csv``:
        no Python row loop over the CSV text)."""
        files: dict[str, Path] = {}
        try:
            for kind in ("successfulResults", "failedResults", "unprocessedrecords"):
                fd, name = tempfile.mkstemp(suffix=".csv", dir=self.work_dir)
                os.close(fd)
                files[kind] = Path(name)
                self.org.call(self.client.download_ingest_results, name, job_id, kind)
            return read_results(files, key_column, job_error)
        finally:
            for path in files.values():
                path.unlink(missing_ok=True)

    def run(
        self,
        operation: str,
        spool: Path,
        rows: int,
        key_column: str,
        external_id: str | None = None,
        hooks: JobHooks | None = None,
    ) -> JobOutcome:
        """One Bulk job start to finish: create, upload (a transient upload failure aborts the job and a
        fresh job takes the file: never two uploads to one job), close, poll, results."""
        hooks = hooks or JobHooks()
        for attempt in range(self.org.attempts):
            job_id = self.create(operation, external_id)
            hooks.created(job_id)
            try:
                self.upload(job_id, spool)
            except Exception as exc:
                if not is_transient(exc) or attempt == self.org.attempts - 1:
                    raise
                time.sleep(min(8.0, 0.2 * 2**attempt))
                continue
            hooks.uploaded(job_id)
            self.close(job_id)
            hooks.closed(job_id)
            return self.finish(job_id, rows, key_column)
        raise AssertionError("unreachable")

    def finish(self, job_id: str, rows: int, key_column: str) -> JobOutcome:
        """Wait for a closed job and read its results."""
        started = time.monotonic()
        info, polls = self.wait(job_id, rows)
        error = info.get("errorMessage")
        if info["state"] == "Aborted":
            empty = RESULTS_SCHEMA.empty_table()
            return JobOutcome(job_id, "Aborted", error, empty, time.monotonic() - started, polls)
        results = self.results(job_id, key_column, error)
        return JobOutcome(job_id, info["state"], error, results, time.monotonic() - started, polls)

    def state(self, job_id: str) -> dict:
        return self.org.call(self.client.get_job, job_id, False)

    def abort(self, job_id: str) -> None:
        with contextlib.suppress(Exception):
            self.org.call(self.client.abort_job, job_id, False)


_READ = "read_csv(?, header = true, all_varchar = true, quote = '\"', escape = '\"')"


def read_results(files: dict[str, Path], key_column: str, job_error: str | None) -> pa.Table:
    """Rows of the downloaded result files (successfulResults, failedResults, unprocessedrecords) as an
    Arrow table of :data:`RESULTS_SCHEMA`, read by DuckDB (no Python row loop); columns are matched
    case-insensitively as Salesforce names them."""
    parts: list[str] = []
    params: list = []
    con = duckdb.connect()
    try:
        for kind, path in files.items():
            if not path.exists() or path.stat().st_size == 0:
                continue
            cols = [d[0] for d in con.execute(f"select * from {_READ} limit 0", [str(path)]).description]
            lower = {c.lower(): sql_ident(c) for c in cols}
            if key_column.lower() not in lower:
                continue
            key, sf_id = lower[key_column.lower()], lower.get("sf__id", "null")
            if kind == "successfulResults":
                created = f"coalesce(lower({lower['sf__created']}) = 'true', false)"
                select = f"{key}, nullif({sf_id}, ''), {created}, null, 0"
            elif kind == "failedResults":
                select = f"{key}, nullif({sf_id}, ''), null::boolean, {lower['sf__error']}, 1"
            else:
                select = f"{key}, null, null::boolean, ?, 2"
                params.append(f"UNPROCESSED:{job_error or 'not processed'}")
            parts.append(f"select {select} from {_READ} where {key} is not null")
            params.append(str(path))
        if not parts:
            return RESULTS_SCHEMA.empty_table()
        table = con.sql(" union all ".join(parts), params=params).to_arrow_table()
        return table.rename_columns(RESULTS_SCHEMA.names).cast(RESULTS_SCHEMA)
    finally:
        con.close()


def split_error(text: str) -> tuple[str, str]:
    """``CODE:message:fields --`` → (CODE, message)."""
    text = (text or "").strip()
    if text.endswith("--"):
        text = text[:-2].rstrip()
    code, _, rest = text.partition(":")
    if not code or not code.replace("_", "").isalnum() or not code.isupper():
        return "ERROR", text
    return code, rest


def csv_has_rows(path: Path) -> bool:
    """A query page holds more than its header line."""
    with open(path, encoding="utf-8") as fh:
        fh.readline()
        return bool(fh.readline())


def insert_query_pages(con: duckdb.DuckDBPyConnection, pages: list[Path], insert_sql: str) -> None:
    """Each page of a query with rows into DuckDB (``insert_sql`` reads the page's path as its one ``?``
    parameter with ``read_csv``); every page file is removed once read."""
    for page in pages:
        if csv_has_rows(page):
            con.execute(insert_sql, [str(page)])
        page.unlink(missing_ok=True)


def query_to_csv(org: OrgClient, soql: str, out_dir: Path, page_rows: int = 50_000) -> list[Path]:
    """A Bulk 2.0 query job streamed page by page to CSV files (for DuckDB to read)."""
    client = org.bulk("")
    job = org.call(client.create_job, "query", query=soql)
    job_id, started = job["id"], time.monotonic()
    while True:
        time.sleep(poll_interval(1_000, time.monotonic() - started))
        info = org.call(client.get_job, job_id, True)
        if info["state"] in TERMINAL:
            break
    if info["state"] != "JobComplete":
        raise BulkJobError(f"query job {job_id} ended {info['state']}: {info.get('errorMessage')}")
    out_dir.mkdir(parents=True, exist_ok=True)
    files, locator = [], ""
    while True:
        page = org.call(client.download_job_data, str(out_dir), job_id, locator, page_rows)
        files.append(Path(page["file"]))
        locator = page["locator"]
        if not locator:
            return files
