"""Duplicate rules an admin defines, enforced on save with Salesforce's ``DUPLICATES_DETECTED`` shape: REST
(single, sObject Collections, upsert), Bulk API 2.0 (``sf__Error``), exact and fuzzy-lite matching, Block and
Allow-with-alert, the rule visible as ``DuplicateRule`` / ``MatchingRule``."""

from __future__ import annotations

import pytest

from tests.sandbox_salesforce.helpers import OrgHandle, run_job


@pytest.fixture(scope="module")
def ruled(org: OrgHandle) -> OrgHandle:
    """The module's org with an exact Block rule on Contact (Email) and a fuzzy Block rule on Account
    (Name + Phone)."""
    org.admin(
        "POST",
        "/automation/duplicate_rules",
        {"object": "Contact", "developer_name": "Contact_Email", "fields": ["Email"]},
    )
    org.admin(
        "POST",
        "/automation/duplicate_rules",
        {
            "object": "Account",
            "developer_name": "Account_Name_Phone",
            "fields": ["Name", "Phone"],
            "match": "fuzzy",
            "alert_text": "This customer already exists.",
        },
    )
    return org


def test_rules_are_queryable(ruled: OrgHandle) -> None:
    rules = ruled.sf.query(
        "SELECT DeveloperName, SobjectType, IsActive FROM DuplicateRule ORDER BY DeveloperName"
    )
    assert [(r["DeveloperName"], r["SobjectType"], r["IsActive"]) for r in rules["records"]] == [
        ("Account_Name_Phone", "Account", True),
        ("Contact_Email", "Contact", True),
    ]
    matching = ruled.sf.query("SELECT MatchEngine FROM MatchingRule WHERE SobjectType = 'Account'")
    assert matching["records"][0]["MatchEngine"] == "FuzzyMatchEngine"
    items = ruled.sf.query(
        "SELECT Field, MatchingMethod, BlankValueBehavior, MatchingRule.SobjectType FROM MatchingRuleItem "
        "ORDER BY MatchingRule.SobjectType, SortOrder"
    )
    assert [
        (r["MatchingRule"]["SobjectType"], r["Field"], r["MatchingMethod"]) for r in items["records"]
    ] == [
        ("Account", "Name", "CompanyName"),
        ("Account", "Phone", "Phone"),
        ("Contact", "Email", "Exact"),
    ]


def test_rest_insert_of_a_duplicate_is_refused_with_the_duplicate_result(ruled: OrgHandle) -> None:
    first = ruled.raw("POST", "/sobjects/Contact", json={"LastName": "Ng", "Email": "ann.ng@example.com"})
    assert first.status_code == 201
    resp = ruled.raw("POST", "/sobjects/Contact", json={"LastName": "Ng", "Email": "Ann.Ng@Example.com"})
    assert resp.status_code == 400
    err = resp.json()[0]
    assert err["errorCode"] == "DUPLICATES_DETECTED"
    assert err["message"] == "Use one of these records?"
    result = err["duplicateResult"]
    assert (result["allowSave"], result["duplicateRule"], result["duplicateRuleEntityType"]) == (
        False,
        "Contact_Email",
        "Contact",
    )
    match = result["matchResults"][0]
    assert match["matchEngine"] == "ExactMatchEngine"
    assert [m["record"]["Id"] for m in match["matchRecords"]] == [first.json()["id"]]


def test_blank_fields_never_match(ruled: OrgHandle) -> None:
    for _ in range(2):
        assert ruled.raw("POST", "/sobjects/Contact", json={"LastName": "NoEmail"}).status_code == 201


def test_fuzzy_match_ignores_case_punctuation_suffixes_and_phone_format(ruled: OrgHandle) -> None:
    assert (
        ruled.raw(
            "POST", "/sobjects/Account", json={"Name": "Acme Plumbing, Inc.", "Phone": "(555) 010-2000"}
        )
    ).status_code == 201
    resp = ruled.raw("POST", "/sobjects/Account", json={"Name": "ACME plumbing", "Phone": "+1 555 010 2000"})
    assert resp.status_code == 400
    assert resp.json()[0]["errorCode"] == "DUPLICATES_DETECTED"
    assert resp.json()[0]["message"] == "This customer already exists."
    other = ruled.raw("POST", "/sobjects/Account", json={"Name": "Acme Heating", "Phone": "555 010 2000"})
    assert other.status_code == 201


def test_updating_a_record_does_not_match_itself_but_may_match_another(ruled: OrgHandle) -> None:
    a = ruled.sf.Contact.create({"LastName": "A", "Email": "a@example.com"})["id"]
    b = ruled.sf.Contact.create({"LastName": "B", "Email": "b@example.com"})["id"]
    assert ruled.raw("PATCH", f"/sobjects/Contact/{a}", json={"LastName": "A2"}).status_code == 204
    resp = ruled.raw("PATCH", f"/sobjects/Contact/{b}", json={"Email": "A@example.com"})
    assert resp.status_code == 400 and resp.json()[0]["errorCode"] == "DUPLICATES_DETECTED"


def test_upsert_and_collections(ruled: OrgHandle) -> None:
    resp = ruled.raw(
        "PATCH",
        "/sobjects/Contact/Dispatch_Pro_Id__c/customer:1",
        json={"LastName": "Up", "Email": "up@example.com"},
    )
    assert resp.status_code == 201
    again = ruled.raw(
        "PATCH",
        "/sobjects/Contact/Dispatch_Pro_Id__c/customer:1",
        json={"LastName": "Up", "Email": "up@example.com"},
    )
    assert again.status_code == 200  # the record itself is no duplicate
    clash = ruled.raw(
        "PATCH",
        "/sobjects/Contact/Dispatch_Pro_Id__c/customer:2",
        json={"LastName": "X", "Email": "UP@example.com"},
    )
    assert clash.status_code == 400 and clash.json()[0]["errorCode"] == "DUPLICATES_DETECTED"
    body = {
        "records": [
            {"attributes": {"type": "Contact"}, "LastName": "C1", "Email": "up@example.com"},
            {"attributes": {"type": "Contact"}, "LastName": "C2", "Email": "fresh@example.com"},
        ]
    }
    out = ruled.raw("POST", "/composite/sobjects", json=body).json()
    assert out[0]["success"] is False
    assert out[0]["errors"][0]["statusCode"] == "DUPLICATES_DETECTED"
    assert out[0]["errors"][0]["duplicateResult"]["duplicateRule"] == "Contact_Email"
    assert out[1]["success"] is True


def test_bulk_rows_fail_with_the_rule_in_sf_error(ruled: OrgHandle) -> None:
    ruled.sf.Contact.create({"LastName": "Bulk", "Email": "bulk@example.com"})
    csv = "LastName,Email\nDup,bulk@example.com\nNew,new.bulk@example.com\n"
    info, results = run_job(ruled, {"object": "Contact", "operation": "insert", "lineEnding": "LF"}, csv)
    assert (info["state"], info["numberRecordsFailed"]) == ("JobComplete", 1)
    assert [r["sf__Error"] for r in results["failedResults"]] == [
        "DUPLICATES_DETECTED:Use one of these records?: --"
    ]
    assert [r["Email"] for r in results["successfulResults"]] == ["new.bulk@example.com"]


def test_allow_with_alert(ruled: OrgHandle) -> None:
    ruled.admin(
        "POST",
        "/automation/duplicate_rules",
        {"object": "Case", "developer_name": "Case_Subject", "fields": ["Subject"], "action": "allow"},
    )
    assert ruled.raw("POST", "/sobjects/Case", json={"Subject": "Leaking tap"}).status_code == 201
    refused = ruled.raw("POST", "/sobjects/Case", json={"Subject": "Leaking tap"})
    assert refused.status_code == 400
    assert refused.json()[0]["duplicateResult"]["allowSave"] is True
    saved = ruled.raw(
        "POST",
        "/sobjects/Case",
        json={"Subject": "Leaking tap"},
        headers={"Sforce-Duplicate-Rule-Header": "allowSave=true; includeRecordDetails=false"},
    )
    assert saved.status_code == 201
    info, _ = run_job(
        ruled, {"object": "Case", "operation": "insert", "lineEnding": "LF"}, "Subject\nLeaking tap\n"
    )
    assert info["numberRecordsFailed"] == 0


def test_an_inactive_rule_does_not_block(ruled: OrgHandle) -> None:
    ruled.admin(
        "POST",
        "/automation/duplicate_rules",
        {"object": "Contact", "developer_name": "Contact_Email", "fields": ["Email"], "active": False},
    )
    ruled.sf.Contact.create({"LastName": "Off", "Email": "off@example.com"})
    ruled.sf.Contact.create({"LastName": "Off", "Email": "off@example.com"})
    assert ruled.sf.query("SELECT Id FROM DuplicateRule WHERE IsActive = false")["totalSize"] == 1


def test_one_batch_is_not_compared_within_itself_and_edits_check_only_matched_fields(
    ruled: OrgHandle,
) -> None:
    ruled.admin(
        "POST",
        "/automation/duplicate_rules",
        {"object": "Contact", "developer_name": "Contact_Email", "fields": ["Email"], "active": True},
    )
    csv = (
        "Dispatch_Pro_Id__c,LastName,Email\n"
        "customer:20,Twin,twin@example.com\ncustomer:21,Twin,twin@example.com\n"
    )
    body = {
        "object": "Contact",
        "operation": "upsert",
        "externalIdFieldName": "Dispatch_Pro_Id__c",
        "lineEnding": "LF",
    }
    info, _ = run_job(ruled, body, csv)
    assert info["numberRecordsFailed"] == 0  # records of one save are compared with saved records only
    info, _ = run_job(ruled, body, csv.replace("Twin,", "Twins,"))
    assert info["numberRecordsFailed"] == 0  # the re-run changes no matched field: the rule does not run
    info, results = run_job(ruled, body, csv.replace("twin@", "TWIN@"))
    assert info["numberRecordsFailed"] == 2  # changing the matched field runs it: each matches the other
    assert {r["sf__Error"][:19] for r in results["failedResults"]} == {"DUPLICATES_DETECTED"}
