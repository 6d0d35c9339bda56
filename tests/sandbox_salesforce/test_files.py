"""Files: ContentVersion by multipart and by base64 JSON, org-set fields, document and link, download,
the base64 size limit, and the ContentDocument delete cascade."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest


def _multipart(org, fields: dict, data: bytes):
    files = {
        "entity_content": (None, json.dumps(fields), "application/json"),
        "VersionData": (fields.get("PathOnClient", "f.bin"), data, "application/octet-stream"),
    }
    return org.raw("POST", "/sobjects/ContentVersion/", files=files)


def test_multipart_upload_creates_document_link_and_streams_back(org):
    account = org.sf.Account.create({"Name": "Has Files"})["id"]
    data = bytes(range(256)) * 4096  # 1 MiB of binary
    resp = _multipart(
        org, {"Title": "Photo", "PathOnClient": "photo.png", "FirstPublishLocationId": account}, data
    )
    assert resp.status_code == 201, resp.text
    cv_id = resp.json()["id"]
    assert cv_id.startswith("068")
    cv = org.sf.ContentVersion.get(cv_id)
    assert cv["Checksum"] == hashlib.md5(data).hexdigest() and cv["ContentSize"] == len(data)
    assert cv["FileType"] == "PNG" and cv["FileExtension"] == "png" and cv["IsLatest"] is True
    assert cv["ContentDocumentId"].startswith("069")
    link = org.sf.query(
        f"SELECT LinkedEntityId, ShareType FROM ContentDocumentLink WHERE ContentDocumentId = "
        f"'{cv['ContentDocumentId']}'"
    )["records"]
    # linked to the record (V) and to the file's owner (I), as a real org does
    assert sorted((r["LinkedEntityId"][:3], r["ShareType"]) for r in link) == [("001", "V"), ("005", "I")]
    assert account in {r["LinkedEntityId"] for r in link}
    doc = org.sf.ContentDocument.get(cv["ContentDocumentId"])
    assert doc["LatestPublishedVersionId"] == cv_id
    download = org.raw("GET", f"/sobjects/ContentVersion/{cv_id}/VersionData")
    assert download.status_code == 200 and download.content == data
    assert cv["VersionData"].endswith(f"/sobjects/ContentVersion/{cv_id}/VersionData")


def test_base64_json_upload_and_new_version(org):
    data = b"hello, file\n"
    first = org.sf.ContentVersion.create(
        {"Title": "Note", "PathOnClient": "note.txt", "VersionData": base64.b64encode(data).decode()}
    )
    doc = org.sf.ContentVersion.get(first["id"])["ContentDocumentId"]
    second = org.sf.ContentVersion.create(
        {
            "PathOnClient": "note.txt",
            "ContentDocumentId": doc,
            "VersionData": base64.b64encode(b"v2").decode(),
        }
    )
    versions = org.sf.query(
        f"SELECT Id, IsLatest, VersionNumber FROM ContentVersion WHERE ContentDocumentId = '{doc}'"
        " ORDER BY VersionNumber"
    )["records"]
    assert [(v["Id"], v["IsLatest"], v["VersionNumber"]) for v in versions] == [
        (first["id"], False, "1"),
        (second["id"], True, "2"),
    ]


def test_base64_over_limit_is_rejected(org):
    too_big = "A" * (int(37.5 * 1024 * 1024) + 4)
    with pytest.raises(SalesforceMalformedRequest) as exc:
        org.sf.ContentVersion.create({"PathOnClient": "big.bin", "VersionData": too_big})
    assert exc.value.content[0]["errorCode"] == "STRING_TOO_LONG"


def test_multipart_without_file_part_is_a_clear_error(org):
    resp = org.raw(
        "POST", "/sobjects/ContentVersion", files={"entity_content": (None, "{}", "application/json")}
    )
    assert resp.status_code == 400 and "VersionData" in resp.json()[0]["message"]


def test_content_version_is_not_deletable_but_document_delete_cascades(org):
    resp = _multipart(org, {"Title": "Doomed", "PathOnClient": "d.pdf"}, b"%PDF-1.4 tiny")
    cv_id = resp.json()["id"]
    doc = org.sf.ContentVersion.get(cv_id)["ContentDocumentId"]
    with pytest.raises(SalesforceMalformedRequest):
        org.sf.ContentVersion.delete(cv_id)
    assert org.sf.ContentDocument.delete(doc) == 204
    assert (
        org.sf.query(f"SELECT COUNT() FROM ContentVersion WHERE ContentDocumentId = '{doc}'")["totalSize"]
        == 0
    )
