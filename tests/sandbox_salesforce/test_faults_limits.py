"""Limits and faults on demand: request-limit exhaustion, 503s, dropped connections, row locks,
a job failing mid-way with unprocessed records, bulk batch counting."""

from __future__ import annotations

import csv
import io

import pytest
import requests
from simple_salesforce.exceptions import (
    SalesforceGeneralError,
    SalesforceOperationError,
    SalesforceRefusedRequest,
)


def test_request_limit_exhaustion_is_403(org):
    org.admin("POST", "/settings", {"limits": {"DailyApiRequests": 1_000_000}})
    org.admin("POST", "/faults", {"request_limit_exhausted": True})
    try:
        with pytest.raises(SalesforceRefusedRequest) as exc:
            org.sf.query("SELECT Id FROM Account")
        assert exc.value.content[0]["errorCode"] == "REQUEST_LIMIT_EXCEEDED"
        resp = org.raw("GET", "/limits")
        assert resp.status_code == 403
        assert resp.headers["Sforce-Limit-Info"] == "api-usage=1000000/1000000"
    finally:
        org.admin("POST", "/faults", {"clear": True})
    assert org.sf.limits()["DailyApiRequests"]["Remaining"] > 0


def test_edition_figures_are_configurable(org):
    org.admin("POST", "/settings", {"limits": {"DailyApiRequests": 123_456}})
    assert org.sf.limits()["DailyApiRequests"]["Max"] == 123_456


def test_503_then_recovery(org):
    org.admin("POST", "/faults", {"http_503": 2})
    for _ in range(2):
        with pytest.raises(SalesforceGeneralError) as exc:
            org.sf.query("SELECT Id FROM User LIMIT 1")
        assert exc.value.status == 503
    assert org.sf.query("SELECT Id FROM User LIMIT 1")["totalSize"] == 1


def test_dropped_connection(org):
    org.admin("POST", "/faults", {"drop_connections": 1})
    with pytest.raises(requests.exceptions.ConnectionError):
        org.raw("GET", "/limits")
    assert org.raw("GET", "/limits").status_code == 200


def test_unable_to_lock_row_on_a_fraction(org):
    org.admin("POST", "/faults", {"lock_row_fraction": 0.5})
    try:
        res = org.sf.bulk2.Account.insert(records=[{"Name": f"Lock {i}"} for i in range(200)], wait=0.1)
    finally:
        org.admin("POST", "/faults", {"lock_row_fraction": 0.0})
    failed = res[0]["numberRecordsFailed"]
    assert 40 < failed < 160
    rows = list(csv.DictReader(io.StringIO(org.sf.bulk2.Account.get_failed_records(res[0]["job_id"]))))
    assert all(r["sf__Error"].startswith("UNABLE_TO_LOCK_ROW:") for r in rows) and len(rows) == failed


def test_job_failing_midway_leaves_unprocessed_records(org):
    org.admin("POST", "/faults", {"fail_job_after": 3})
    with pytest.raises(SalesforceOperationError, match="InternalServerError"):
        org.sf.bulk2.Account.insert(records=[{"Name": f"Mid {i}"} for i in range(10)], wait=0.1)
    jobs = org.raw("GET", "/jobs/ingest").json()["records"]
    job = max(jobs, key=lambda j: j["createdDate"] + j["id"])
    info = org.raw("GET", f"/jobs/ingest/{job['id']}").json()
    assert info["state"] == "Failed" and info["numberRecordsProcessed"] == 3
    unprocessed = list(csv.DictReader(io.StringIO(org.sf.bulk2.Account.get_unprocessed_records(job["id"]))))
    assert [r["Name"] for r in unprocessed] == [f"Mid {i}" for i in range(3, 10)]
    assert org.sf.query("SELECT COUNT() FROM Account WHERE Name LIKE 'Mid %'")["totalSize"] == 3


def test_bulk_batches_and_storage_are_counted(org):
    before = org.sf.limits()
    org.sf.bulk2.Contact.insert(records=[{"LastName": f"Count {i}"} for i in range(10_001)], wait=0.1)
    after = org.sf.limits()
    spent = before["DailyBulkApiBatches"]["Remaining"] - after["DailyBulkApiBatches"]["Remaining"]
    assert spent == 2  # one internal batch per 10,000 records
    assert after["DataStorageMB"]["Remaining"] < before["DataStorageMB"]["Remaining"]
