"""Files: ContentVersion by multipart streaming from the file store, published to the Case.

One multipart ``POST /sobjects/ContentVersion`` per file (``entity_content`` JSON + ``VersionData`` binary,
streamed with requests-toolbelt, up to 2 GB; base64 JSON would stop at 37.5 MB). ``FirstPublishLocationId`` is
the Case id the ledger holds. A file is never uploaded twice: before uploading, the org's ContentVersions are
read by ``Dispatch_Pro_Id__c``; one with the same ``Checksum`` (MD5) is ``unchanged``, one with other content
gets a new version of its ContentDocument. After an upload, ``VersionData`` is read back and its sha256
compared with the local file's. A lost response is followed by a look-up by external id, not a blind second
upload.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
from collections.abc import Iterator
from pathlib import Path

import requests
from requests_toolbelt import MultipartEncoder
from simple_salesforce.exceptions import SalesforceExpiredSession

from core.org_api import LimitStop, OrgClient, is_transient
from core.quoting import soql_literal
from loaders.bulk import query_to_csv, stream_rows
from loaders.ledger import Ledger, Operation
from loaders.plan import EXTERNAL_ID, MART_SCHEMA

MAX_FILE_BYTES = 2 * 1024**3  # multipart ContentVersion limit
ENTITY_FIELDS = ("Title", "PathOnClient", EXTERNAL_ID)


class FileSource:
    """The bytes of one mart row: a file in the store, inline base64, or note text."""

    def __init__(self, files_dir: Path, row: dict):
        self.row = row
        self.path = files_dir / row["_local_path"] if row.get("_local_path") else None
        self.inline: bytes | None = None
        if self.path is None:
            if row.get("_content_base64"):
                self.inline = base64.b64decode(row["_content_base64"])
            elif row.get("_content_text") is not None:
                self.inline = str(row["_content_text"]).encode("utf-8")

    def exists(self) -> bool:
        return self.inline is not None or (self.path is not None and self.path.is_file())

    def open(self):
        return io.BytesIO(self.inline) if self.inline is not None else open(self.path, "rb")  # noqa: SIM115

    def digests(self) -> tuple[str, str, int]:
        md5, sha, size = hashlib.md5(), hashlib.sha256(), 0
        with self.open() as fh:
            while chunk := fh.read(1024 * 1024):
                md5.update(chunk)
                sha.update(chunk)
                size += len(chunk)
        return md5.hexdigest(), sha.hexdigest(), size


def source_seconds(source: FileSource) -> float:
    """A read timeout long enough for a large upload (the org answers once it has every byte): 1 MB/s."""
    size = len(source.inline) if source.inline is not None else source.path.stat().st_size
    return size / 1_000_000


def _json_value(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


class FileUploader:
    def __init__(self, org: OrgClient, ledger: Ledger, run_id: str, files_dir: Path, work_dir: Path):
        self.org, self.ledger, self.run_id = org, ledger, run_id
        self.files_dir, self.work_dir = Path(files_dir), work_dir
        self.uploaded = 0

    def existing(self) -> dict[str, dict]:
        """The org's latest ContentVersion per external id: Id, Checksum, ContentDocumentId."""
        soql = (
            f"SELECT Id, {EXTERNAL_ID}, Checksum, ContentDocumentId FROM ContentVersion "
            f"WHERE {EXTERNAL_ID} != null AND IsLatest = true"
        )
        import csv

        out = {}
        for path in query_to_csv(self.org, soql, self.work_dir / "files-org"):
            with open(path, encoding="utf-8", newline="") as fh:
                for rec in csv.DictReader(fh):
                    out[rec[EXTERNAL_ID]] = rec
            path.unlink(missing_ok=True)
        return out

    def _post(self, entity: dict, source: FileSource, filename: str, content_type: str) -> str:
        with source.open() as fh:
            encoder = MultipartEncoder(
                fields={
                    "entity_content": ("", json.dumps(entity), "application/json"),
                    "VersionData": (filename, fh, content_type or "application/octet-stream"),
                }
            )
            headers = {
                "Authorization": self.org.sf.headers["Authorization"],
                "Content-Type": encoder.content_type,
            }
            response = self.org.sf.session.post(
                self.org.url("sobjects/ContentVersion/"),
                data=encoder,
                headers=headers,
                timeout=(10.0, max(self.org.timeout, source_seconds(source))),
            )
        if response.status_code >= 300:
            from simple_salesforce.util import exception_handler

            exception_handler(response, "ContentVersion")
        return response.json()["id"]

    def upload(self, entity: dict, source: FileSource, filename: str, content_type: str, md5: str) -> str:
        """One upload; after a transient failure, look the file up by external id before trying again."""
        key = entity[EXTERNAL_ID]
        for attempt in range(self.org.attempts):
            try:
                return self._post(entity, source, filename, content_type)
            except Exception as exc:
                # a multipart body cannot be replayed by the session renewal (core.renewal): after a
                # renewal the 401 arrives here and the upload goes again with the new token
                renewed = isinstance(exc, SalesforceExpiredSession) and self.org.renewals > 0
                if not (is_transient(exc) or renewed) or attempt == self.org.attempts - 1:
                    raise
                found = next(
                    self.org.query_iter(
                        f"SELECT Id, Checksum FROM ContentVersion WHERE {EXTERNAL_ID} = {soql_literal(key)} "
                        "AND IsLatest = true"
                    ),
                    None,
                )
                if found and found.get("Checksum") == md5:
                    return found["Id"]
        raise AssertionError("unreachable")

    def read_back_sha256(self, version_id: str) -> str:
        sha = hashlib.sha256()

        def get() -> requests.Response:
            response = self.org.sf.session.get(
                self.org.url(f"sobjects/ContentVersion/{version_id}/VersionData"),
                headers={"Authorization": self.org.sf.headers["Authorization"]},
                stream=True,
            )
            response.raise_for_status()  # a 5xx raises inside the retried call: one 503 is retried
            return response

        response = self.org.call(get)
        for chunk in response.iter_content(1024 * 1024):
            sha.update(chunk)
        return sha.hexdigest()

    def link_missing(self, document_id: str | None, record_id: str | None) -> str | None:
        """Why the document is not linked to the record (None when it is, or when no record is named)."""
        if not record_id:
            return None
        if not document_id:
            return "the org has no ContentDocument for this version"
        found = next(
            self.org.query_iter(
                f"SELECT Id FROM ContentDocumentLink WHERE ContentDocumentId = {soql_literal(document_id)} "
                f"AND LinkedEntityId = {soql_literal(record_id)}"
            ),
            None,
        )
        return None if found else f"ContentDocument {document_id} has no link to {record_id}"

    def run(self, con, select_sql: str, header: list[str], previously_loaded: set[str]) -> None:
        """Upload every unsettled row of ``select_sql`` (columns: header..., then the mart row as JSON)."""
        org_files = self.existing()
        for row in self._rows(con, select_sql, header):
            self.org.check_limits()  # the stop line holds for files: the rest stay pending for --resume
            self.ledger.record(self.run_id, [self.one(row, org_files, previously_loaded)])

    def _rows(self, con, select_sql: str, header: list[str]) -> Iterator[dict]:
        for values in stream_rows(con, select_sql, [], batch=200):
            yield dict(zip([*header, "_hash"], values, strict=True))

    def one(self, row: dict, org_files: dict[str, dict], previously_loaded: set[str]) -> Operation:
        key = row[EXTERNAL_ID]

        def op(action: str, sf_id=None, code=None, message=None, image=None) -> Operation:
            return Operation(
                "ContentVersion",
                key,
                action,
                sf_id,
                row["_hash"],
                image,
                error_code=code,
                error_message=message,
            )

        source = FileSource(self.files_dir, row)
        if not source.exists():
            return op(
                "failed", code="FILE_NOT_FOUND", message=f"no content for {key} ({row.get('_local_path')})"
            )
        md5, sha, size = source.digests()
        if size > MAX_FILE_BYTES:
            return op(
                "skipped",
                code="FILE_TOO_LARGE",
                message=f"{size:,} bytes: over the 2 GB ContentVersion limit",
            )
        expected = row.get("Source_Sha256__c")
        if expected and expected != sha:
            return op(
                "failed", code="CHECKSUM_MISMATCH", message=f"the stored file's sha256 {sha} != {expected}"
            )
        current = org_files.get(key)
        if current and current.get("Checksum") == md5:
            # in the org with this content: ours from an earlier run, or from this run before a crash (whose
            # link to the record is checked: a file without its link is not loaded)
            if key not in previously_loaded:
                missing = self.link_missing(current["ContentDocumentId"], row.get("FirstPublishLocationId"))
                if missing:
                    return op("failed", current["Id"], "FILE_NOT_LINKED", missing)
            action = "unchanged" if key in previously_loaded else "created"
            return op(action, current["Id"])
        entity = {f: _json_value(row.get(f)) for f in row if not f.startswith("_") and row.get(f) is not None}
        entity.pop("FirstPublishLocationId", None)
        image = None
        if current:  # new content for an existing file: a new version of its document
            entity["ContentDocumentId"] = current["ContentDocumentId"]
            image = {"ContentVersionId": current["Id"], "Checksum": current.get("Checksum")}
        else:
            entity["FirstPublishLocationId"] = row["FirstPublishLocationId"]
        try:
            version_id = self.upload(
                entity, source, row.get("PathOnClient") or key, row.get("_content_type"), md5
            )
        except Exception as exc:  # noqa: BLE001 - the org's refusal is the row's outcome
            if isinstance(exc, LimitStop) or is_transient(exc):
                raise  # not a data error: the file stays unrecorded, so `--resume` sends it
            content = getattr(exc, "content", None)
            first = content[0] if isinstance(content, list) and content else {}
            return op(
                "failed",
                code=first.get("errorCode", type(exc).__name__),
                message=first.get("message", str(exc)),
            )
        self.uploaded += 1
        back = self.read_back_sha256(version_id)
        if back != sha:
            return op("failed", version_id, "CHECKSUM_MISMATCH", f"read back sha256 {back} != sent {sha}")
        if not current:
            doc = next(
                self.org.query_iter(
                    f"SELECT ContentDocumentId FROM ContentVersion WHERE Id = {soql_literal(version_id)}"
                ),
                {},
            ).get("ContentDocumentId")
            missing = self.link_missing(doc, row.get("FirstPublishLocationId"))
            if missing:
                return op("failed", version_id, "FILE_NOT_LINKED", missing)
        return op("updated" if current else "created", version_id, image=image)


def file_select(
    obj: str, shape_header: list[str], shape_exprs: list[str], joins: list[str], done_sql: str
) -> str:
    """The rows to upload: the Salesforce columns, the helper columns, the content hash."""
    helpers = ["_local_path", "_content_base64", "_content_text", "_content_type"]
    exprs = [*shape_exprs, *(f"m.{h}" for h in helpers), "md5(to_json(m))"]
    return (
        f'select {", ".join(exprs)} from {MART_SCHEMA}."{obj}" as m {" ".join(joins)} '
        f'where m."{EXTERNAL_ID}" not in ({done_sql}) order by m."{EXTERNAL_ID}"'
    ), [*shape_header, *helpers]
