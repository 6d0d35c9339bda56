"""Bulk API 2.0 as Salesforce documents it (issue 8, items 1, 3, 7 and 9): one upload per job, the job's
lineEnding, DUPLICATE_VALUE for a repeated external id, the 150 MB base64 upload limit, and parent row
locks between parallel jobs."""

from __future__ import annotations

from sandbox.salesforce.bulk import MAX_UPLOAD_BASE64, base64_size
from tests.sandbox_salesforce.helpers import close_job, job_results, open_job, run_job, wait_job


def test_a_second_upload_fails_the_close_as_salesforce_does(org):
    job_id = open_job(org, {"object": "Account", "operation": "insert", "lineEnding": "LF"}, "Name\nFirst\n")
    second = org.raw(
        "PUT", f"/jobs/ingest/{job_id}/batches", data=b"Name\nSecond\n", headers={"Content-Type": "text/csv"}
    )
    assert second.status_code == 201  # Salesforce takes the second PUT ...
    resp = close_job(org, job_id)  # ... and refuses the job when it is closed
    assert resp.status_code == 400
    err = resp.json()[0]
    assert err["errorCode"] == "BULK_API_ERROR"
    assert err["message"] == (
        f"Found multipe contents for job: <{job_id}>, please 'Close' / 'Abort' / 'Delete' the current Job "
        "then create a new Job and make sure you only do 'PUT' once on a given Job."
    )
    assert org.raw("GET", f"/jobs/ingest/{job_id}").json()["state"] == "Open"
    aborted = org.raw("PATCH", f"/jobs/ingest/{job_id}", json={"state": "Aborted"})
    assert aborted.status_code == 200 and aborted.json()["state"] == "Aborted"
    # nothing was loaded, not even the second upload's header row as a record
    assert (
        org.sf.query("SELECT COUNT() FROM Account WHERE Name IN ('First', 'Second', 'Name')")["totalSize"]
        == 0
    )


def test_upload_limit_is_150_mb_after_base64():
    assert base64_size(100 * 1024 * 1024) <= MAX_UPLOAD_BASE64  # about 100 MB of CSV fits
    assert base64_size(113 * 1024 * 1024) > MAX_UPLOAD_BASE64  # 113 MB does not


def test_line_endings_must_match_the_job(org):
    info, _ = run_job(
        org, {"object": "Account", "operation": "insert", "lineEnding": "LF"}, "Name\r\nCRLF one\r\n"
    )
    assert info["state"] == "Failed"
    assert info["errorMessage"] == (
        "ClientInputError : LineEnding is invalid on user data. Current LineEnding setting is LF"
    )
    info, _ = run_job(
        org, {"object": "Account", "operation": "insert", "lineEnding": "CRLF"}, "Name\nLF one\n"
    )
    assert info["state"] == "Failed" and info["errorMessage"].endswith("Current LineEnding setting is CRLF")
    info, res = run_job(
        org, {"object": "Account", "operation": "insert", "lineEnding": "CRLF"}, 'Name\r\n"two\r\nlines"\r\n'
    )
    assert info["state"] == "JobComplete" and res["successfulResults"][0]["Name"] == "two\r\nlines"


def test_the_same_external_id_twice_in_one_upsert_job_is_duplicate_value(org):
    data = "Name,Dispatch_Pro_Id__c\nTwin A,customer:twin\nTwin B,customer:twin\nSingle,customer:single\n"
    info, res = run_job(
        org,
        {
            "object": "Account",
            "operation": "upsert",
            "externalIdFieldName": "Dispatch_Pro_Id__c",
            "lineEnding": "LF",
        },
        data,
    )
    assert info["state"] == "JobComplete" and info["numberRecordsFailed"] == 2
    errors = sorted(r["sf__Error"] for r in res["failedResults"])
    assert (
        errors == ["DUPLICATE_VALUE:Duplicate external id specified: customer:twin:Dispatch_Pro_Id__c --"] * 2
    )
    assert [r["Name"] for r in res["successfulResults"]] == ["Single"]


def _contacts_job(org, rows: list[tuple[str, str]]) -> str:
    data = "LastName,AccountId\n" + "".join(f"{name},{account}\n" for name, account in rows)
    return open_job(org, {"object": "Contact", "operation": "insert", "lineEnding": "LF"}, data)


def test_parallel_jobs_on_children_of_one_parent_fail_rows_with_unable_to_lock_row(org):
    shared = org.sf.Account.create({"Name": "Hot parent"})["id"]
    other = org.sf.Account.create({"Name": "Quiet parent"})["id"]
    org.admin("POST", "/settings", {"row_locks": True, "row_lock_window_seconds": 1.0})
    try:
        first = _contacts_job(org, [("Lock A1", shared), ("Lock A2", shared)])
        second = _contacts_job(org, [("Lock B1", shared), ("Lock B2", other)])
        assert close_job(org, first).status_code == 200
        assert close_job(org, second).status_code == 200  # closed together: the jobs run in parallel
        one, two = wait_job(org, first), wait_job(org, second)
        assert one["numberRecordsFailed"] == 0 and one["numberRecordsProcessed"] == 2
        assert two["state"] == "JobComplete" and two["numberRecordsFailed"] == 1
        failed = job_results(org, second)["failedResults"]
        assert [(r["LastName"], r["sf__Error"]) for r in failed] == [
            (
                "Lock B1",
                "UNABLE_TO_LOCK_ROW:unable to obtain exclusive access to this record or 1 records: --",
            )
        ]
        # the retry of the failed row, alone, meets no contention (deterministic: same outcome every run)
        retry = _contacts_job(org, [("Lock B1", shared)])
        assert close_job(org, retry).status_code == 200
        assert wait_job(org, retry)["numberRecordsFailed"] == 0
        # jobs run one after the other (a serial load) never contend
        for name in ("Serial 1", "Serial 2"):
            job = _contacts_job(org, [(name, shared)])
            close_job(org, job)
            assert wait_job(org, job)["numberRecordsFailed"] == 0
    finally:
        org.admin("POST", "/settings", {"row_locks": False})
    names = {
        r["LastName"]
        for r in org.sf.query_all(f"SELECT LastName FROM Contact WHERE AccountId = '{shared}'")["records"]
    }
    assert names == {"Lock A1", "Lock A2", "Lock B1", "Serial 1", "Serial 2"}


def test_row_locks_are_off_by_default(org):
    shared = org.sf.Account.create({"Name": "Default parent"})["id"]
    jobs = [_contacts_job(org, [(f"Free {i}", shared)]) for i in range(2)]
    for job in jobs:
        close_job(org, job)
    assert [wait_job(org, j)["numberRecordsFailed"] for j in jobs] == [0, 0]


def test_parallel_deletes_of_children_of_one_parent_contend_too(org):
    parent = org.sf.Account.create({"Name": "Delete parent"})["id"]
    kids = [org.sf.Contact.create({"LastName": f"Del {i}", "AccountId": parent})["id"] for i in range(2)]
    org.admin("POST", "/settings", {"row_locks": True, "row_lock_window_seconds": 1.0})
    try:
        jobs = [
            open_job(org, {"object": "Contact", "operation": "delete", "lineEnding": "LF"}, f"Id\n{kid}\n")
            for kid in kids
        ]
        for job in jobs:
            assert close_job(org, job).status_code == 200
        infos = [wait_job(org, job) for job in jobs]
    finally:
        org.admin("POST", "/settings", {"row_locks": False})
    assert [i["numberRecordsFailed"] for i in infos] == [0, 1]
    failed = job_results(org, jobs[1])["failedResults"]
    assert failed[0]["sf__Id"] == kids[1] and failed[0]["sf__Error"].startswith("UNABLE_TO_LOCK_ROW:")
    assert org.sf.Contact.get(kids[1])["Id"] == kids[1]  # the failed row was not deleted
