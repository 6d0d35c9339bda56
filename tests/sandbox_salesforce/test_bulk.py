"""Bulk API 2.0 over HTTPS: job state machine, result CSVs, dialects, relationship columns, query paging."""

from __future__ import annotations

import csv
import io
import time

import pytest
from simple_salesforce.exceptions import SalesforceOperationError


def _wait(org, job_id: str, kind: str = "ingest", timeout: float = 20.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        info = org.raw("GET", f"/jobs/{kind}/{job_id}").json()
        if info["state"] in {"JobComplete", "Failed", "Aborted"}:
            return info
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish: {info}")


def _job(org, body: dict) -> dict:
    resp = org.raw("POST", "/jobs/ingest", json={"contentType": "CSV", **body})
    assert resp.status_code == 200, resp.text
    return resp.json()


def _run(org, body: dict, data: str) -> tuple[dict, dict[str, list[dict]]]:
    job = _job(org, body)
    assert (
        org.raw(
            "PUT",
            f"/jobs/ingest/{job['id']}/batches",
            data=data.encode(),
            headers={"Content-Type": "text/csv"},
        ).status_code
        == 201
    )
    org.raw("PATCH", f"/jobs/ingest/{job['id']}", json={"state": "UploadComplete"})
    info = _wait(org, job["id"])
    delim = {"COMMA": ",", "TAB": "\t", "PIPE": "|", "SEMICOLON": ";", "CARET": "^", "BACKQUOTE": "`"}[
        info["columnDelimiter"]
    ]
    out = {}
    for kind in ("successfulResults", "failedResults", "unprocessedrecords"):
        text = org.raw("GET", f"/jobs/ingest/{job['id']}/{kind}").text
        out[kind] = list(csv.DictReader(io.StringIO(text, newline=""), delimiter=delim))
    return info, out


def test_job_info_shapes_and_state_machine(org):
    job = _job(org, {"object": "Account", "operation": "insert", "lineEnding": "LF"})
    assert job["state"] == "Open" and job["id"].startswith("750") and job["object"] == "Account"
    assert job["contentUrl"] == f"services/data/v62.0/jobs/ingest/{job['id']}/batches"
    for key in (
        "operation",
        "createdById",
        "createdDate",
        "systemModstamp",
        "concurrencyMode",
        "contentType",
        "apiVersion",
        "lineEnding",
        "columnDelimiter",
    ):
        assert key in job
    org.admin("POST", "/faults", {"slow_seconds": 0.5})
    try:
        org.raw("PUT", f"/jobs/ingest/{job['id']}/batches", data=b"Name\nSM1\n")
        closed = org.raw("PATCH", f"/jobs/ingest/{job['id']}", json={"state": "UploadComplete"}).json()
        assert closed["state"] == "UploadComplete"
        now = org.raw("GET", f"/jobs/ingest/{job['id']}").json()
        assert now["state"] in {"UploadComplete", "InProgress"}  # asynchronous, not done at once
        late = org.raw("PUT", f"/jobs/ingest/{job['id']}/batches", data=b"Name\nlate\n")
        assert late.status_code == 409 and late.json()[0]["errorCode"] == "INVALIDJOBSTATE"
    finally:
        org.admin("POST", "/faults", {"slow_seconds": 0})
    info = _wait(org, job["id"])
    assert info["state"] == "JobComplete" and info["numberRecordsProcessed"] == 1
    for key in ("numberRecordsFailed", "retries", "totalProcessingTime", "apiVersion", "jobType"):
        assert key in info
    again = org.raw("PATCH", f"/jobs/ingest/{job['id']}", json={"state": "Aborted"})
    assert again.status_code == 400 and again.json()[0]["errorCode"] == "INVALIDJOBSTATE"
    fresh = _job(org, {"object": "Account", "operation": "insert"})
    aborted = org.raw("PATCH", f"/jobs/ingest/{fresh['id']}", json={"state": "Aborted"}).json()
    assert aborted["state"] == "Aborted"


def test_bad_job_requests(org):
    resp = org.raw("POST", "/jobs/ingest", json={"object": "Nope__c", "operation": "insert"})
    assert resp.status_code == 400 and "Nope__c" in resp.json()[0]["message"]
    resp = org.raw("POST", "/jobs/ingest", json={"object": "Account", "operation": "upsert"})
    assert resp.status_code == 400 and "External ID" in resp.json()[0]["message"]


def test_results_csvs_and_error_format(org):
    info, res = _run(
        org,
        {"object": "Account", "operation": "insert"},
        'Name,Phone\n"Res, One",1\n,2\n"' + "x" * 300 + '",3\n',
    )
    assert info["state"] == "JobComplete"
    assert info["numberRecordsProcessed"] == 3 and info["numberRecordsFailed"] == 2
    ok = res["successfulResults"]
    assert list(ok[0]) == ["sf__Id", "sf__Created", "Name", "Phone"]
    assert (
        ok[0]["sf__Created"] == "true" and ok[0]["Name"] == "Res, One" and ok[0]["sf__Id"].startswith("001")
    )
    failed = res["failedResults"]
    assert list(failed[0]) == ["sf__Id", "sf__Error", "Name", "Phone"]
    assert failed[0]["sf__Error"] == "REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --"
    assert failed[1]["sf__Error"].startswith("STRING_TOO_LONG:Name: data value too large")
    assert failed[1]["sf__Error"].endswith(":Name --")
    assert res["unprocessedrecords"] == []


def test_bad_header_fails_the_whole_job(org):
    with pytest.raises(SalesforceOperationError, match="InvalidBatch : Field name not found : Nmae"):
        org.sf.bulk2.Account.insert(records=[{"Nmae": "typo"}], wait=0.1)


@pytest.mark.parametrize(
    ("delimiter", "ending"),
    [("TAB", "CRLF"), ("PIPE", "LF"), ("SEMICOLON", "CRLF"), ("CARET", "LF"), ("BACKQUOTE", "LF")],
)
def test_csv_dialects(org, delimiter, ending):
    sep = {"TAB": "\t", "PIPE": "|", "SEMICOLON": ";", "CARET": "^", "BACKQUOTE": "`"}[delimiter]
    nl = "\r\n" if ending == "CRLF" else "\n"
    data = nl.join([f"Name{sep}Phone", f"Dialect {delimiter}{sep}123", ""])
    info, res = _run(
        org,
        {"object": "Account", "operation": "insert", "columnDelimiter": delimiter, "lineEnding": ending},
        data,
    )
    assert info["numberRecordsFailed"] == 0, res["failedResults"]
    assert res["successfulResults"][0]["Name"] == f"Dialect {delimiter}"


def test_na_sets_null_and_empty_leaves_unchanged(org):
    rid = org.sf.Account.create({"Name": "Keep", "Phone": "111", "Website": "https://x.example"})["id"]
    info, _ = _run(org, {"object": "Account", "operation": "update"}, f"Id,Phone,Website\n{rid},,#N/A\n")
    assert info["numberRecordsFailed"] == 0
    rec = org.sf.Account.get(rid)
    assert rec["Phone"] == "111" and rec["Website"] is None


def test_relationship_columns_and_missing_parent(org):
    sf = org.sf
    sf.Account.create({"Name": "Rel Parent", "Dispatch_Pro_Id__c": "customer:rel"})
    sf.Location__c.create({"Name": "Rel Loc", "Dispatch_Pro_Id__c": "location:rel"})
    data = (
        "Subject,Dispatch_Pro_Id__c,Account.Dispatch_Pro_Id__c,Location__r.Dispatch_Pro_Id__c\n"
        "Job 1,job:rel1,customer:rel,location:rel\nJob 2,job:rel2,customer:missing,location:rel\n"
    )
    info, res = _run(
        org, {"object": "Case", "operation": "upsert", "externalIdFieldName": "Dispatch_Pro_Id__c"}, data
    )
    assert info["numberRecordsFailed"] == 1
    assert res["failedResults"][0]["sf__Error"] == (
        "INVALID_FIELD:Foreign key external ID: customer:missing not found for field "
        "Dispatch_Pro_Id__c in entity "
        "Account:AccountId --"
    )
    rec = sf.query("SELECT Account.Name, Location__r.Name FROM Case WHERE Dispatch_Pro_Id__c = 'job:rel1'")
    assert rec["records"][0]["Account"]["Name"] == "Rel Parent"
    assert rec["records"][0]["Location__r"]["Name"] == "Rel Loc"


def test_upsert_creates_then_updates(org):
    data = "Name,Dispatch_Pro_Id__c\nUps A,customer:u1\nUps B,customer:u2\n"
    first = org.sf.bulk2.Account.upsert(
        records=data
        and [
            {"Name": "Ups A", "Dispatch_Pro_Id__c": "customer:u1"},
            {"Name": "Ups B", "Dispatch_Pro_Id__c": "customer:u2"},
        ],
        external_id_field="Dispatch_Pro_Id__c",
        wait=0.1,
    )
    job = first[0]["job_id"]
    ok = list(csv.DictReader(io.StringIO(org.sf.bulk2.Account.get_successful_records(job))))
    assert [r["sf__Created"] for r in ok] == ["true", "true"]
    _, res = _run(
        org,
        {"object": "Account", "operation": "upsert", "externalIdFieldName": "Dispatch_Pro_Id__c"},
        "Name,Dispatch_Pro_Id__c\nUps A2,CUSTOMER:U1\nDup,customer:u3\nDup2,customer:u3\n",
    )
    assert [r["sf__Created"] for r in res["successfulResults"]] == ["false"]
    assert {r["sf__Error"].split(":")[0] for r in res["failedResults"]} == {"DUPLICATE_VALUE"}
    assert org.sf.Account.get_by_custom_id("Dispatch_Pro_Id__c", "customer:u1")["Name"] == "Ups A2"


def test_delete_and_hard_delete(org):
    ids = [org.sf.Account.create({"Name": f"Del {i}"})["id"] for i in range(3)]
    info, res = _run(
        org, {"object": "Account", "operation": "delete"}, "Id\n" + "\n".join(ids[:2]) + "\nbad\n"
    )
    assert info["numberRecordsFailed"] == 1 and res["failedResults"][0]["sf__Error"].startswith(
        "MALFORMED_ID"
    )
    deleted = org.sf.query_all(
        f"SELECT Id FROM Account WHERE Id IN ('{ids[0]}','{ids[1]}')", include_deleted=True
    )
    assert deleted["totalSize"] == 2
    info, _ = _run(org, {"object": "Account", "operation": "hardDelete"}, f"Id\n{ids[2]}\n")
    assert info["numberRecordsFailed"] == 0
    gone = org.sf.query_all(f"SELECT Id FROM Account WHERE Id = '{ids[2]}'", include_deleted=True)
    assert gone["totalSize"] == 0


def test_query_job_paging_with_locator(org):
    org.sf.bulk2.Contact.insert(records=[{"LastName": f"BulkQ{i:03d}"} for i in range(25)], wait=0.1)
    job = org.raw(
        "POST",
        "/jobs/query",
        json={
            "operation": "query",
            "query": "SELECT Id, LastName, Account.Name FROM Contact "
            "WHERE LastName LIKE 'BulkQ%' ORDER BY LastName",
        },
    ).json()
    assert job["state"] == "UploadComplete" and job["operation"] == "query"
    _wait(org, job["id"], "query")
    seen, locator, pages = [], None, 0
    while True:
        params = {"maxRecords": 10, **({"locator": locator} if locator else {})}
        resp = org.raw("GET", f"/jobs/query/{job['id']}/results", params=params)
        rows = list(csv.DictReader(io.StringIO(resp.text)))
        assert int(resp.headers["Sforce-NumberOfRecords"]) == len(rows)
        seen += [r["LastName"] for r in rows]
        pages += 1
        locator = resp.headers["Sforce-Locator"]
        if locator == "null":
            break
    assert pages == 3 and seen == [f"BulkQ{i:03d}" for i in range(25)]
    assert list(rows[0]) == ["Id", "LastName", "Account.Name"]
    via_client = list(
        org.sf.bulk2.Contact.query("SELECT Id FROM Contact WHERE LastName LIKE 'BulkQ%'", max_records=7)
    )
    assert sum(len(page.strip().splitlines()) - 1 for page in via_client) == 25
    bad = org.raw("POST", "/jobs/query", json={"operation": "query", "query": "SELECT Nope FROM Contact"})
    assert bad.status_code == 400 and bad.json()[0]["errorCode"] == "INVALID_FIELD"


def test_chunked_upload_is_accepted(org):
    job = _job(org, {"object": "Account", "operation": "insert"})

    def body():
        yield b"Name,Phone\n"
        for i in range(50):
            yield f"Chunked {i},{i}\n".encode()

    resp = org.raw(
        "PUT", f"/jobs/ingest/{job['id']}/batches", data=body(), headers={"Content-Type": "text/csv"}
    )
    assert resp.status_code == 201 and resp.request.headers.get("Transfer-Encoding") == "chunked"
    org.raw("PATCH", f"/jobs/ingest/{job['id']}", json={"state": "UploadComplete"})
    info = _wait(org, job["id"])
    assert info["numberRecordsProcessed"] == 50 and info["numberRecordsFailed"] == 0
