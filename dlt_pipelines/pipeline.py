"""The extract stage: run the Dispatch Pro source into DuckDB (dataset ``raw_dispatch_pro``).

``run_extract`` is what ``dp2sf extract`` calls. Source ``simulator`` reads the sandbox's ``endpoints.json``;
source ``servicetitan`` reads URLs, tenant and secrets from dlt config/secrets (``.dlt/*.toml`` or env
``SOURCES__DISPATCH_PRO__CLIENT_SECRET`` ...). Incremental by default; ``full=True`` starts over.

Dispatch Pro's own data (dispatch metadata, playbooks, dashboards) comes from the export folder
(``DP2SF_EXPORTS_DIR``, dlt config ``sources.dispatch_pro.exports_folder``, or the one the simulator writes).
Without it the extract still runs, warns, and records what did not migrate in
``<data_dir>/extract_report.json`` (read by ``dp2sf inventory``).
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import requests

from core.errors import Dp2sfError
from core.extract_report import EXTRACT_REPORT_FILE, read_extract_report
from dlt_pipelines.dispatch_pro.exports import ExportsStatus, exports_status
from dlt_pipelines.dispatch_pro.pacing import ACTIVITY
from dlt_pipelines.dispatch_pro.settings import (
    DATASET_NAME,
    EXPORT_FOLDER_CONTENT,
    PIPELINE_NAME,
    SERVICETITAN_BASE_URL,
    SERVICETITAN_TOKEN_URL,
    TABLES,
    require_https,
)
from sandbox.control import SandboxError, read_endpoints

if TYPE_CHECKING:
    from rich.console import Console

    from core.settings import Settings

# dlt must not phone home; its schema-inference warnings (columns that were null in a load) are noise here
os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
os.environ.setdefault("RUNTIME__LOG_LEVEL", "ERROR")
# intermediate files live seconds; gzip on them cost ~20% of the run time (bench/extract.py)
os.environ.setdefault("DATA_WRITER__DISABLE_COMPRESSION", "true")
# bounded load files keep DuckDB's memory per COPY small on the big tables (jobs, job_history)
os.environ.setdefault("DATA_WRITER__FILE_MAX_ITEMS", "100000")
# pages arrive as Arrow tables (dispatch_pro/arrow_pages.py, arrow_tree.py) that already carry dlt's columns
# (`_dlt_load_id` and `_dlt_id` on root rows, the link columns on nested rows, as the normalizer makes them):
# dlt must not add its own (it would add `_dlt_load_id` to nested tables too)
os.environ.setdefault("NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_ID", "false")
os.environ.setdefault("NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_LOAD_ID", "false")
# pages that stay rows (small list endpoints, export-folder tables, pages with shapes only dlt decides) go
# through dlt's Python normalizer: one process per core (files are rotated at FILE_MAX_ITEMS)
os.environ.setdefault("NORMALIZE__WORKERS", str(min(2, os.cpu_count() or 1)))
# smaller write buffers per table keep the two normalize workers' memory down (peak RSS 1,190 -> 830 MB at M)
os.environ.setdefault("DATA_WRITER__BUFFER_MAX_ITEMS", "1000")

# load file formats are set per resource in the source (parquet for Arrow tables, jsonl for rows)
LOADER_FILE_FORMAT = None
DUCKDB_MEMORY_LIMIT = "512MB"
REPORT_FILE = EXTRACT_REPORT_FILE  # core.extract_report reads it for the later stages
ERRORS = "file_errors"
PROGRESS_PERIOD_S = 30.0  # the stage's own progress line (requests, files) next to dlt's per-table counts
EXPORTS_WAIT_S = 600.0  # the simulator writes its export folder in the background after start-up
CLEAR_ERRORS = ("MalformedPageError", "AuthError", "ExportFileError", "FileDownloadError", "HTTPError")


class ExtractError(Dp2sfError):
    """The extract could not run or did not finish; the message says what and where (never a secret)."""


@dataclass
class ExtractSummary:
    """What one extract run did."""

    duckdb_path: Path
    row_counts: dict[str, int]  # every raw table (incl. child tables): rows in DuckDB after the run
    records_extracted: int  # top-level records landed by this run (child rows not counted)
    files_downloaded: int
    seconds: float
    exports_folder: str | None = None
    not_migrated: dict[str, str] = field(default_factory=dict)  # table -> why it is not in raw
    warnings: list[str] = field(default_factory=list)
    file_errors: int = 0  # rows in raw file_errors (files listed but not stored, with the reason)


def simulator_credentials(settings: Settings) -> dict[str, Any]:
    """The simulator's connection details from ``endpoints.json``; clear error if the sandbox is down."""
    path = settings.endpoints_file
    hint = "start it with `dp2sf sandbox up`"
    if not path.exists():
        raise ExtractError(f"the Dispatch Pro simulator is not running (no {path}): {hint}")
    try:
        dp = read_endpoints(path).get("dispatch_pro")
    except SandboxError as exc:
        raise ExtractError(str(exc)) from None
    if not dp:
        raise ExtractError(f"the Dispatch Pro simulator is not listed in {path}: {hint}")
    try:
        requests.get(f"{dp['base_url']}/health", timeout=5).raise_for_status()
    except requests.RequestException as exc:
        raise ExtractError(
            f"the Dispatch Pro simulator at {dp['base_url']} does not answer ({exc}): {hint}"
        ) from None
    keys = ("base_url", "token_url", "client_id", "client_secret", "app_key", "tenant")
    return {key: dp[key] for key in keys}


def simulator_exports_dir(settings: Settings, wait_s: float = EXPORTS_WAIT_S) -> Path | None:
    """The export folder the simulator writes (named by its ``/health``), once it is complete."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            dp = read_endpoints(settings.endpoints_file).get("dispatch_pro") or {}
            health = requests.get(f"{dp['base_url']}/health", timeout=5).json()
        except (OSError, ValueError, KeyError, SandboxError, requests.RequestException):
            return None
        folder = health.get("exports_dir")
        if not folder or health.get("exports_error"):
            return None
        if health.get("exports_ready", True) or time.monotonic() > deadline:
            return Path(folder)  # not ready after the wait: the extract warns what it lacks
        time.sleep(1)


def exports_folder(settings: Settings) -> Path | None:
    """The customer's export folder: DP2SF_EXPORTS_DIR, else dlt config, else the simulator's own."""
    import dlt

    if settings.exports_dir:
        return Path(settings.exports_dir)
    configured = dlt.config.get("sources.dispatch_pro.exports_folder")
    if configured:
        return Path(str(configured))
    if settings.source == "simulator":
        return simulator_exports_dir(settings)
    return None


# the resources that list files (read only to store them): left out of an extract without files
FILE_LISTINGS = ("job_attachments",)


def make_source(
    settings: Settings, known_files: dict[str, str] | None = None, files: bool = True, **options: Any
):
    """The configured ``dispatch_pro`` source for ``settings.source`` (simulator or servicetitan).

    Its file planner (``source_file_planner``) plans the files to store once the tables are loaded. With
    ``files=False`` the source has the tables only: no file listing (:data:`FILE_LISTINGS`), no download."""
    import dlt

    from dlt_pipelines.dispatch_pro import dispatch_pro
    from dlt_pipelines.dispatch_pro.signatures import FilePlanner

    folder = exports_folder(settings)
    options = {
        "files_dir": str(settings.files_dir),
        "known_files": known_files or {},
        "exports_folder": str(folder) if folder else None,
        "file_planner": FilePlanner(exports_folder=str(folder) if folder else None),
        **options,
    }
    if not files:
        options["files_dir"] = None
    if settings.source == "simulator":
        source = dispatch_pro(**simulator_credentials(settings), **options)
    elif settings.source == "servicetitan":
        urls = {
            "base_url": dlt.config.get("sources.dispatch_pro.base_url") or SERVICETITAN_BASE_URL,
            "token_url": dlt.config.get("sources.dispatch_pro.token_url") or SERVICETITAN_TOKEN_URL,
        }
        try:
            urls = {k: require_https(v, f"sources.dispatch_pro.{k}") for k, v in urls.items()}
        except ValueError as exc:
            raise ExtractError(str(exc)) from None
        source = dispatch_pro(**urls, **options)
    else:
        raise ExtractError(
            f"unknown source {settings.source!r} (DP2SF_SOURCE): choose simulator or servicetitan"
        )
    if not files:
        # the selected resources (the hidden `<table>_pages` ones feed the tree tables and are not selected)
        source = source.with_resources(*[n for n in source.selected_resources if n not in FILE_LISTINGS])
    source._dp2sf_exports_folder = options["exports_folder"]
    source._dp2sf_file_planner = options["file_planner"] if options.get("files_dir") else None
    return source


def _duckdb_credentials(path: Path):
    """DuckDB at ``path`` with a memory cap (uncapped, loading the big tables took >1 GB at the M tier)."""
    from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials

    credentials = DuckDbCredentials(str(path))
    credentials.global_config = {"memory_limit": DUCKDB_MEMORY_LIMIT}
    return credentials


def make_pipeline(settings: Settings, progress: Any = "log"):
    """The ``dispatch_pro`` pipeline: DuckDB at ``settings.duckdb_path``, state and schemas under data_dir."""
    import dlt

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return dlt.pipeline(
        pipeline_name=PIPELINE_NAME,
        pipelines_dir=str(settings.data_dir / "dlt_pipelines"),
        destination=dlt.destinations.duckdb(_duckdb_credentials(settings.duckdb_path)),
        dataset_name=DATASET_NAME,
        export_schema_path=str(settings.data_dir / "schemas"),
        progress=progress,
    )


def _query(db_path: Path, sql: str) -> list[tuple]:
    if not db_path.exists():
        return []
    con = duckdb.connect(str(db_path))
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def known_files(db_path: Path) -> dict[str, str]:
    """``"kind:source_id" -> sha256`` of files an earlier load stored."""
    exists = _query(
        db_path,
        "select 1 from information_schema.tables "
        f"where table_schema = '{DATASET_NAME}' and table_name = 'files'",
    )
    if not exists:
        return {}
    rows = _query(db_path, f"select kind || ':' || source_id, sha256 from {DATASET_NAME}.files")
    return dict(rows)


def job_attachment_listing(db_path: Path) -> list[dict[str, Any]]:
    """Every job attachment raw holds (``id, job_id, file_name, size``): what the files are planned from."""
    have = {
        r[0]
        for r in _query(
            db_path,
            "select column_name from information_schema.columns "
            f"where table_schema = '{DATASET_NAME}' and table_name = 'job_attachments'",
        )
    }
    if not {"id", "job_id"} <= have:
        return []
    cols = ["id", "job_id"] + [c if c in have else f"null as {c}" for c in ("file_name", "size")]
    rows = _query(db_path, f"select {', '.join(cols)} from {DATASET_NAME}.job_attachments order by id")
    return [dict(zip(("id", "job_id", "file_name", "size"), row, strict=True)) for row in rows]


def store_files(pipeline: Any, source: Any, db_path: Path) -> dict[str, int]:
    """Store the files the tables list (signatures matched by file name), after the tables are loaded.

    Returns the rows written per table (``files``; failures in ``file_errors``)."""
    from dlt_pipelines.dispatch_pro import files_resource

    planner = getattr(source, "_dp2sf_file_planner", None)
    if planner is None or planner.store is None:
        return {}
    refs = planner.refs(job_attachment_listing(db_path), known_files(db_path))
    pipeline.run(files_resource(planner.store, refs), loader_file_format=LOADER_FILE_FORMAT)
    info = pipeline.last_trace.last_normalize_info if pipeline.last_trace else None
    forget_fixed_errors(db_path)
    return {t: int(n) for t, n in (info.row_counts if info else {}).items() if t in ("files", ERRORS)}


def forget_fixed_errors(db_path: Path) -> None:
    """Drop ``file_errors`` rows of files stored since (a retry that worked): an error row would hold the
    stored file back in the mapping (quarantine ``file_unusable``)."""
    tables = {r[0] for r in _query(db_path, "select table_name from information_schema.tables "
                                   f"where table_schema = '{DATASET_NAME}'")}  # fmt: skip
    if not {"files", "file_errors"} <= tables:
        return
    con = duckdb.connect(str(db_path))
    try:
        con.execute(
            f"delete from {DATASET_NAME}.file_errors as e where exists (select 1 from {DATASET_NAME}.files "
            "as f where f.kind = e.kind and f.source_id = e.source_id)"
        )
    finally:
        con.close()


def raw_row_counts(db_path: Path) -> dict[str, int]:
    """Rows per raw table (dlt's own ``_dlt_*`` tables excluded); expected tables not yet created count 0."""
    names = [
        r[0]
        for r in _query(
            db_path,
            "select table_name from information_schema.tables "
            f"where table_schema = '{DATASET_NAME}' and table_name not like '\\_dlt%' escape '\\'",
        )
    ]
    counts = dict.fromkeys(TABLES, 0)
    if names:
        union = " union all ".join(f"select '{n}', count(*) from {DATASET_NAME}.\"{n}\"" for n in names)
        counts.update({name: int(count) for name, count in _query(db_path, union)})
    return counts


def write_report(settings: Settings, summary: ExtractSummary) -> Path:
    """``<data_dir>/extract_report.json``: what the last extract did not migrate and why (inventory)."""
    path = settings.data_dir / REPORT_FILE
    payload = {k: v for k, v in asdict(summary).items() if k not in ("duckdb_path", "row_counts")}
    # what each table not in raw would have held (readers of the report need no import of this package)
    payload["not_migrated_content"] = {t: EXPORT_FOLDER_CONTENT.get(t, "") for t in summary.not_migrated}
    path.write_text(json.dumps(payload, indent=2, default=str))
    return path


def read_report(settings: Settings) -> dict[str, Any] | None:
    """The last extract's report, or None if no extract has written one."""
    return read_extract_report(settings)


def drop_raw(settings: Settings) -> None:
    """Forget the pipeline state and drop the raw dataset (``--full``)."""
    make_pipeline(settings, progress=None).drop()
    if settings.duckdb_path.exists():
        con = duckdb.connect(str(settings.duckdb_path))
        try:
            con.execute(f"drop schema if exists {DATASET_NAME} cascade")
        finally:
            con.close()


def _explain(exc: BaseException) -> str:
    """The most specific cause in an exception chain, as one line."""
    seen, chain = set(), []
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        chain.append(exc)
        exc = exc.__cause__ or exc.__context__
    for candidate in chain:
        if type(candidate).__name__ in CLEAR_ERRORS:
            return str(candidate).split("\n")[0]
    return f"{type(chain[-1]).__name__}: {str(chain[-1]).splitlines()[0] if str(chain[-1]) else ''}"


@contextlib.contextmanager
def request_progress(say: Any, period_s: float = PROGRESS_PERIOD_S) -> Iterator[None]:
    """Every ``period_s`` while the block runs: API requests sent (and their rate) and files stored/failed.

    dlt's log collector prints records per table every 5 s; this adds what the tables do not show on a long
    run (the pace of requests against the API limit, attachments still being downloaded).
    """
    ACTIVITY.reset()
    started = time.monotonic()
    stop = threading.Event()

    def report() -> None:
        while not stop.wait(period_s):
            elapsed = time.monotonic() - started
            say(
                f"progress {elapsed / 60:.0f}:{elapsed % 60:02.0f}: {ACTIVITY.requests:,} API requests "
                f"({ACTIVITY.requests / elapsed:.1f}/s), {ACTIVITY.files_stored:,} files stored, "
                f"{ACTIVITY.files_failed:,} not fetched"
            )

    thread = threading.Thread(target=report, name="dp2sf-extract-progress", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def run_extract(
    settings: Settings,
    full: bool = False,
    console: Console | None = None,
    verbose: bool = False,
    files: bool = True,
) -> ExtractSummary:
    """Extract Dispatch Pro into ``raw_dispatch_pro`` (incremental unless ``full``) and summarise.

    Without ``files``: the tables only, no attachment listings, downloads or signatures (the files are bound
    by the API's 60 requests/s; a later full extract with files fetches every file: an incremental one sees
    only the signatures of the submissions it reads).

    ``console`` gets the warnings; with ``verbose`` also dlt's own log collector (records per table every 5 s)
    and a requests/files line every 30 s. Without it, a caller shows progress from ``ACTIVITY`` (the CLI's
    live display, ``workbench/progress.py``)."""
    import dlt
    from dlt.common.configuration.exceptions import ConfigFieldMissingException
    from dlt.pipeline.exceptions import PipelineStepFailed

    started = time.perf_counter()
    say = console.print if console else (lambda *a, **k: None)
    try:
        if full:
            say("full extract: dropping pipeline state and the raw dataset")
            drop_raw(settings)
        stored = known_files(settings.duckdb_path)
    except duckdb.Error as exc:
        raise ExtractError(f"cannot use {settings.duckdb_path} (is another stage using it?): {exc}") from None
    try:
        source = make_source(settings, known_files=stored, files=files)
    except ConfigFieldMissingException as exc:
        missing = ", ".join(f"SOURCES__DISPATCH_PRO__{f.upper()}" for f in exc.fields)
        raise ExtractError(
            f"ServiceTitan source is not configured: set {missing} (or .dlt/secrets.toml)"
        ) from None
    exports: ExportsStatus = exports_status(source_exports_folder(source))
    warning = exports.warning()
    if warning:
        say(f"[yellow]warning[/]: {warning}")
    progress = (
        dlt.progress.log(log_period=5.0, logger=console.file, dump_system_stats=False)
        if console and verbose
        else None
    )
    pipeline = make_pipeline(settings, progress=progress)
    if verbose:
        say(f"extracting Dispatch Pro ({settings.source}) into {settings.duckdb_path} [{DATASET_NAME}]")
    try:
        with request_progress(say if verbose else (lambda *a, **k: None)):
            pipeline.run(source, loader_file_format=LOADER_FILE_FORMAT)
            info = pipeline.last_trace.last_normalize_info if pipeline.last_trace else None
            normalized = dict(info.row_counts if info else {})
            normalized.update(store_files(pipeline, source, settings.duckdb_path))
    except PipelineStepFailed as exc:
        raise ExtractError(f"extract failed during {exc.step}: {_explain(exc)}") from None
    records = sum(n for table, n in normalized.items() if "__" not in table and not table.startswith("_dlt"))
    counts = raw_row_counts(settings.duckdb_path)
    summary = ExtractSummary(
        duckdb_path=settings.duckdb_path,
        row_counts=counts,
        records_extracted=records,
        files_downloaded=int(normalized.get("files", 0)),
        seconds=time.perf_counter() - started,
        exports_folder=str(exports.folder) if exports.folder else None,
        not_migrated=dict(exports.missing),
        warnings=[warning] if warning else [],
        file_errors=counts.get("file_errors", 0),
    )
    if summary.file_errors:
        say(
            f"[yellow]warning[/]: {summary.file_errors} file(s) could not be fetched: "
            f"see {DATASET_NAME}.file_errors"
        )
    write_report(settings, summary)
    return summary


def source_exports_folder(source: Any) -> str | None:
    """The exports folder a built source was given (kept on the source by ``make_source``)."""
    return getattr(source, "_dp2sf_exports_folder", None)
