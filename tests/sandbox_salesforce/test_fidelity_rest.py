"""REST as Salesforce documents it (issue 8, items 3-7): compound fields, composite resources, validation
rules, files linked to their owner, DUPLICATE_VALUE for a second link of one document to one record."""

from __future__ import annotations

import base64

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest

from tests.sandbox_salesforce.helpers import field_xml, run_job

ADDRESS_KEYS = {
    "city",
    "country",
    "geocodeAccuracy",
    "latitude",
    "longitude",
    "postalCode",
    "state",
    "street",
}


# -- item 4: compound fields ----------------------------------------------------------------------------
def test_addresses_come_back_structured_in_rest_and_soql(org):
    acct = org.sf.Account.create(
        {
            "Name": "Compound",
            "BillingStreet": "1 Main St",
            "BillingCity": "Austin",
            "BillingPostalCode": "78701",
        }
    )["id"]
    rec = org.sf.Account.get(acct)
    assert set(rec["BillingAddress"]) == ADDRESS_KEYS
    assert rec["BillingAddress"]["city"] == "Austin" and rec["BillingAddress"]["street"] == "1 Main St"
    assert rec["ShippingAddress"] is None  # every component empty
    rows = org.sf.query(f"SELECT Name, BillingAddress, ShippingAddress FROM Account WHERE Id = '{acct}'")
    got = rows["records"][0]
    assert got["BillingAddress"]["postalCode"] == "78701" and got["ShippingAddress"] is None
    contact = org.sf.Contact.create({"LastName": "Mail", "MailingCity": "Reno", "AccountId": acct})["id"]
    row = org.sf.query(f"SELECT MailingAddress, Account.BillingAddress FROM Contact WHERE Id = '{contact}'")
    got = row["records"][0]
    assert got["MailingAddress"]["city"] == "Reno" and got["Account"]["BillingAddress"]["city"] == "Austin"


def test_compound_fields_are_read_only_and_not_in_bulk_queries(org):
    with pytest.raises(SalesforceMalformedRequest) as exc:
        org.sf.Account.create({"Name": "X", "BillingAddress": {"city": "Nope"}})
    assert exc.value.content[0]["errorCode"] == "INVALID_FIELD"
    resp = org.raw(
        "POST", "/jobs/query", json={"operation": "query", "query": "SELECT Id, BillingAddress FROM Account"}
    )
    assert resp.status_code == 400
    assert resp.json()[0] == {
        "message": "Selecting compound data not supported in Bulk Query",
        "errorCode": "FUNCTIONALITY_NOT_ENABLED",
        "fields": [],
    }


def test_geolocation_compound_from_a_deployed_field(org):
    result = org.deploy(
        {
            "objects/Location__c/fields/Geo__c.field-meta.xml": field_xml(
                "Geo__c",
                "<label>Geo</label><type>Location</type><scale>6</scale>"
                "<displayLocationInDecimal>true</displayLocationInDecimal>",
            )
        }
    )
    assert result["success"], result["problems"]
    loc = org.sf.Location__c.create({"Name": "Geo", "Geo__Latitude__s": 30.25, "Geo__Longitude__s": -97.75})[
        "id"
    ]
    assert org.sf.Location__c.get(loc)["Geo__c"] == {"latitude": 30.25, "longitude": -97.75}
    row = org.sf.query(f"SELECT Geo__c FROM Location__c WHERE Id = '{loc}'")["records"][0]
    assert row["Geo__c"] == {"latitude": 30.25, "longitude": -97.75}


# -- item 5: composite resources -------------------------------------------------------------------------
def test_collections_upsert_by_external_id(org):
    body = {
        "allOrNone": False,
        "records": [
            {"attributes": {"type": "Account"}, "Name": "Coll 1", "Dispatch_Pro_Id__c": "customer:coll1"},
            {"attributes": {"type": "Account"}, "Name": "Coll 2", "Dispatch_Pro_Id__c": "customer:coll2"},
        ],
    }
    first = org.raw("PATCH", "/composite/sobjects/Account/Dispatch_Pro_Id__c", json=body)
    assert first.status_code == 200, first.text
    assert [(r["success"], r["created"]) for r in first.json()] == [(True, True), (True, True)]
    body["records"][0]["Name"] = "Coll 1 again"
    body["records"][1]["Name"] = "x" * 300  # too long: this one fails, the other is updated
    second = org.raw("PATCH", "/composite/sobjects/Account/Dispatch_Pro_Id__c", json=body).json()
    assert second[0] == {"id": first.json()[0]["id"], "success": True, "errors": [], "created": False}
    assert second[1]["success"] is False and second[1]["errors"][0]["statusCode"] == "STRING_TOO_LONG"
    assert org.sf.Account.get(first.json()[0]["id"])["Name"] == "Coll 1 again"


def test_collections_upsert_all_or_none_rolls_back(org):
    body = {
        "allOrNone": True,
        "records": [
            {"attributes": {"type": "Account"}, "Name": "AON new", "Dispatch_Pro_Id__c": "customer:aon1"},
            {"attributes": {"type": "Account"}, "Dispatch_Pro_Id__c": "customer:aon2"},  # Name missing
        ],
    }
    out = org.raw("PATCH", "/composite/sobjects/Account/Dispatch_Pro_Id__c", json=body).json()
    assert out[0]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert out[1]["errors"][0]["statusCode"] == "REQUIRED_FIELD_MISSING"
    assert (
        org.sf.query("SELECT COUNT() FROM Account WHERE Dispatch_Pro_Id__c = 'customer:aon1'")["totalSize"]
        == 0
    )
    wrong = dict(body, records=[{"attributes": {"type": "Contact"}, "LastName": "x"}])
    resp = org.raw("PATCH", "/composite/sobjects/Account/Dispatch_Pro_Id__c", json=wrong)
    assert resp.status_code == 400 and resp.json()[0]["errorCode"] == "INVALID_TYPE"


def test_composite_with_references_and_all_or_none(org):
    ok = {
        "allOrNone": True,
        "compositeRequest": [
            {
                "method": "POST",
                "url": "/services/data/v62.0/sobjects/Account",
                "referenceId": "acct",
                "body": {"Name": "Comp"},
            },
            {
                "method": "POST",
                "url": "/services/data/v62.0/sobjects/Contact",
                "referenceId": "ct",
                "body": {"LastName": "Ref", "AccountId": "@{acct.id}"},
            },
            {
                "method": "GET",
                "url": "/services/data/v62.0/sobjects/Contact/@{ct.id}?fields=AccountId",
                "referenceId": "get",
            },
        ],
    }
    out = org.raw("POST", "/composite", json=ok).json()["compositeResponse"]
    assert [r["httpStatusCode"] for r in out] == [201, 201, 200]
    assert out[2]["body"]["AccountId"] == out[0]["body"]["id"]
    bad = {
        "allOrNone": True,
        "compositeRequest": [
            {
                "method": "POST",
                "url": "/services/data/v62.0/sobjects/Account",
                "referenceId": "a",
                "body": {"Name": "Gone"},
            },
            {
                "method": "POST",
                "url": "/services/data/v62.0/sobjects/Contact",
                "referenceId": "c",
                "body": {"AccountId": "@{a.id}"},
            },
        ],
    }
    out = org.raw("POST", "/composite", json=bad).json()["compositeResponse"]
    assert out[1]["httpStatusCode"] == 400 and out[1]["body"][0]["errorCode"] == "REQUIRED_FIELD_MISSING"
    assert out[0]["httpStatusCode"] == 400 and out[0]["body"][0]["errorCode"] == "PROCESSING_HALTED"
    assert org.sf.query("SELECT COUNT() FROM Account WHERE Name = 'Gone'")["totalSize"] == 0


def test_composite_batch_halts_on_error(org):
    body = {
        "haltOnError": True,
        "batchRequests": [
            {"method": "POST", "url": "v62.0/sobjects/Account", "richInput": {"Name": "Batch 1"}},
            {"method": "POST", "url": "v62.0/sobjects/Account", "richInput": {"Nope__c": 1}},
            {"method": "POST", "url": "v62.0/sobjects/Account", "richInput": {"Name": "Batch 3"}},
        ],
    }
    out = org.raw("POST", "/composite/batch", json=body).json()
    assert out["hasErrors"] is True
    assert [r["statusCode"] for r in out["results"]] == [201, 400, 412]
    assert out["results"][1]["result"][0]["errorCode"] == "INVALID_FIELD"
    assert out["results"][2]["result"][0]["errorCode"] == "BATCH_PROCESSING_HALTED"


# -- item 6: validation rules ------------------------------------------------------------------------------
def _rule(name: str, formula: str, message: str, field: str | None = None, active: bool = True) -> str:
    display = f"<errorDisplayField>{field}</errorDisplayField>" if field else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<ValidationRule xmlns="http://soap.sforce.com/2006/04/metadata">'
        f"<fullName>{name}</fullName><active>{str(active).lower()}</active>"
        f"<errorConditionFormula>{formula}</errorConditionFormula>{display}"
        f"<errorMessage>{message}</errorMessage></ValidationRule>"
    )


def test_validation_rules_are_enforced_in_rest_and_bulk(org):
    files = {
        "objects/Contact/validationRules/Email_Or_Phone.validationRule-meta.xml": _rule(
            "Email_Or_Phone", "AND(ISBLANK(Email), ISBLANK(Phone))", "Give an email or a phone."
        ),
        "objects/Contact/validationRules/Phone_Digits.validationRule-meta.xml": _rule(
            "Phone_Digits",
            'NOT(ISBLANK(Phone)) &amp;&amp; NOT(REGEX(Phone, "[0-9+() -]{7,20}"))',
            "Phone must be digits.",
            "Phone",
        ),
        "objects/Contact/validationRules/Off.validationRule-meta.xml": _rule(
            "Off", "LEN(LastName) &gt; 0", "never", active=False
        ),
    }
    result = org.deploy(files)
    assert result["success"], result["problems"]
    with pytest.raises(SalesforceMalformedRequest) as exc:
        org.sf.Contact.create({"LastName": "Nobody"})
    assert exc.value.content[0] == {
        "message": "Give an email or a phone.",
        "errorCode": "FIELD_CUSTOM_VALIDATION_EXCEPTION",
        "fields": [],
    }
    ok = org.sf.Contact.create({"LastName": "Reachable", "Email": "r@example.com"})["id"]
    with pytest.raises(SalesforceMalformedRequest) as exc:
        org.sf.Contact.update(ok, {"Phone": "call me"})
    assert exc.value.content[0]["fields"] == ["Phone"]
    info, res = run_job(
        org,
        {"object": "Contact", "operation": "insert", "lineEnding": "LF"},
        "LastName,Phone\nGood,555-123-4567\nBad,letters\n",
    )
    assert info["numberRecordsFailed"] == 1
    assert (
        res["failedResults"][0]["sf__Error"]
        == "FIELD_CUSTOM_VALIDATION_EXCEPTION:Phone must be digits.:Phone --"
    )
    # rules do not outlive the test module's other contacts: switch them off again
    off = {
        path: xml.replace("<active>true</active>", "<active>false</active>") for path, xml in files.items()
    }
    assert org.deploy(off)["success"]
    org.sf.Contact.create({"LastName": "Free again"})


def test_a_rule_outside_the_subset_is_refused_at_deploy(org):
    result = org.deploy(
        {
            "objects/Account/validationRules/Changed.validationRule-meta.xml": _rule(
                "Changed", "ISCHANGED(Name)", "no renames"
            )
        }
    )
    assert result["success"] is False
    problem = result["problems"][0]
    assert problem["fullName"] == "Account.Changed" and "ISCHANGED is not supported" in problem["problem"]
    bad_field = org.deploy(
        {"objects/Account/validationRules/Typo.validationRule-meta.xml": _rule("Typo", "ISBLANK(Nmae)", "x")}
    )
    assert (
        bad_field["success"] is False and "Field Nmae does not exist" in bad_field["problems"][0]["problem"]
    )
    org.sf.Account.create({"Name": "Still fine"})


# -- items 3 and 7: files ----------------------------------------------------------------------------------
def test_file_is_linked_to_record_and_owner_and_a_second_link_is_duplicate_value(org):
    account = org.sf.Account.create({"Name": "Files"})["id"]
    cv = org.sf.ContentVersion.create(
        {
            "Title": "Photo",
            "PathOnClient": "photo.txt",
            "VersionData": base64.b64encode(b"bytes").decode(),
            "FirstPublishLocationId": account,
        }
    )["id"]
    doc = org.sf.ContentVersion.get(cv)["ContentDocumentId"]
    links = org.sf.query(
        f"SELECT LinkedEntityId, ShareType FROM ContentDocumentLink WHERE ContentDocumentId = '{doc}'"
    )
    by_entity = {r["LinkedEntityId"]: r["ShareType"] for r in links["records"]}
    owner = org.sf.query("SELECT Id FROM User WHERE Email = 'integration@dp2sf.sandbox'")["records"][0]["Id"]
    assert by_entity == {account: "V", owner: "I"}
    with pytest.raises(SalesforceMalformedRequest) as exc:
        org.sf.ContentDocumentLink.create(
            {"ContentDocumentId": doc, "LinkedEntityId": account, "ShareType": "V"}
        )
    assert exc.value.content[0] == {
        "message": f"Document with ID: {doc} is already linked with the entity with ID: {account}",
        "errorCode": "DUPLICATE_VALUE",
        "fields": ["LinkedEntityId"],
    }
