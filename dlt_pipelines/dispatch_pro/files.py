"""Content-addressed file store: attachments and signatures streamed to ``files_dir/sha[:2]/sha``.

Each download is hashed in chunks while it streams to a temporary file, then moved into place. A file whose
source id is already known with a sha whose blob exists on disk is not downloaded again. Downloads run
concurrently (``workers`` threads; the session's pacer keeps them under the API's rate limit). A file that
cannot be fetched (no downloadable id, HTTP error after retries, a connection dropped mid-body, fewer or more
bytes than the response's ``Content-Length`` or the listing's ``size``) becomes a ``file_errors`` row naming
the file and the reason, never a short or empty file, and the extract goes on; the next run tries it again.
A signature image the customer exported (``local_source``) is copied from the export folder the same way.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
from dlt.sources.helpers.rest_client import RESTClient

from core.errors import Dp2sfError

from .pacing import ACTIVITY

CHUNK_SIZE = 1024 * 1024
DOWNLOAD_WORKERS = 8
DOWNLOAD_TIMEOUT_S = 60.0  # connect and per-read timeout of a download (RESTClient.send sets none)
ERRORS_TABLE = "file_errors"


@dataclass(frozen=True)
class FileRef:
    """One file to fetch: what it is, where it belongs, and how to download it."""

    kind: str  # attachment | signature
    source_id: str
    job_id: int | None
    file_name: str | None
    download_path: str | None  # None: the record gives nothing to download it by (see ``problem``)
    problem: str | None = None
    expected_size: int | None = None  # the listing's ``size``: a download of any other length is an error
    local_source: str | None = None  # a file in the customer's export folder (instead of a download)
    extra: tuple[tuple[str, Any], ...] = ()  # more columns of the row (a signature: submission and unit)

    def describe(self) -> str:
        return f"{self.kind} {self.source_id} (job {self.job_id})"


class FileDownloadError(Dp2sfError):
    """A file could not be downloaded (the message names the file and the job)."""


def blob_path(files_dir: Path, sha256: str) -> Path:
    return files_dir / sha256[:2] / sha256


class FileStore:
    """Downloads ``FileRef``s into the store and yields one metadata row per file fetched."""

    def __init__(
        self,
        client: RESTClient,
        files_dir: Path,
        known: dict[str, str] | None = None,
        workers: int = DOWNLOAD_WORKERS,
    ) -> None:
        self.client = client
        self.files_dir = Path(files_dir)
        self.known = known or {}
        self.workers = max(1, workers)
        self._sweep_partial_downloads()

    def _sweep_partial_downloads(self) -> None:
        """Downloads an earlier extract left half-written (killed mid-file: ``.tmp/``) go; one extract writes
        the store at a time (it also holds the DuckDB), so nothing in ``.tmp/`` is anyone's live download."""
        tmp_dir = self.files_dir / ".tmp"
        if tmp_dir.is_dir():
            for leftover in tmp_dir.iterdir():
                if leftover.is_file():
                    leftover.unlink(missing_ok=True)

    @staticmethod
    def key(kind: str, source_id: str) -> str:
        return f"{kind}:{source_id}"

    def is_current(self, ref: FileRef) -> bool:
        sha = self.known.get(self.key(ref.kind, ref.source_id))
        return bool(sha) and blob_path(self.files_dir, sha).exists()

    def fetch(self, ref: FileRef) -> dict[str, Any]:
        """Stream one file into the store and return its metadata row (FileDownloadError if it cannot)."""
        if ref.download_path is None and ref.local_source is None:
            raise FileDownloadError(ref.problem or f"{ref.kind} {ref.source_id} has no download path")
        tmp_dir = self.files_dir / ".tmp"
        tmp_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=tmp_dir)
        try:
            with os.fdopen(fd, "wb") as out:
                if ref.local_source is not None:
                    sha, size, content_type = self._copy(ref, out)
                else:
                    sha, size, content_type = self._download(ref, out)
            final = blob_path(self.files_dir, sha)
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp_name, final)
        finally:
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)
        self.known[self.key(ref.kind, ref.source_id)] = sha
        return {
            "kind": ref.kind,
            "source_id": ref.source_id,
            "job_id": ref.job_id,
            "file_name": ref.file_name,
            "size": size,
            "sha256": sha,
            "content_type": content_type.split(";")[0].strip(),
            "path": str(final.relative_to(self.files_dir)),
            **dict(ref.extra),
        }

    def _download(self, ref: FileRef, out: Any) -> tuple[str, int, str]:
        """(sha256, size, content type) of the body streamed into ``out``; FileDownloadError unless whole."""
        digest, size = hashlib.sha256(), 0
        where = f"download of {ref.describe()} from {ref.download_path}"
        try:
            response = self.client.get(ref.download_path, stream=True, timeout=DOWNLOAD_TIMEOUT_S)
        except requests.RequestException as exc:
            raise FileDownloadError(f"{where} failed: {type(exc).__name__}") from None
        with response:
            if response.status_code >= 400:
                raise FileDownloadError(f"{where} failed with HTTP {response.status_code}")
            content_type = response.headers.get("Content-Type", "application/octet-stream")
            declared = _declared_length(response)
            try:
                for chunk in response.iter_content(CHUNK_SIZE):
                    digest.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
            except requests.RequestException as exc:  # connection dropped, body cut short, read timeout
                raise FileDownloadError(
                    f"{where} was cut short after {size} bytes ({type(exc).__name__})"
                ) from None
        if declared is not None and size != declared:
            raise FileDownloadError(f"{where} was cut short: {size} of {declared} bytes (Content-Length)")
        if ref.expected_size is not None and size != ref.expected_size:
            raise FileDownloadError(
                f"{where} gave {size} bytes where the attachment listing says {ref.expected_size}"
            )
        return digest.hexdigest(), size, content_type

    @staticmethod
    def _copy(ref: FileRef, out: Any) -> tuple[str, int, str]:
        """(sha256, size, content type) of a file copied from the customer's export folder into ``out``."""
        digest, size = hashlib.sha256(), 0
        try:
            with open(ref.local_source, "rb") as source:  # type: ignore[arg-type]
                while chunk := source.read(CHUNK_SIZE):
                    digest.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
        except OSError as exc:
            message = f"{ref.describe()}: cannot read {ref.local_source}: {exc.strerror}"
            raise FileDownloadError(message) from None
        is_png = str(ref.local_source).lower().endswith(".png")
        content_type = "image/png" if is_png else "application/octet-stream"
        return digest.hexdigest(), size, content_type

    def fetch_or_error(self, ref: FileRef) -> dict[str, Any]:
        """The file's metadata row, or (marked for ``file_errors``) a row saying why it was not fetched."""
        try:
            row = self.fetch(ref)
        except FileDownloadError as exc:
            ACTIVITY.files_failed += 1
            return error_row(ref, str(exc))
        ACTIVITY.files_stored += 1
        return row

    def fetch_all(self, refs: Iterable[FileRef]) -> Iterator[dict[str, Any]]:
        """Rows for every ref not already stored: files and error rows (``row["_error"]`` set), in order."""
        todo = [ref for ref in refs if not self.is_current(ref)]
        if self.workers == 1 or len(todo) < 2:
            yield from map(self.fetch_or_error, todo)
            return
        with ThreadPoolExecutor(self.workers, thread_name_prefix="dp2sf-files") as pool:
            yield from pool.map(self.fetch_or_error, todo)


def _declared_length(response: requests.Response) -> int | None:
    """The body length the server declared, when it is the length of the bytes as stored (no encoding)."""
    if response.headers.get("Content-Encoding", "identity").lower() not in ("", "identity"):
        return None
    try:
        return int(response.headers["Content-Length"])
    except (KeyError, ValueError):
        return None


def error_row(ref: FileRef, message: str) -> dict[str, Any]:
    """A ``file_errors`` row: which file, where it belongs, and why it is not in the store."""
    return {
        "_error": True,
        "kind": ref.kind,
        "source_id": ref.source_id,
        "job_id": ref.job_id,
        "file_name": ref.file_name,
        "download_path": ref.download_path or ref.local_source,
        "error": message,
        "failed_at": datetime.now(UTC).isoformat(),
    }
