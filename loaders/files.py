"""Files: ContentVersion by multipart streaming from the file store, published to the Case.

One multipart ``POST /sobjects/ContentVersion`` per file (``entity_content`` JSON + ``VersionData`` binary,
streamed with requests-toolbelt, up to 2 GB; base64 JSON would stop at 37.5 MB). ``FirstPublishLocationId`` is
the Case id the ledger holds. A file is never uploaded twice: before uploading, the org's ContentVersions are
read by ``Dispatch_Pro_Id__c``; one with the same ``Checksum`` (MD5) is ``unchanged``, one with other content
gets a new version of its ContentDocument. After an upload, ``VersionData`` is read back and its sha256
compared with the local file's. A lost response is followed by a look-up by external id, not a blind second
upload.

Files go a chunk at a time (``CHUNK`` rows, fewer with a smaller ``load_chunk_rows``): each file is uploaded
and read back on its own, then the chunk's links to their records are checked in two queries (its versions'
documents, their links: ContentDocumentLink is queried by a list of document ids, the filter it requires) and
its outcomes written to the ledger in one insert. A run that stops inside a chunk (the daily limit, an outage,
a kill) leaves its files that still await the link check unrecorded: the next run finds each in the org with
the same Checksum, checks its link and records it, so nothing is uploaded twice or counted loaded unlinked.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import requests
from requests_toolbelt import MultipartEncoder
from simple_salesforce.exceptions import SalesforceExpiredSession

from core.org_api import LimitStop, OrgClient, is_transient
from core.quoting import soql_literal
from loaders.bulk import query_to_csv, stream_rows
from loaders.kill import kill_point
from loaders.ledger import Ledger, Operation
from loaders.plan import EXTERNAL_ID, MART_SCHEMA
from loaders.reconcile_links import BATCH, missing_file_links

MAX_FILE_BYTES = 2 * 1024**3  # multipart ContentVersion limit
CHUNK = BATCH  # files per link check and ledger write: one SOQL id list
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
    def __init__(
        self,
        org: OrgClient,
        ledger: Ledger,
        run_id: str,
        files_dir: Path,
        work_dir: Path,
        chunk: int = CHUNK,
    ):
        self.org, self.ledger, self.run_id = org, ledger, run_id
        self.files_dir, self.work_dir = Path(files_dir), work_dir
        self.chunk = max(1, min(chunk, CHUNK))
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

    def run(self, con, select_sql: str, header: list[str], previously_loaded: set[str]) -> None:
        """Upload every unsettled row of ``select_sql`` (columns: header..., then the mart row as JSON), a
        chunk at a time: outcomes, then the chunk's link checks, then one ledger write."""
        org_files = self.existing()
        for number, rows in enumerate(self._chunks(con, select_sql, header), start=1):
            done: list[Operation] = []
            awaiting: dict[int, str] = {}  # index in done -> the record its document must be linked to
            try:
                for row in rows:
                    # the stop line holds for files: the rest stay pending for --resume
                    self.org.check_limits()
                    op, parent = self.one(row, org_files, previously_loaded)
                    if parent:
                        awaiting[len(done)] = parent
                    done.append(op)
                kill_point("files-uploaded", "ContentVersion", number)
                done = self._linked(done, awaiting)
            except BaseException:
                # stopped inside the chunk: what needs no link check is recorded; a file awaiting its check
                # stays unrecorded, and the next run finds it in the org by external id and checks it then
                self.ledger.record(self.run_id, [op for i, op in enumerate(done) if i not in awaiting])
                raise
            self.ledger.record(self.run_id, done)

    def _chunks(self, con, select_sql: str, header: list[str]) -> Iterator[list[dict]]:
        rows: list[dict] = []
        for values in stream_rows(con, select_sql, [], batch=self.chunk):
            rows.append(dict(zip([*header, "_hash"], values, strict=True)))
            if len(rows) == self.chunk:
                yield rows
                rows = []
        if rows:
            yield rows

    def _linked(self, done: list[Operation], awaiting: dict[int, str]) -> list[Operation]:
        """``done`` with every file whose document is not linked to its record turned ``failed``
        (``FILE_NOT_LINKED``): a file without its link is not loaded."""
        if not awaiting:
            return done
        problems = {
            p["key"]: p["problem"]
            for p in missing_file_links(
                self.org, {done[i].source_key: parent for i, parent in awaiting.items()}
            )
        }
        return [
            replace(op, action="failed", error_code="FILE_NOT_LINKED", error_message=problems[op.source_key])
            if i in awaiting and op.source_key in problems
            else op
            for i, op in enumerate(done)
        ]

    def one(
        self, row: dict, org_files: dict[str, dict], previously_loaded: set[str]
    ) -> tuple[Operation, str | None]:
        """The row's outcome, and the record its document must be linked to before the outcome stands (None:
        nothing to check): a file this run put in the org, or found there from a run that stopped before
        recording it."""
        key = row[EXTERNAL_ID]
        parent = row.get("FirstPublishLocationId")

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
            ), None
        md5, sha, size = source.digests()
        if size > MAX_FILE_BYTES:
            return op(
                "skipped",
                code="FILE_TOO_LARGE",
                message=f"{size:,} bytes: over the 2 GB ContentVersion limit",
            ), None
        expected = row.get("Source_Sha256__c")
        if expected and expected != sha:
            return op(
                "failed", code="CHECKSUM_MISMATCH", message=f"the stored file's sha256 {sha} != {expected}"
            ), None
        current = org_files.get(key)
        if current and current.get("Checksum") == md5:
            # in the org with this content: ours from an earlier run (unchanged), or from this run before it
            # stopped (created, once its link to the record is checked: a file without its link is not loaded)
            if key in previously_loaded:
                return op("unchanged", current["Id"]), None
            return op("created", current["Id"]), parent
        entity = {f: _json_value(row.get(f)) for f in row if not f.startswith("_") and row.get(f) is not None}
        entity.pop("FirstPublishLocationId", None)
        image = None
        if current:  # new content for an existing file: a new version of its document
            entity["ContentDocumentId"] = current["ContentDocumentId"]
            image = {"ContentVersionId": current["Id"], "Checksum": current.get("Checksum")}
        else:
            entity["FirstPublishLocationId"] = parent
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
            ), None
        self.uploaded += 1
        back = self.read_back_sha256(version_id)
        if back != sha:
            return op(
                "failed", version_id, "CHECKSUM_MISMATCH", f"read back sha256 {back} != sent {sha}"
            ), None
        if current:  # a new version of a document already linked
            return op("updated", version_id, image=image), None
        return op("created", version_id), parent


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
