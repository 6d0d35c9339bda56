"""A file insert is atomic, as in Salesforce: the ContentVersion, its ContentDocument and the links to its
owner and to FirstPublishLocationId are saved together or not at all, also under the row-lock fault."""

from __future__ import annotations

import base64
import json

import pytest


@pytest.fixture(autouse=True)
def clear_faults(org):
    yield
    org.admin("POST", "/faults", {"clear": True})


def _counts(org) -> dict[str, int]:
    return {
        obj: org.sf.query(f"SELECT COUNT() FROM {obj}")["totalSize"]
        for obj in ("ContentVersion", "ContentDocument", "ContentDocumentLink")
    }


def _multipart(org, fields: dict, data: bytes):
    files = {
        "entity_content": (None, json.dumps(fields), "application/json"),
        "VersionData": (fields["PathOnClient"], data, "application/octet-stream"),
    }
    return org.raw("POST", "/sobjects/ContentVersion", files=files)


def test_under_row_locks_every_file_is_whole_or_absent(org):
    case = org.sf.Case.create({"Subject": "Atomic files"})["id"]
    before = _counts(org)
    storage_before = org.sf.limits()["FileStorageMB"]["Remaining"]
    org.admin("POST", "/faults", {"lock_row_fraction": 0.3})
    saved, refused = [], []
    for i in range(30):
        data = f"file {i} ".encode() * 1000
        fields = {"Title": f"atomic-{i}", "PathOnClient": f"atomic-{i}.txt", "FirstPublishLocationId": case}
        resp = (
            _multipart(org, fields, data)
            if i % 2
            else org.raw(
                "POST",
                "/sobjects/ContentVersion",
                json={**fields, "VersionData": base64.b64encode(data).decode()},
            )
        )
        if resp.status_code == 201:
            saved.append(resp.json()["id"])
        else:
            assert resp.status_code == 400 and resp.json()[0]["errorCode"] == "UNABLE_TO_LOCK_ROW", resp.text
            refused.append(f"atomic-{i}")
    org.admin("POST", "/faults", {"lock_row_fraction": 0.0})
    assert saved and refused  # the fault bit both ways
    after = _counts(org)
    assert after["ContentVersion"] - before["ContentVersion"] == len(saved)
    assert after["ContentDocument"] - before["ContentDocument"] == len(saved)
    assert after["ContentDocumentLink"] - before["ContentDocumentLink"] == 2 * len(saved)  # owner + the Case
    linked = org.sf.query(
        f"SELECT ContentDocumentId FROM ContentDocumentLink WHERE LinkedEntityId = '{case}'"
    )["records"]
    docs = {
        r["ContentDocumentId"]
        for r in org.sf.query(
            "SELECT ContentDocumentId FROM ContentVersion WHERE Id IN ('" + "','".join(saved) + "')"
        )["records"]
    }
    assert {r["ContentDocumentId"] for r in linked} == docs and len(linked) == len(saved)
    titles = "','".join(refused)
    assert org.sf.query(f"SELECT COUNT() FROM ContentVersion WHERE Title IN ('{titles}')")["totalSize"] == 0
    assert org.sf.query(f"SELECT COUNT() FROM ContentDocument WHERE Title IN ('{titles}')")["totalSize"] == 0
    # the refused files' bytes are not kept either (a 5 kB file is under 1 MB: the gauge does not move)
    assert org.sf.limits()["FileStorageMB"]["Remaining"] == storage_before
    for cv_id in saved:
        assert org.raw("GET", f"/sobjects/ContentVersion/{cv_id}/VersionData").status_code == 200


def test_a_file_published_to_a_missing_record_leaves_nothing(org):
    before = _counts(org)
    missing_case = "500000000000000AAA"
    resp = org.raw(
        "POST",
        "/sobjects/ContentVersion",
        json={
            "Title": "orphan",
            "PathOnClient": "orphan.txt",
            "VersionData": base64.b64encode(b"no home").decode(),
            "FirstPublishLocationId": missing_case,
        },
    )
    assert resp.status_code == 400, resp.text
    assert _counts(org) == before
    stats = org.admin("GET", "/stats")["records"]
    assert stats.get("ContentVersion", {}).get("deleted", 0) == 0  # rolled back, not in the recycle bin
