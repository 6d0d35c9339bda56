"""Dispatch Pro (ServiceTitan v2 API) source: raw tables for the migration, built on dlt's ``rest_api``.

One resource per endpoint (see ``settings.ENDPOINTS``), merged on primary keys, incremental on ``modifiedOn``
for export endpoints; job history flattened to one row per event; attachment metadata over jobs; attachment
and signature bytes into a content-addressed store (``files``). One OAuth2 auth object signs every request.
Playbooks and dashboards come from the API or, with ``exports_folder``, from a folder of JSON export files.
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

from .arrow_pages import ArrowPages
from .auth import AuthError, ServiceTitanAuth
from .exports import ExportFileError, read_export_records
from .files import FileRef, FileStore
from .guards import MalformedPageError, PageGuard
from .paginators import ExportPaginator, list_paginator
from .settings import (
    ARROW_FILE_FORMAT,
    ARROW_TABLES,
    ATTACHMENT_DOWNLOAD_PATH,
    ATTACHMENT_PAGE_SIZE,
    DEFAULT_INITIAL_FROM,
    ENDPOINTS,
    EXPORT_FOLDER_TABLES,
    JOB_ATTACHMENTS_PATH,
    JOB_HISTORY_PATH,
    LIST_PAGE_SIZE,
    ROWS_FILE_FORMAT,
    TEXT_VALUE_PATHS,
    Endpoint,
)

__all__ = [
    "AuthError",
    "ExportFileError",
    "MalformedPageError",
    "ServiceTitanAuth",
    "dispatch_pro",
    "dispatch_pro_exports",
]


def _raise_for_status(response: Response, *args: Any, **kwargs: Any) -> None:
    response.raise_for_status()


def make_session(
    request_timeout: float,
    request_max_attempts: int,
    request_backoff_factor: float,
    request_max_retry_delay: float,
) -> Session:
    """A session with dlt's retry: 429 (honouring Retry-After), 5xx, connection errors, timeouts."""
    return Client(
        request_timeout=request_timeout,
        raise_for_status=False,
        request_max_attempts=request_max_attempts,
        request_backoff_factor=request_backoff_factor,
        request_max_retry_delay=request_max_retry_delay,
        respect_retry_after_header=True,
    ).session


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
    return {
        "name": endpoint.table,
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
            "response_actions": [PageGuard("/" + path.replace("{resources.jobs.id}", "{jobId}"))],
        },
        "processing_steps": [{"map": _attachment_row}],
    }


def _attachment_row(row: dict[str, Any]) -> dict[str, Any]:
    """Name the parent job explicitly (rest_api adds it as ``_jobs_id``)."""
    job_id = row.pop("_jobs_id", None)
    row.setdefault("jobId", job_id)
    return row


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


def _attachment_refs(rows: list[dict[str, Any]], tenant: str) -> Iterator[FileRef]:
    for row in rows:
        source_id = str(row["id"])
        yield FileRef(
            kind="attachment",
            source_id=source_id,
            job_id=row.get("jobId"),
            file_name=row.get("fileName") or row.get("name"),
            download_path=ATTACHMENT_DOWNLOAD_PATH.format(tenant=tenant, id=source_id),
        )


def _walk_units(units: list[Any] | None) -> Iterator[dict[str, Any]]:
    for unit in units or []:
        if isinstance(unit, dict):
            yield unit
            yield from _walk_units(unit.get("units"))


def _signature_file_id(attachment: dict[str, Any]) -> str | None:
    """A signature image's downloadable id: ``id`` if given, else the stem of ``fileName`` (``123.png``)."""
    if attachment.get("id") is not None:
        return str(attachment["id"])
    name = attachment.get("fileName")
    return Path(name).stem if name else None


def signature_refs(submission: dict[str, Any], tenant: str) -> Iterator[FileRef]:
    """Signature images referenced by a form submission's signature units (an attachment id each)."""
    owners = submission.get("owners") or []
    job_id = next((o.get("id") for o in owners if o.get("type") == "Job"), None)
    for unit in _walk_units(submission.get("units")):
        if str(unit.get("type", "")).lower() != "signature":
            continue
        for attachment in unit.get("attachments") or []:
            source_id = _signature_file_id(attachment)
            if source_id is None:
                raise ValueError(
                    f"form submission {submission.get('id')}: signature unit {unit.get('id')!r} has an "
                    f"attachment without an id or file name: {attachment!r}"
                )
            yield FileRef(
                kind="signature",
                source_id=str(source_id),
                job_id=job_id,
                file_name=attachment.get("originalFileName") or attachment.get("fileName"),
                download_path=ATTACHMENT_DOWNLOAD_PATH.format(tenant=tenant, id=source_id),
            )


def file_resources(
    store: FileStore, tenant: str, attachments: DltResource, submissions: DltResource
) -> list[DltResource]:
    """Two transformers landing in one ``files`` table: attachment bytes and signature images."""
    hints: dict[str, Any] = {
        "table_name": "files",
        "primary_key": ("kind", "source_id"),
        "write_disposition": "merge",
    }

    @dlt.transformer(name="attachment_files", data_from=attachments, **hints)
    def attachment_files(rows: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        yield from store.fetch_all(_attachment_refs(rows, tenant))

    @dlt.transformer(name="signature_files", data_from=submissions, **hints)
    def signature_files(rows: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for submission in rows:
            yield from store.fetch_all(signature_refs(submission, tenant))

    return [attachment_files, signature_files]


def dispatch_pro_exports(
    folder: str | Path, tables: tuple[str, ...] = EXPORT_FOLDER_TABLES
) -> list[DltResource]:
    """Playbooks and dashboards read from a folder of JSON export files instead of the API."""
    return [
        dlt.resource(
            read_export_records(Path(folder), table),
            name=table,
            primary_key="id",
            write_disposition="replace",
        )
        for table in tables
    ]


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
    initial_from: str = DEFAULT_INITIAL_FROM,
    list_page_size: int = LIST_PAGE_SIZE,
    parallel_attachments: bool = True,
    request_timeout: float = 60.0,
    request_max_attempts: int = 8,
    request_backoff_factor: float = 0.5,
    request_max_retry_delay: float = 30.0,
) -> list[DltResource]:
    """Every Dispatch Pro raw table. ``files_dir`` set: also download attachments and signatures there.

    ``known_files`` maps ``"<kind>:<source_id>"`` to the sha256 already in the store (from an earlier load) so
    those files are not downloaded again.
    """
    tenant = str(tenant)
    session = make_session(
        request_timeout, request_max_attempts, request_backoff_factor, request_max_retry_delay
    )
    auth = ServiceTitanAuth(
        access_token_url=token_url, client_id=client_id, client_secret=client_secret, session=session
    )
    auth.resolve()
    headers = {"ST-App-Key": app_key}
    endpoints = [e for e in ENDPOINTS if not (exports_folder and e.table in EXPORT_FOLDER_TABLES)]
    config: dict[str, Any] = {
        "client": {"base_url": base_url, "headers": headers, "auth": auth, "session": session},
        "resources": [endpoint_resource(e, tenant, initial_from, list_page_size) for e in endpoints]
        + [_job_attachments_resource(tenant, parallel_attachments)],
    }
    resources = {r.name: r for r in rest_api_resources(config)}
    client = RESTClient(base_url=base_url, headers=headers, auth=auth, session=session)
    resources["job_history"] = job_history_resource(client, tenant, initial_from)
    if exports_folder:
        resources.update({r.name: r for r in dispatch_pro_exports(exports_folder)})
    if files_dir:
        store = FileStore(client, Path(files_dir), dict(known_files or {}))
        for r in file_resources(store, tenant, resources["job_attachments"], resources["form_submissions"]):
            resources[r.name] = r
    for name, resource in resources.items():
        if name in TEXT_VALUE_PATHS:
            resource.apply_hints(nested_hints=text_value_hints(TEXT_VALUE_PATHS[name]))
        if name in ARROW_TABLES:
            resource.add_step(ArrowPages())
            resource.apply_hints(file_format=ARROW_FILE_FORMAT)
        else:
            resource.apply_hints(file_format=ROWS_FILE_FORMAT)
    return list(resources.values())
