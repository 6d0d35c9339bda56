"""Files: ContentVersion by multipart (up to 2 GB, streamed to disk) or base64 JSON (≤ 37.5 MB encoded),
ContentDocument and ContentDocumentLink created by the org, VersionData streamed back."""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any

import orjson
from fastapi import Request
from fastapi.responses import FileResponse
from starlette.concurrency import run_in_threadpool

from sandbox.salesforce import file_tx
from sandbox.salesforce.errors import RecordError, SFError, not_found
from sandbox.salesforce.writer import PlanError

MAX_BASE64_JSON = int(37.5 * 1024 * 1024)
MAX_MULTIPART = 2 * 1024**3
FILE_TYPES = {
    "pdf": "PDF",
    "png": "PNG",
    "jpg": "JPG",
    "jpeg": "JPG",
    "gif": "GIF",
    "txt": "TEXT",
    "csv": "CSV",
    "doc": "WORD",
    "docx": "WORD_X",
    "xls": "EXCEL",
    "xlsx": "EXCEL_X",
    "ppt": "POWER_POINT",
    "pptx": "POWER_POINT_X",
    "html": "HTML",
    "htm": "HTML",
    "xml": "XML",
    "zip": "ZIP",
    "json": "JSON",
    "mp4": "MP4",
    "heic": "HEIC",
}
ORG_SET = ("ContentSize", "Checksum", "FileType", "FileExtension", "IsLatest", "VersionNumber")


async def create_from_request(org: Any, request: Request) -> str:
    """POST /sobjects/ContentVersion: multipart (entity_content + VersionData) or JSON with base64."""
    ctype = request.headers.get("content-type", "")
    tmp = tempfile.NamedTemporaryFile(dir=org.files_dir, prefix=".upload-", delete=False)  # noqa: SIM115
    try:
        md5, size = hashlib.md5(), 0
        if ctype.startswith("multipart/"):
            form = await request.form(max_files=2, max_fields=10, max_part_size=10 * 1024 * 1024)
            entity = form.get("entity_content") or form.get("entity_document")
            blob = form.get("VersionData")
            if entity is None or blob is None or isinstance(blob, str):
                raise SFError(
                    400,
                    "INVALID_MULTIPART_REQUEST",
                    "a multipart ContentVersion needs an 'entity_content' JSON part and a 'VersionData' "
                    "binary part",
                )
            raw = await entity.read() if hasattr(entity, "read") else str(entity).encode()
            fields = _parse_entity(raw)
            while chunk := await blob.read(1024 * 1024):
                size += len(chunk)
                if size > MAX_MULTIPART:
                    raise SFError(400, "STORAGE_LIMIT_EXCEEDED", "file larger than 2 GB")
                md5.update(chunk)
                tmp.write(chunk)
        else:
            raw = await request.body()
            fields = _parse_entity(raw)
            encoded = fields.pop("VersionData", None)
            if encoded is None:
                raise SFError(
                    400,
                    "REQUIRED_FIELD_MISSING",
                    "Required fields are missing: [VersionData]",
                    ["VersionData"],
                )
            if len(encoded) > MAX_BASE64_JSON:
                raise SFError(
                    400,
                    "STRING_TOO_LONG",
                    "VersionData: data value too large: the base64 body exceeds 37.5 MB; send the file "
                    "as a multipart request (max length=39321600)",
                    ["VersionData"],
                )
            try:
                data = base64.b64decode(encoded, validate=True)
            except (binascii.Error, ValueError):
                raise SFError(
                    400,
                    "INVALID_TYPE_ON_FIELD_IN_RECORD",
                    "VersionData: value not of required type: not base64",
                    ["VersionData"],
                ) from None
            size = len(data)
            md5.update(data)
            tmp.write(data)
        tmp.close()
        return await run_in_threadpool(store_version, org, fields, Path(tmp.name), size, md5.hexdigest())
    finally:
        tmp.close()
        if os.path.exists(tmp.name):
            os.unlink(tmp.name)


def _parse_entity(raw: bytes) -> dict:
    try:
        fields = orjson.loads(raw) if raw else {}
    except orjson.JSONDecodeError as exc:
        raise SFError(400, "JSON_PARSER_ERROR", f"entity_content is not valid JSON: {exc}") from None
    if not isinstance(fields, dict):
        raise SFError(400, "JSON_PARSER_ERROR", "entity_content must be a JSON object")
    return {k: v for k, v in fields.items() if k != "attributes"}


def store_version(org: Any, fields: dict, data_path: Path, size: int, checksum: str) -> str:
    """Insert the ContentVersion (and its ContentDocument / ContentDocumentLink); keep the bytes on disk."""
    path_on_client = str(fields.get("PathOnClient") or "")
    ext = path_on_client.rsplit(".", 1)[-1].lower() if "." in path_on_client else ""
    org_values = {
        "ContentSize": size,
        "Checksum": checksum,
        "FileType": FILE_TYPES.get(ext, "UNKNOWN"),
        "FileExtension": ext or None,
        "IsLatest": 1,
        "VersionNumber": "1",
    }
    with org.write_lock:
        doc_id = fields.get("ContentDocumentId")
        new_doc = doc_id is None
        if new_doc:
            title = fields.get("Title") or path_on_client or "Untitled"
            doc = org.writer("ContentDocument").insert(
                [{}],
                extra=[
                    {
                        "Title": title,
                        "ContentSize": size,
                        "FileType": org_values["FileType"],
                        "FileExtension": org_values["FileExtension"],
                    }
                ],
            )[0]
            if doc.error:
                raise SFError.from_record(doc.error)
            doc_id = doc.id
        else:
            previous = org.store.execute(
                "SELECT COUNT(*) FROM ContentVersion WHERE ContentDocumentId = ? AND IsDeleted = 0",
                (org.normalize_record_id(doc_id) or "",),
            )[0][0]
            org_values["VersionNumber"] = str(previous + 1)
        body = {k: v for k, v in fields.items() if k not in ("ContentDocumentId",)}
        body.setdefault("Title", path_on_client.rsplit("/", 1)[-1] or "Untitled")
        writer = org.writer("ContentVersion")
        try:
            res = writer.insert([body], extra=[{**org_values, "ContentDocumentId": _doc_ref(org, doc_id)}])[0]
        except PlanError as exc:
            file_tx.discard(org, doc_id, None, new_doc)
            raise SFError(
                400, "INVALID_FIELD", f"No such column '{exc.key}' on sobject of type ContentVersion"
            ) from None
        except RecordError as exc:
            file_tx.discard(org, doc_id, None, new_doc)
            raise SFError.from_record(exc) from None
        if res.error:
            file_tx.discard(org, doc_id, None, new_doc)
            raise SFError.from_record(res.error)
        os.replace(data_path, org.files_dir / res.id)
        org.limits.add("FileBytes", size)
        with org.store.transaction() as conn:
            conn.execute(
                "UPDATE ContentVersion SET IsLatest = 0 WHERE ContentDocumentId = ? AND Id != ?",
                (res_doc := _doc_ref(org, doc_id), res.id),
            )
            conn.execute(
                "UPDATE ContentDocument SET LatestPublishedVersionId = ?, ContentSize = ? WHERE Id = ?",
                (res.id, size, res_doc),
            )
        if new_doc:
            try:
                _link_new_document(org, res_doc, fields.get("FirstPublishLocationId"))
            except SFError:  # the version, its document and its links are saved together or not at all
                file_tx.discard(org, res_doc, res.id, new_doc=True)
                raise
    return res.id


def _link_new_document(org: Any, doc_id: str, location: Any) -> None:
    """A new file is linked to its owner (ShareType I, a link that cannot be removed) and, when published to
    a record with FirstPublishLocationId, to that record (ShareType V): "when you upload a file to any
    record ... it will always create 2 links - 1st for the user with share type I ... and 2nd for the record
    itself with share type V" (https://salesforce.stackexchange.com/questions/274499/unable-to-delete-contentdocumentlink;
    ShareType values V/C/I: Object Reference, ContentDocumentLink,
    https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_contentdocumentlink.htm)."""
    owner = org.user_id
    links = [{"LinkedEntityId": owner, "ShareType": "I", "Visibility": "AllUsers"}] if owner else []
    record = org.normalize_record_id(location) if location else None
    if record and record != owner:
        links.append({"LinkedEntityId": record, "ShareType": "V", "Visibility": "AllUsers"})
    if not links:
        return
    results = org.writer("ContentDocumentLink").insert(
        [{} for _ in links], extra=[{"ContentDocumentId": doc_id, **link} for link in links]
    )
    failed = next((r.error for r in results if r.error), None)
    if failed:
        raise SFError.from_record(failed)


def _doc_ref(org: Any, doc_id: Any) -> str:
    rid = org.normalize_record_id(doc_id)
    if rid is None or rid[:3] != org.registry.get("ContentDocument").key_prefix:
        raise SFError(
            400,
            "FIELD_INTEGRITY_EXCEPTION",
            f"Content Document ID: id value of incorrect type: {doc_id}",
            ["ContentDocumentId"],
        )
    return rid


async def download(org: Any, obj: Any, rid: str) -> FileResponse:
    """GET /sobjects/ContentVersion/{id}/VersionData: the stored bytes."""
    rec = await run_in_threadpool(org.get_record, obj.name, rid)
    path = org.files_dir / rec["Id"]
    if not path.exists():
        raise not_found()
    return FileResponse(path, media_type="application/octet-stream")
