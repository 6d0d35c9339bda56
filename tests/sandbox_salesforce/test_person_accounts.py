"""An org started with Person Accounts: Account's person fields and ``__pc`` fields in the describe, the
PersonAccount record type, person accounts created (REST and Bulk) with their person Contact, what a person or
business account may not take, updates and deletes reaching the person Contact."""

from __future__ import annotations

import pytest

from sandbox import control
from tests.sandbox_salesforce.helpers import OrgHandle, field_xml, manifest, run_job


@pytest.fixture(scope="module")
def porg(tmp_path_factory) -> OrgHandle:
    """A private org with Person Accounts, the test manifest and a custom Contact field deployed."""
    state = tmp_path_factory.mktemp("sf_person_org")
    endpoints = control.up(state, which=("salesforce",), person_accounts=True)["salesforce"]
    try:
        handle = OrgHandle(state, endpoints)
        files = manifest()
        files["objects/Contact/fields/Preferred_Time__c.field-meta.xml"] = field_xml(
            "Preferred_Time__c", "<label>Preferred time</label><length>40</length><type>Text</type>"
        )
        result = handle.deploy(files)
        assert result["success"], result["problems"]
        yield handle
    finally:
        control.down(state)


@pytest.fixture(scope="module")
def person_type(porg: OrgHandle) -> str:
    found = porg.sf.query(
        "SELECT Id, IsPersonType FROM RecordType "
        "WHERE SobjectType = 'Account' AND DeveloperName = 'PersonAccount'"
    )["records"]
    assert found and found[0]["IsPersonType"] is True
    return found[0]["Id"]


def test_describe_shows_person_fields(porg: OrgHandle, person_type: str) -> None:
    fields = {f["name"]: f for f in porg.sf.Account.describe()["fields"]}
    for name in ("IsPersonAccount", "PersonContactId", "FirstName", "LastName", "PersonEmail"):
        assert name in fields, name
    assert {"PersonMobilePhone", "PersonMailingStreet", "PersonMailingCity", "PersonMailingAddress"} <= set(
        fields
    )
    assert fields["IsPersonAccount"]["createable"] is False
    assert fields["PersonContactId"]["referenceTo"] == ["Contact"]
    assert fields["Preferred_Time__pc"]["type"] == "string"
    assert "Dispatch_Pro_Id__pc" in fields  # every custom Contact field, the external id too
    infos = {i["developerName"]: i for i in porg.sf.Account.describe()["recordTypeInfos"]}
    assert infos["PersonAccount"]["recordTypeId"] == person_type
    assert infos["Business_Account"]["defaultRecordTypeMapping"] is True
    assert "IsPersonAccount" in {f["name"] for f in porg.sf.Contact.describe()["fields"]}


def test_person_account_creates_its_person_contact(porg: OrgHandle, person_type: str) -> None:
    created = porg.sf.Account.create(
        {
            "RecordTypeId": person_type,
            "FirstName": "Ada",
            "LastName": "Lovelace",
            "PersonEmail": "ada@example.com",
            "PersonMailingCity": "London",
            "Preferred_Time__pc": "mornings",
            "Dispatch_Pro_Id__c": "customer:1",
        }
    )
    acc = porg.sf.query(
        "SELECT Id, Name, IsPersonAccount, PersonContactId, PersonEmail, PersonMailingCity, "
        f"Preferred_Time__pc FROM Account WHERE Id = '{created['id']}'"
    )["records"][0]
    assert (acc["Name"], acc["IsPersonAccount"], acc["PersonEmail"]) == (
        "Ada Lovelace",
        True,
        "ada@example.com",
    )
    contact = porg.sf.query(
        "SELECT Id, Name, AccountId, IsPersonAccount, Email, MailingCity, Preferred_Time__c FROM Contact "
        f"WHERE Id = '{acc['PersonContactId']}'"
    )["records"][0]
    assert (contact["Name"], contact["AccountId"], contact["IsPersonAccount"]) == (
        "Ada Lovelace",
        created["id"],
        True,
    )
    assert (contact["Email"], contact["MailingCity"], contact["Preferred_Time__c"]) == (
        "ada@example.com",
        "London",
        "mornings",
    )
    # an update of the account's person fields reaches the person Contact
    porg.sf.Account.update(created["id"], {"LastName": "King", "PersonEmail": "ada.king@example.com"})
    after = porg.sf.Contact.get(acc["PersonContactId"])
    assert (after["Name"], after["Email"]) == ("Ada King", "ada.king@example.com")
    assert porg.sf.Account.get(created["id"])["Name"] == "Ada King"
    # deleting the account takes the person Contact with it
    porg.sf.Account.delete(created["id"])
    gone = porg.sf.query_all(f"SELECT Id FROM Contact WHERE Id = '{acc['PersonContactId']}'")
    assert gone["totalSize"] == 0


def test_person_account_needs_last_name_not_name(porg: OrgHandle, person_type: str) -> None:
    no_last = porg.raw("POST", "/sobjects/Account", json={"RecordTypeId": person_type, "FirstName": "Solo"})
    assert no_last.status_code == 400
    assert no_last.json()[0] == {
        "message": "Required fields are missing: [LastName]",
        "errorCode": "REQUIRED_FIELD_MISSING",
        "fields": ["LastName"],
    }
    named = porg.raw(
        "POST", "/sobjects/Account", json={"RecordTypeId": person_type, "Name": "X", "LastName": "Y"}
    )
    assert named.status_code == 400 and named.json()[0]["fields"] == ["Name"]
    # a real org's words (dhoechst/Salesforce-Test-Factory#14; sorenkrabbe/Chrome-Salesforce-inspector#38)
    assert named.json()[0]["message"].startswith("Unable to create/update fields: Name.")
    made = porg.sf.Account.create({"RecordTypeId": person_type, "FirstName": "Ada", "LastName": "King"})
    unchanged = porg.raw("PATCH", f"/sobjects/Account/{made['id']}", json={"Name": "Ada King"})
    assert unchanged.status_code == 400
    assert unchanged.json()[0]["message"] == "Account: bad field names on insert/update call: Name"


def test_business_account_takes_no_person_field(porg: OrgHandle) -> None:
    ok = porg.sf.Account.create({"Name": "Acme Ltd"})
    rec = porg.sf.Account.get(ok["id"])
    assert (rec["IsPersonAccount"], rec["PersonContactId"]) == (False, None)
    bad = porg.raw("POST", "/sobjects/Account", json={"Name": "Acme 2", "PersonEmail": "a@example.com"})
    assert bad.status_code == 400
    assert (bad.json()[0]["errorCode"], bad.json()[0]["fields"]) == (
        "INVALID_FIELD_FOR_INSERT_UPDATE",
        ["PersonEmail"],
    )
    # sent at all, even empty (texei/texei-sfdx-plugin#51: "bad field names on insert/update call")
    empty = porg.raw("PATCH", f"/sobjects/Account/{ok['id']}", json={"FirstName": None})
    assert empty.status_code == 400
    assert empty.json()[0]["message"] == "Account: bad field names on insert/update call: FirstName"


def test_bulk_upsert_of_person_accounts(porg: OrgHandle, person_type: str) -> None:
    csv = (
        "Dispatch_Pro_Id__c,RecordTypeId,FirstName,LastName,PersonMobilePhone\n"
        f"customer:10,{person_type},Grace,Hopper,555-0100\n"
        f"customer:11,{person_type},Alan,,555-0101\n"
    )
    info, results = run_job(
        porg,
        {
            "object": "Account",
            "operation": "upsert",
            "externalIdFieldName": "Dispatch_Pro_Id__c",
            "lineEnding": "LF",
        },
        csv,
    )
    assert info["numberRecordsFailed"] == 1
    assert results["failedResults"][0]["sf__Error"] == (
        "REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --"
    )
    rows = porg.sf.query(
        "SELECT Name, PersonContactId, PersonContact.MobilePhone FROM Account "
        "WHERE Dispatch_Pro_Id__c = 'customer:10'"
    )["records"]
    assert rows[0]["Name"] == "Grace Hopper"
    assert rows[0]["PersonContact"]["MobilePhone"] == "555-0100"
