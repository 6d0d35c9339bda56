"""The customer's Dispatch Pro export folder: what ServiceTitan's public API does not serve.

Dispatch Pro keeps playbooks, dashboards (with their report definitions) and per-job dispatch metadata (SLA
windows, optimizer settings) outside the published v2 API, so the source never calls a path for them; it reads
them from a folder the customer hands over (``DP2SF_EXPORTS_DIR`` or ``sources.dispatch_pro.exports_folder``).

Accepted layouts per table (``settings.EXPORT_FOLDER_TABLES``): ``<folder>/<table>.json``,
``<folder>/<table>.jsonl`` (one record a line) and/or ``<folder>/<table>/*.json[l]``. A ``.json`` file holds
a list of records, one record, or a page ``{"data": [...]}``. Every record needs its primary key.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from core.errors import Dp2sfError

from .settings import EXPORT_FOLDER_CONTENT, EXPORT_FOLDER_TABLES

BATCH = 1000  # records per item handed to dlt (the flat tables become Arrow tables per item)


class ExportFileError(Dp2sfError, ValueError):
    """An export file is unreadable or holds records without their key (the message names the file)."""


@dataclass
class ExportsStatus:
    """Which export-folder tables this run can read, and why the others will not migrate."""

    folder: Path | None
    present: list[str] = field(default_factory=list)
    missing: dict[str, str] = field(default_factory=dict)  # table -> reason

    def warning(self) -> str | None:
        """One readable warning naming what will not migrate, or None when everything is there."""
        if not self.missing:
            return None
        what = "; ".join(f"{t}: {EXPORT_FOLDER_CONTENT[t]}" for t in self.missing)
        where = (
            f"the exports folder {self.folder} has no file for them"
            if self.folder
            else "no exports folder is set (DP2SF_EXPORTS_DIR or sources.dispatch_pro.exports_folder)"
        )
        return (
            f"Dispatch Pro data outside ServiceTitan's public API will NOT migrate ({where}): {what}. "
            "Appointments still carry their arrival windows from the API."
        )


def export_files(folder: Path, table: str) -> list[Path]:
    """The files holding ``table`` in ``folder`` (sorted; empty when there are none)."""
    folder = Path(folder)
    files = [folder / f"{table}{ext}" for ext in (".json", ".jsonl") if (folder / f"{table}{ext}").is_file()]
    if (folder / table).is_dir():
        files += sorted(p for p in (folder / table).iterdir() if p.suffix in (".json", ".jsonl"))
    return files


def exports_status(folder: str | Path | None) -> ExportsStatus:
    """What the folder provides; a missing folder or file is a reason, never an exception."""
    if not folder:
        return ExportsStatus(None, missing={t: "no exports folder configured" for t in EXPORT_FOLDER_TABLES})
    path = Path(folder)
    status = ExportsStatus(path)
    for table in EXPORT_FOLDER_TABLES:
        if not path.is_dir():
            status.missing[table] = f"exports folder {path} does not exist"
        elif export_files(path, table):
            status.present.append(table)
        else:
            status.missing[table] = f"no {table}.json, {table}.jsonl or {table}/ in {path}"
    return status


def _records_of(path: Path, table: str) -> Iterator[Any]:
    if path.suffix == ".jsonl":
        with path.open("rb") as handle:
            for number, line in enumerate(handle, start=1):
                if line.strip():
                    try:
                        yield orjson.loads(line)
                    except orjson.JSONDecodeError as exc:
                        raise ExportFileError(f"{path}: line {number} is not valid JSON: {exc}") from None
        return
    try:
        body = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise ExportFileError(f"{path}: not valid JSON: {exc}") from None
    if isinstance(body, dict):
        body = body["data"] if isinstance(body.get("data"), list) else [body]
    if not isinstance(body, list):
        raise ExportFileError(f"{path}: expected a list of {table} records or {{'data': [...]}}")
    yield from body


def read_export_records(folder: Path, table: str) -> Iterator[dict[str, Any]]:
    """Yield the records of ``table`` from every export file in ``folder``."""
    if not Path(folder).is_dir():
        raise ExportFileError(f"exports folder {folder} does not exist")
    key = EXPORT_FOLDER_TABLES.get(table, "id")
    keys = (key,) if isinstance(key, str) else key
    for path in export_files(folder, table):
        for index, record in enumerate(_records_of(path, table)):
            if not isinstance(record, dict) or any(k not in record for k in keys):
                raise ExportFileError(
                    f"{path}: record {index} of {table} is not an object with {' and '.join(keys)}"
                )
            yield record


def read_export_batches(folder: Path, table: str, size: int = BATCH) -> Iterator[list[dict[str, Any]]]:
    """``read_export_records`` in lists of ``size`` (one dlt item each)."""
    batch: list[dict[str, Any]] = []
    for record in read_export_records(folder, table):
        batch.append(record)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
