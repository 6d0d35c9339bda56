"""Transport over real HTTPS: auth, API versions and trailing slashes, the limits header, error shapes."""

from __future__ import annotations

import re

import pytest
from simple_salesforce.exceptions import SalesforceExpiredSession


def test_bad_token_is_401_invalid_session_id(shared_org):
    resp = shared_org.raw("GET", "/sobjects", token="00Dnotthetoken")
    assert resp.status_code == 401
    # Salesforce's body has no "fields" here (https://pastebin.com/fMiNJbC2, a real org's answer)
    assert resp.json() == [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
    assert re.fullmatch(r"api-usage=\d+/\d+", resp.headers["Sforce-Limit-Info"])


def test_simple_salesforce_raises_expired_session_on_bad_token(shared_org):
    shared_org.sf.session_id = "wrong"
    shared_org.sf.headers["Authorization"] = "Bearer wrong"
    with pytest.raises(SalesforceExpiredSession):
        shared_org.sf.query("SELECT Id FROM User")


def test_any_version_with_or_without_trailing_slash(shared_org):
    root = shared_org.endpoints["instance_url"]
    headers = {"Authorization": "Bearer " + shared_org.endpoints["access_token"]}
    for path in (
        "/services/data/v58.0/sobjects/Account/describe/",
        "/services/data/v62.0/sobjects/Account/describe",
    ):
        resp = shared_org.http.get(root + path, headers=headers)
        assert resp.status_code == 200
        assert resp.json()["name"] == "Account"


def test_limit_info_header_counts_requests(shared_org):
    first = shared_org.raw("GET", "/limits/")
    second = shared_org.raw("GET", "/limits/")
    used_1 = int(first.headers["Sforce-Limit-Info"].split("=")[1].split("/")[0])
    used_2 = int(second.headers["Sforce-Limit-Info"].split("=")[1].split("/")[0])
    assert used_2 == used_1 + 1
    body = second.json()
    for name in (
        "DailyApiRequests",
        "DailyBulkApiBatches",
        "DailyBulkV2QueryJobs",
        "DataStorageMB",
        "FileStorageMB",
    ):
        assert set(body[name]) == {"Max", "Remaining"}
    assert body["DailyApiRequests"]["Max"] - body["DailyApiRequests"]["Remaining"] == used_2


def test_unknown_resource_is_404_in_salesforce_shape(shared_org):
    resp = shared_org.raw("GET", "/no/such/thing")
    assert resp.status_code == 404
    assert resp.json()[0]["errorCode"] == "NOT_FOUND"
    resp = shared_org.raw("GET", "/sobjects/Nope__c/describe")
    assert resp.status_code == 404 and resp.json()[0]["errorCode"] == "NOT_FOUND"


def test_health_needs_no_auth(shared_org):
    assert shared_org.http.get(shared_org.endpoints["instance_url"] + "/health").status_code == 200


def test_describe_global_and_sobject(shared_org):
    described = shared_org.sf.describe()
    names = {s["name"] for s in described["sobjects"]}
    assert {"Account", "Contact", "Case", "ContentVersion", "User"} <= names
    case = shared_org.sf.Case.describe()
    fields = {f["name"]: f for f in case["fields"]}
    assert fields["CaseNumber"]["autoNumber"] is True and fields["CaseNumber"]["createable"] is False
    info = shared_org.sf.Account.metadata()
    assert info["objectDescribe"]["name"] == "Account" and "recentItems" in info


def test_starting_state_users_from_technicians(shared_org):
    from sandbox.dispatch_pro.generator import technicians  # what sandbox.control hands the org

    techs = [t for t in technicians(42, "tiny") if (t.get("email") or "").strip()]
    users = shared_org.sf.query_all("SELECT Email, IsActive, Name FROM User")["records"]
    emails = [u["Email"] for u in users]
    assert "integration@dp2sf.sandbox" in emails
    exact = sum(1 for t in techs if t["email"].strip() in emails)
    by_case = sum(
        1
        for t in techs
        if t["email"].strip() not in emails and t["email"].strip().lower() in {e.lower() for e in emails}
    )
    missing = len(techs) - exact - by_case
    assert exact >= len(techs) // 2 and exact + by_case + missing == len(techs)
    assert len(users) == 1 + exact + by_case
    org = shared_org.sf.query("SELECT Id, Name FROM Organization")
    assert org["totalSize"] == 1 and org["records"][0]["Id"].startswith("00D")
