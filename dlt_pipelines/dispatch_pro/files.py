"""Content-addressed file store: attachments and signatures streamed to ``files_dir/sha[:2]/sha``.

Each download is hashed in chunks while it streams to a temporary file, then moved into place. A file whose
source id is already known with a sha whose blob exists on disk is not downloaded again.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dlt.sources.helpers.rest_client import RESTClient

CHUNK_SIZE = 1024 * 1024


@dataclass(frozen=True)
class FileRef:
    """One file to fetch: what it is, where it belongs, and how to download it."""

    kind: str  # attachment | signature
    source_id: str
    job_id: int | None
    file_name: str | None
    download_path: str


class FileDownloadError(RuntimeError):
    """A file could not be downloaded (the message names the file and the job)."""


def blob_path(files_dir: Path, sha256: str) -> Path:
    return files_dir / sha256[:2] / sha256


class FileStore:
    """Downloads ``FileRef``s into the store and yields one metadata row per file fetched."""

    def __init__(self, client: RESTClient, files_dir: Path, known: dict[str, str] | None = None) -> None:
        self.client = client
        self.files_dir = Path(files_dir)
        self.known = known or {}

    @staticmethod
    def key(kind: str, source_id: str) -> str:
        return f"{kind}:{source_id}"

    def is_current(self, ref: FileRef) -> bool:
        sha = self.known.get(self.key(ref.kind, ref.source_id))
        return bool(sha) and blob_path(self.files_dir, sha).exists()

    def fetch(self, ref: FileRef) -> dict[str, Any]:
        """Stream one file into the store and return its metadata row."""
        tmp_dir = self.files_dir / ".tmp"
        tmp_dir.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        fd, tmp_name = tempfile.mkstemp(dir=tmp_dir)
        try:
            with os.fdopen(fd, "wb") as out:
                response = self.client.get(ref.download_path, stream=True)
                if response.status_code >= 400:
                    raise FileDownloadError(
                        f"download of {ref.kind} {ref.source_id} (job {ref.job_id}) from {ref.download_path} "
                        f"failed with HTTP {response.status_code}"
                    )
                content_type = response.headers.get("Content-Type", "application/octet-stream")
                with response:
                    for chunk in response.iter_content(CHUNK_SIZE):
                        digest.update(chunk)
                        out.write(chunk)
                        size += len(chunk)
            sha = digest.hexdigest()
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
        }

    def fetch_all(self, refs: Iterator[FileRef]) -> Iterator[dict[str, Any]]:
        for ref in refs:
            if not self.is_current(ref):
                yield self.fetch(ref)
