"""REST CRUD, upsert, composite and the record-level error codes, via simple-salesforce over HTTPS."""

from __future__ import annotations

import pytest
from simple_salesforce.exceptions import (
    SalesforceMalformedRequest,
    SalesforceMoreThanOneRecord,
    SalesforceResourceNotFound,
)

from sandbox.salesforce.metadata.ids import is_valid_id


def _error(exc_info) -> dict:
    return exc_info.value.content[0]


def test_create_get_update_delete(org):
    sf = org.sf
    created = sf.Account.create({"Name": "Crud Co", "Phone": "555-0100"})
    assert created["success"] and created["errors"] == [] and is_valid_id(created["id"])
    assert created["id"].startswith("001") and len(created["id"]) == 18
    rec = sf.Account.get(created["id"])
    assert rec["Name"] == "Crud Co" and rec["attributes"]["type"] == "Account"
    assert rec["OwnerId"].startswith("005") and rec["IsDeleted"] is False
    before = rec["LastModifiedDate"]
    assert sf.Account.update(created["id"], {"Phone": "555-0199"}) == 204
    after = sf.Account.get(created["id"])
    assert after["Phone"] == "555-0199" and after["LastModifiedDate"] >= before
    assert after["SystemModstamp"] >= rec["SystemModstamp"]
    assert sf.Account.delete(created["id"]) == 204
    with pytest.raises(SalesforceResourceNotFound):
        sf.Account.get(created["id"])


def test_fifteen_char_id_is_accepted(org):
    rid = org.sf.Account.create({"Name": "Short Id"})["id"]
    assert org.sf.Account.get(rid[:15])["Id"] == rid


def test_upsert_by_external_id_created_updated_and_300(org):
    sf = org.sf
    resp = sf.Account.upsert("Dispatch_Pro_Id__c/customer:1", {"Name": "Up One"}, raw_response=True)
    assert resp.status_code == 201
    body = resp.json()
    assert body["created"] is True and body["success"] is True
    resp = sf.Account.upsert("Dispatch_Pro_Id__c/customer:1", {"Name": "Up One Renamed"}, raw_response=True)
    assert resp.status_code == 200 and resp.json()["created"] is False and resp.json()["id"] == body["id"]
    assert sf.Account.get_by_custom_id("Dispatch_Pro_Id__c", "CUSTOMER:1")["Name"] == "Up One Renamed"
    # 300 needs a non-unique external id: Contact.Email is idLookup but not unique
    sf.Contact.create({"LastName": "Twin A", "Email": "twin@example.com"})
    sf.Contact.create({"LastName": "Twin B", "Email": "twin@example.com"})
    with pytest.raises(SalesforceMoreThanOneRecord):
        sf.Contact.upsert("Email/twin@example.com", {"LastName": "Which"})


def test_unknown_field_and_object(org):
    with pytest.raises(SalesforceMalformedRequest) as exc:
        org.sf.Account.create({"Name": "X", "Bogus__c": 1})
    assert _error(exc)["errorCode"] == "INVALID_FIELD" and "Bogus__c" in _error(exc)["message"]
    with pytest.raises(SalesforceResourceNotFound) as exc:
        org.sf.Nope__c.create({"Name": "x"})
    assert _error(exc)["errorCode"] == "NOT_FOUND"


@pytest.mark.parametrize(
    ("sobject", "body", "code", "fields"),
    [
        ("Account", {"Phone": "1"}, "REQUIRED_FIELD_MISSING", ["Name"]),
        ("Account", {"Name": "x" * 256}, "STRING_TOO_LONG", ["Name"]),
        ("Contact", {"LastName": "Mail", "Email": "not-an-email"}, "INVALID_EMAIL_ADDRESS", ["Email"]),
        (
            "Account",
            {"Name": "N", "NumberOfEmployees": "many"},
            "INVALID_TYPE_ON_FIELD_IN_RECORD",
            ["NumberOfEmployees"],
        ),
        ("Case", {"Subject": "s", "IsClosed": True}, "INVALID_FIELD_FOR_INSERT_UPDATE", ["IsClosed"]),
        ("Case", {"Subject": "s", "CaseNumber": "1"}, "INVALID_FIELD_FOR_INSERT_UPDATE", ["CaseNumber"]),
        ("Contact", {"LastName": "L", "AccountId": "0016A0000009999ZZZ"}, "MALFORMED_ID", ["AccountId"]),
        (
            "Contact",
            {"LastName": "L", "AccountId": "0036A0000000001"},
            "FIELD_INTEGRITY_EXCEPTION",
            ["AccountId"],
        ),
        (
            "Contact",
            {"LastName": "L", "AccountId": "0016A000000ZZZZ"},
            "INVALID_CROSS_REFERENCE_KEY",
            ["AccountId"],
        ),
        (
            "Account",
            {"Name": "C", "CreatedDate": "2020-01-01T00:00:00Z"},
            "INVALID_FIELD_FOR_INSERT_UPDATE",
            ["CreatedDate"],
        ),
    ],
)
def test_record_errors_in_salesforce_shape(org, sobject, body, code, fields):
    with pytest.raises(SalesforceMalformedRequest) as exc:
        getattr(org.sf, sobject).create(body)
    err = _error(exc)
    assert err["errorCode"] == code, err
    assert err["fields"] == fields and err["message"]


def test_restricted_picklist_and_duplicate_value(org):
    case = org.sf.Case.create({"Subject": "parent"})["id"]
    with pytest.raises(SalesforceMalformedRequest) as exc:
        org.sf.Line_Item__c.create({"Name": "L", "Case__c": case, "Quantity__c": 1, "Kind__c": "Gadget"})
    assert _error(exc)["errorCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    org.sf.Account.create({"Name": "D1", "Dispatch_Pro_Id__c": "dup:1"})
    with pytest.raises(SalesforceMalformedRequest) as exc:
        org.sf.Account.create({"Name": "D2", "Dispatch_Pro_Id__c": "DUP:1"})
    assert _error(exc)["errorCode"] == "DUPLICATE_VALUE"


def test_case_number_auto_and_is_closed_computed(org):
    sf = org.sf
    a = sf.Case.create({"Subject": "one"})["id"]
    b = sf.Case.create({"Subject": "two", "Status": "Closed"})["id"]
    ra, rb = sf.Case.get(a), sf.Case.get(b)
    assert ra["CaseNumber"].isdigit() and int(rb["CaseNumber"]) == int(ra["CaseNumber"]) + 1
    assert ra["Status"] == "New" and ra["IsClosed"] is False
    assert rb["IsClosed"] is True and rb["ClosedDate"]
    sf.Case.update(a, {"Status": "Closed"})
    assert sf.Case.get(a)["IsClosed"] is True


def test_case_history_is_not_createable(org):
    with pytest.raises(SalesforceMalformedRequest) as exc:
        org.sf.CaseHistory.create({"CaseId": org.sf.Case.create({"Subject": "h"})["id"]})
    assert _error(exc)["errorCode"] == "INVALID_TYPE_FOR_OPERATION"


def test_nested_relationship_in_rest_body(org):
    org.sf.Account.create({"Name": "Parent By Ext", "Dispatch_Pro_Id__c": "customer:77"})
    cid = org.sf.Contact.create({"LastName": "Kid", "Account": {"Dispatch_Pro_Id__c": "customer:77"}})["id"]
    rec = org.sf.query(f"SELECT Account.Name FROM Contact WHERE Id = '{cid}'")["records"][0]
    assert rec["Account"]["Name"] == "Parent By Ext"


def test_composite_create_update_delete_and_all_or_none(org):
    sf = org.sf
    recs = [{"attributes": {"type": "Account"}, "Name": f"Comp {i}"} for i in range(3)]
    out = sf.restful("composite/sobjects", method="POST", json={"allOrNone": False, "records": recs})
    assert [r["success"] for r in out] == [True, True, True]
    ids = [r["id"] for r in out]
    bad = [
        {"attributes": {"type": "Account"}, "Name": "ok"},
        {"attributes": {"type": "Account"}, "Phone": "1"},
    ]
    out = sf.restful("composite/sobjects", method="POST", json={"allOrNone": True, "records": bad})
    assert out[0]["success"] is False
    assert out[0]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert out[1]["errors"][0]["statusCode"] == "REQUIRED_FIELD_MISSING"
    assert sf.query("SELECT COUNT() FROM Account WHERE Name = 'ok'")["totalSize"] == 0
    upd = [{"attributes": {"type": "Account"}, "Id": i, "Phone": "777"} for i in ids]
    out = sf.restful("composite/sobjects", method="PATCH", json={"allOrNone": False, "records": upd})
    assert all(r["success"] for r in out)
    assert sf.Account.get(ids[0])["Phone"] == "777"
    out = sf.restful("composite/sobjects", method="DELETE", params={"ids": ",".join(ids)})
    assert all(r["success"] for r in out)
    too_many = [{"attributes": {"type": "Account"}, "Name": "x"}] * 201
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.restful("composite/sobjects", method="POST", json={"records": too_many})
    assert _error(exc)["errorCode"] == "EXCEEDED_ID_LIMIT"


def test_update_and_delete_missing_record_404(org):
    with pytest.raises(SalesforceResourceNotFound):
        org.sf.Account.update("0016A000000ZZZZAAA", {"Name": "x"})
    with pytest.raises(SalesforceResourceNotFound):
        org.sf.Account.delete("0016A000000ZZZZAAA")
