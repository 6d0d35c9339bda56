"""Read playbooks and dashboards from a folder of JSON export files (a customer's Dispatch Pro export).

Accepted layouts: ``<folder>/<table>.json`` and/or ``<folder>/<table>/*.json``; each file holds a list of
records, a single record, or a page ``{"data": [...]}``. Every record needs an ``id``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson


class ExportFileError(ValueError):
    """An export file is unreadable or holds records without an id (the message names the file)."""


def export_files(folder: Path, table: str) -> list[Path]:
    folder = Path(folder)
    files = [folder / f"{table}.json"] if (folder / f"{table}.json").is_file() else []
    if (folder / table).is_dir():
        files += sorted((folder / table).glob("*.json"))
    return files


def read_export_records(folder: Path, table: str) -> Iterator[dict[str, Any]]:
    """Yield the records of ``table`` from every export file in ``folder``."""
    if not Path(folder).is_dir():
        raise ExportFileError(f"exports folder {folder} does not exist")
    for path in export_files(folder, table):
        try:
            body = orjson.loads(path.read_bytes())
        except orjson.JSONDecodeError as exc:
            raise ExportFileError(f"{path}: not valid JSON: {exc}") from None
        if isinstance(body, dict):
            body = body["data"] if isinstance(body.get("data"), list) else [body]
        if not isinstance(body, list):
            raise ExportFileError(f"{path}: expected a list of {table} records or {{'data': [...]}}")
        for index, record in enumerate(body):
            if not isinstance(record, dict) or "id" not in record:
                raise ExportFileError(f"{path}: record {index} of {table} is not an object with an id")
            yield record
