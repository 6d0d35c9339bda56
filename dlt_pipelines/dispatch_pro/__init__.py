"""Dispatch Pro (ServiceTitan v2 API) source: raw tables for the migration, built on dlt's ``rest_api``.

One resource per endpoint (see ``settings.ENDPOINTS``), merged on primary keys, incremental on ``modifiedOn``
for export endpoints; job history flattened to one row per event; attachment metadata over jobs; report
definitions over report categories; attachment and signature bytes into a content-addressed store (``files``,
failures in ``file_errors``). One OAuth2 auth object signs every request and one pacer keeps them under
ServiceTitan's rate limit. Only paths of ServiceTitan's published v2 specs are called: what Dispatch Pro keeps
outside the API (dispatch metadata, playbooks, dashboards) comes from the customer's ``exports_folder``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dlt
from dlt.sources import DltResource
from dlt.sources.helpers.requests import Client
from dlt.sources.helpers.rest_client import RESTClient
from dlt.sources.rest_api import rest_api_resources
from requests import Response, Session

from .arrow_pages import _NAMING, DLT_COLUMNS, ArrowPages
from .arrow_tree import ROOT_COLUMNS, TreePages
from .auth import AuthError, ServiceTitanAuth
from .exports import ExportFileError, exports_status, read_export_batches
from .files import DOWNLOAD_WORKERS, ERRORS_TABLE, FileRef, FileStore
from .guards import MalformedPageError, PageGuard
from .pacing import DEFAULT_RATE_PER_S, pace_session
from .paginators import ExportPaginator, list_paginator
from .settings import (
    ARROW_FILE_FORMAT,
    ARROW_TABLES,
    ATTACHMENT_PAGE_SIZE,
    DEFAULT_INITIAL_FROM,
    ENDPOINTS,
    EXPORT_FOLDER_TABLES,
    JOB_ATTACHMENTS_PATH,
    JOB_HISTORY_PATH,
    LIST_PAGE_SIZE,
    PAGES_SUFFIX,
    REPORT_PATH,
    REPORTS_PATH,
    ROWS_FILE_FORMAT,
    TEXT_VALUE_PATHS,
    TREE_TABLES,
    Endpoint,
)
from .signatures import FilePlanner, signature_claims

__all__ = [
    "AuthError",
    "ExportFileError",
    "MalformedPageError",
    "ServiceTitanAuth",
    "dispatch_pro",
    "dispatch_pro_exports",
    "exports_status",
    "files_resource",
    "signature_claims",
]


def _raise_for_status(response: Response, *args: Any, **kwargs: Any) -> None:
    response.raise_for_status()


def make_session(
    request_timeout: float,
    request_max_attempts: int,
    request_backoff_factor: float,
    request_max_retry_delay: float,
    max_requests_per_second: float | None = DEFAULT_RATE_PER_S,
) -> Session:
    """A session with dlt's retry (429 honouring Retry-After, 5xx, connection errors, timeouts), paced."""
    session = Client(
        request_timeout=request_timeout,
        raise_for_status=False,
        request_max_attempts=request_max_attempts,
        request_backoff_factor=request_backoff_factor,
        request_max_retry_delay=request_max_retry_delay,
        respect_retry_after_header=True,
    ).session
    pace_session(session, max_requests_per_second)
    return session


def _incremental(cursor: str, initial_from: str) -> dict[str, Any]:
    return {
        "type": "incremental",
        "cursor_path": cursor,
        "initial_value": initial_from,
        "on_cursor_value_missing": "include",
    }


def endpoint_resource(endpoint: Endpoint, tenant: str, initial_from: str, page_size: int) -> dict[str, Any]:
    """The declarative rest_api resource config for one endpoint."""
    path = endpoint.url_path(tenant)
    params: dict[str, Any] = dict(endpoint.extra_params)
    if endpoint.kind == "export":
        paginator: Any = ExportPaginator()
        if endpoint.cursor:
            params["from"] = _incremental(endpoint.cursor, initial_from)
    else:
        paginator = list_paginator()
        params["pageSize"] = page_size
        if endpoint.cursor and endpoint.cursor_param:
            params[endpoint.cursor_param] = _incremental(endpoint.cursor, initial_from)
    hidden = endpoint.table in TREE_TABLES  # pages for the `<table>` transformer (tree_resource)
    return {
        "name": endpoint.table + (PAGES_SUFFIX if hidden else ""),
        "selected": not hidden,
        "primary_key": endpoint.primary_key,
        "write_disposition": "merge",
        "parallelized": True,  # pages of all endpoints in flight at once (dlt's extract thread pool)
        "endpoint": {
            "path": path,
            "params": params,
            "paginator": paginator,
            "data_selector": "data",
            "response_actions": [PageGuard("/" + path)],
        },
    }


def _job_attachments_resource(tenant: str, parallel: bool) -> dict[str, Any]:
    path = JOB_ATTACHMENTS_PATH.format(tenant=tenant)
    return {
        "name": "job_attachments",
        "primary_key": "id",
        "write_disposition": "merge",
        "parallelized": parallel,
        "include_from_parent": ["id"],
        "endpoint": {
            "path": path,
            "params": {"pageSize": ATTACHMENT_PAGE_SIZE},
            "paginator": list_paginator(),
            "data_selector": "data",
            "response_actions": [PageGuard("/" + path.replace("{resources.jobs_pages.id}", "{jobId}"))],
        },
        "processing_steps": [{"map": _attachment_row}],
    }


def _attachment_row(row: dict[str, Any]) -> dict[str, Any]:
    """Name the parent job explicitly (rest_api adds it as ``_jobs_pages_id``)."""
    job_id = row.pop("_jobs_pages_id", None)
    row.setdefault("jobId", job_id)
    return row


def tree_resource(pages: DltResource, endpoint: Endpoint, arrow: bool) -> DltResource:
    """Table ``endpoint.table`` and its child tables from the hidden ``<table>_pages`` resource.

    ``arrow``: each page as Arrow tables, one per table of the record tree (``arrow_tree.TreePages``), else
    the rows as they are, for dlt's normalizer (same raw tables either way).
    """
    table = endpoint.table
    paths = TEXT_VALUE_PATHS.get(table, ())
    text_values = tuple(_NAMING.shorten_fragments(table, *p) for p in paths)
    rows_hints = (
        dlt.mark.make_hints(table_name=table, nested_hints=text_value_hints(paths)) if paths else None
    )
    tree = TreePages(table, text_values, rows_hints)

    @dlt.transformer(
        name=table,
        data_from=pages,
        primary_key=endpoint.primary_key,
        write_disposition="merge",
        columns=ROOT_COLUMNS,
    )
    def records(page: Any) -> Iterator[Any]:
        if arrow:
            yield from tree.items(page)
        else:
            yield page

    return records


def job_history_resource(client: RESTClient, tenant: str, initial_from: str) -> DltResource:
    """Job history flattened to one row per event; resumes from the last ``continueFrom`` token."""
    path = JOB_HISTORY_PATH.format(tenant=tenant)

    @dlt.resource(name="job_history", primary_key="id", write_disposition="merge", parallelized=True)
    def job_history() -> Iterator[list[dict[str, Any]]]:
        state = dlt.current.resource_state()
        paginator = ExportPaginator()
        hooks = {"response": [PageGuard("/" + path), _raise_for_status]}
        start = state.get("continue_from") or initial_from
        for page in client.paginate(
            path, params={"from": start}, paginator=paginator, data_selector="data", hooks=hooks
        ):
            yield [
                {"job_id": item.get("jobId"), **event}
                for item in page
                for event in (item.get("history") or [])
            ]
            if paginator.last_continue_from:
                state["continue_from"] = paginator.last_continue_from

    return job_history()


ERROR_HINTS = dlt.mark.make_hints(
    table_name=ERRORS_TABLE, primary_key=("kind", "source_id"), write_disposition="merge"
)


def _file_rows(rows: Iterator[dict[str, Any]]) -> Iterator[Any]:
    """Stored files as they are; failures to the ``file_errors`` table."""
    for row in rows:
        if row.pop("_error", False):
            # a table variant keyed like ``files``: one row per failing file, replaced when it fails again
            yield dlt.mark.with_hints(row, ERROR_HINTS, create_table_variant=True)
        else:
            yield row


def files_resource(store: FileStore, refs: list[FileRef]) -> DltResource:
    """The ``files`` table (and ``file_errors``): every planned file stored or listed with its reason.

    Runs after the tables are loaded (``pipeline.run_extract``), when the job attachment listing is in raw
    and the signature claims of the submissions are known, so each signature image is matched by file name
    and stored once, as a signature (``signatures.FilePlanner``).
    """

    @dlt.resource(name="files", primary_key=("kind", "source_id"), write_disposition="merge")
    def files() -> Iterator[Any]:
        yield from _file_rows(store.fetch_all(refs))

    files.apply_hints(file_format=ROWS_FILE_FORMAT)
    return files


def dispatch_pro_exports(folder: str | Path, tables: list[str] | tuple[str, ...]) -> list[DltResource]:
    """Dispatch Pro-only tables read from the customer's export folder, merged on their keys (as the API
    tables are, so the raw tables keep the same dlt columns, ``_dlt_root_id`` on child rows included)."""
    return [
        dlt.resource(
            read_export_batches(Path(folder), table),
            name=table,
            primary_key=EXPORT_FOLDER_TABLES[table],
            write_disposition="merge",
        )
        for table in tables
    ]


def reports_resource(client: RESTClient, tenant: str, categories: DltResource, page_size: int) -> DltResource:
    """Report definitions (fields and parameters) of every report in each category, for the rebuild."""

    @dlt.transformer(
        name="reports",
        data_from=categories,
        primary_key=("category_id", "id"),
        write_disposition="merge",
    )
    def reports(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
        for category in rows:
            path = REPORTS_PATH.format(tenant=tenant, category=category["id"])
            guard = PageGuard("/" + REPORTS_PATH.format(tenant=tenant, category="{report_category}"))
            hooks = {"response": [guard, _raise_for_status]}
            for page in client.paginate(
                path,
                params={"pageSize": page_size},
                paginator=list_paginator(),
                data_selector="data",
                hooks=hooks,
            ):
                out = []
                for report in page:
                    detail = client.get(
                        REPORT_PATH.format(tenant=tenant, category=category["id"], report=report["id"]),
                        hooks={"response": [_raise_for_status]},
                    ).json()
                    out.append({**report, **detail, "categoryId": category["id"]})
                yield out

    return reports


def text_value_hints(paths: tuple[tuple[str, ...], ...]) -> dict[tuple[str, ...], dict[str, Any]]:
    """Nested hints that land ``value`` as text in each nested table on ``paths``.

    Without them dlt's iso_timestamp detection types the column by its first value and splits the rest into
    a ``value__v_text`` variant column that nothing downstream reads.
    """
    as_text = {"name": "value", "data_type": "text"}
    nested: dict[tuple[str, ...], dict[str, Any]] = {}
    for path in paths:
        for depth in range(1, len(path)):  # dlt wants every intermediate table declared
            nested.setdefault(path[:depth], {})
        nested[path] = {"columns": {"value": as_text}}
    return nested


@dlt.source(name="dispatch_pro")
def dispatch_pro(
    base_url: str = dlt.config.value,
    token_url: str = dlt.config.value,
    client_id: str = dlt.secrets.value,
    client_secret: str = dlt.secrets.value,
    app_key: str = dlt.secrets.value,
    tenant: str = dlt.config.value,
    files_dir: str | None = None,
    exports_folder: str | None = None,
    known_files: dict[str, str] | None = None,
    arrow_tables: bool = True,
    initial_from: str = DEFAULT_INITIAL_FROM,
    list_page_size: int = LIST_PAGE_SIZE,
    parallel_attachments: bool = True,
    max_requests_per_second: float = DEFAULT_RATE_PER_S,
    download_workers: int = DOWNLOAD_WORKERS,
    file_planner: FilePlanner | None = None,
    request_timeout: float = 60.0,
    request_max_attempts: int = 8,
    request_backoff_factor: float = 0.5,
    request_max_retry_delay: float = 30.0,
) -> list[DltResource]:
    """Every Dispatch Pro raw table. With ``files_dir`` and a ``file_planner``: the planner collects the
    signature claims of the submissions and gets the file store, and ``files_resource`` stores the files
    into ``files_dir`` once the tables are loaded (``pipeline.run_extract`` does both).

    ``exports_folder``: the customer's Dispatch Pro export (``exports.py``); tables it lacks are not extracted
    (``exports.exports_status`` says which and why). ``max_requests_per_second`` paces every request (API
    limit: 60 per second per app and tenant; 0 = unpaced).

    ``arrow_tables`` (default on): pages go to dlt as Arrow tables (flat tables: ``ArrowPages``; tables with
    child tables: ``TreePages``); off, every page goes through dlt's row-by-row normalizer (same raw tables,
    slower; the contract test compares both).

    ``known_files`` maps ``"<kind>:<source_id>"`` to the sha256 already in the store (from an earlier load) so
    those files are not downloaded again.
    """
    tenant = str(tenant)
    session = make_session(
        request_timeout,
        request_max_attempts,
        request_backoff_factor,
        request_max_retry_delay,
        max_requests_per_second,
    )
    auth = ServiceTitanAuth(
        access_token_url=token_url, client_id=client_id, client_secret=client_secret, session=session
    )
    auth.resolve()
    headers = {"ST-App-Key": app_key}
    endpoints = list(ENDPOINTS)
    config: dict[str, Any] = {
        "client": {"base_url": base_url, "headers": headers, "auth": auth, "session": session},
        "resources": [endpoint_resource(e, tenant, initial_from, list_page_size) for e in endpoints]
        + [_job_attachments_resource(tenant, parallel_attachments)],
    }
    resources = {r.name: r for r in rest_api_resources(config)}
    for endpoint in endpoints:
        if endpoint.table in TREE_TABLES:
            pages = resources[endpoint.table + PAGES_SUFFIX]
            resources[endpoint.table] = tree_resource(pages, endpoint, arrow_tables)
    client = RESTClient(base_url=base_url, headers=headers, auth=auth, session=session)
    resources["job_history"] = job_history_resource(client, tenant, initial_from)
    resources["reports"] = reports_resource(client, tenant, resources["report_categories"], list_page_size)
    exports = exports_status(exports_folder)
    if exports.present:
        resources.update({r.name: r for r in dispatch_pro_exports(exports.folder, exports.present)})
    if files_dir and file_planner is not None:  # the files are stored after the tables (files_resource)
        file_planner.tenant = tenant
        file_planner.store = FileStore(client, Path(files_dir), dict(known_files or {}), download_workers)
        resources["form_submissions" + PAGES_SUFFIX].add_map(file_planner.see_submission)
    for name, resource in resources.items():
        if name in TEXT_VALUE_PATHS and not (arrow_tables and name in TREE_TABLES):  # those: TreePages
            resource.apply_hints(nested_hints=text_value_hints(TEXT_VALUE_PATHS[name]))
        if name in ARROW_TABLES and arrow_tables:
            resource.add_step(ArrowPages())
            resource.apply_hints(file_format=ARROW_FILE_FORMAT, columns=DLT_COLUMNS)
        elif name in TREE_TABLES and arrow_tables:
            resource.apply_hints(file_format=ARROW_FILE_FORMAT)
        else:
            resource.apply_hints(file_format=ROWS_FILE_FORMAT)
    return list(resources.values())
