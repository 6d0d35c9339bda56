"""Record types an admin defines: the ``RecordType`` sObject, the describe's ``recordTypeInfos`` shaped like
the recorded describes, ``RecordTypeId`` on insert/upsert (REST and Bulk) with the documented refusal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from sandbox.salesforce.metadata.describe import MASTER_RECORD_TYPE_ID
from tests.sandbox_salesforce.helpers import NS, OrgHandle, run_job


@pytest.fixture(scope="module")
def typed(org: OrgHandle) -> dict[str, str]:
    """Case record types Repair (default) and Install, an inactive Legacy, and Account's Household."""
    ids = {}
    for body in (
        {"object": "Case", "developer_name": "Repair", "default": True},
        {"object": "Case", "developer_name": "Install", "name": "Installation"},
        {"object": "Case", "developer_name": "Legacy", "active": False},
        {"object": "Account", "developer_name": "Household"},
    ):
        ids[body["developer_name"]] = org.admin("POST", "/automation/record_types", body)["id"]
    return ids


def test_record_type_sobject(org: OrgHandle, typed: dict[str, str]) -> None:
    found = org.sf.query(
        "SELECT Id, DeveloperName, Name, SobjectType, IsActive FROM RecordType "
        "WHERE SobjectType = 'Case' ORDER BY DeveloperName"
    )
    assert [(r["Id"], r["DeveloperName"], r["Name"], r["IsActive"]) for r in found["records"]] == [
        (typed["Install"], "Install", "Installation", True),
        (typed["Legacy"], "Legacy", "Legacy", False),
        (typed["Repair"], "Repair", "Repair", True),
    ]


def test_describe_shows_record_type_infos_like_a_real_org(
    org: OrgHandle, typed: dict[str, str], shared_reference: Path
) -> None:
    ours = org.sf.Account.describe()
    path = shared_reference / "salesforce-describe" / "GET_sobjects_Account_describe.yaml"
    recorded = json.loads(yaml.safe_load(path.read_text())["response"]["body"]["string"])
    assert [sorted(i) for i in ours["recordTypeInfos"]] == [sorted(i) for i in recorded["recordTypeInfos"]]
    assert [
        (i["developerName"], i["defaultRecordTypeMapping"], i["master"]) for i in ours["recordTypeInfos"]
    ] == [
        (i["developerName"], i["defaultRecordTypeMapping"], i["master"]) for i in recorded["recordTypeInfos"]
    ]  # Household (the default) then Master, as the recorded org
    field = next(f for f in ours["fields"] if f["name"] == "RecordTypeId")
    want = next(f for f in recorded["fields"] if f["name"] == "RecordTypeId")
    keys = ("type", "referenceTo", "relationshipName", "nillable", "createable", "updateable", "label")
    assert {k: field[k] for k in keys} == {k: want[k] for k in keys}
    case = {i["developerName"]: i for i in org.sf.Case.describe()["recordTypeInfos"]}
    assert case["Repair"]["defaultRecordTypeMapping"] and not case["Master"]["defaultRecordTypeMapping"]
    assert (case["Legacy"]["active"], case["Legacy"]["available"]) == (False, False)
    assert case["Master"]["recordTypeId"] == MASTER_RECORD_TYPE_ID
    assert "RecordTypeId" not in {f["name"] for f in org.sf.Contact.describe()["fields"]}


def test_insert_takes_a_valid_record_type_or_the_default(org: OrgHandle, typed: dict[str, str]) -> None:
    given = org.sf.Case.create({"Subject": "Fit boiler", "RecordTypeId": typed["Install"]})["id"]
    default = org.sf.Case.create({"Subject": "Fix tap"})["id"]
    rows = org.sf.query(
        f"SELECT Id, RecordTypeId, RecordType.DeveloperName FROM Case WHERE Id IN ('{given}', '{default}') "
        "ORDER BY Subject"
    )["records"]
    assert [(r["Id"], r["RecordType"]["DeveloperName"]) for r in rows] == [
        (given, "Install"),
        (default, "Repair"),
    ]


@pytest.mark.parametrize("which", ["Legacy", "Household"])
def test_inactive_or_other_objects_record_type_is_refused(
    org: OrgHandle, typed: dict[str, str], which: str
) -> None:
    resp = org.raw("POST", "/sobjects/Case", json={"Subject": "x", "RecordTypeId": typed[which]})
    assert resp.status_code == 400
    assert resp.json() == [
        {
            "message": f"Record Type ID: this ID value isn't valid for the user: {typed[which]}",
            "errorCode": "INVALID_CROSS_REFERENCE_KEY",
            "fields": ["RecordTypeId"],
        }
    ]


def test_upsert_and_bulk_carry_record_types(org: OrgHandle, typed: dict[str, str]) -> None:
    resp = org.raw(
        "PATCH",
        "/sobjects/Case/Dispatch_Pro_Id__c/job:1",
        json={"Subject": "a", "RecordTypeId": typed["Install"]},
    )
    assert resp.status_code == 201
    # an update leaves the record type alone unless it is given
    assert (
        org.raw("PATCH", "/sobjects/Case/Dispatch_Pro_Id__c/job:1", json={"Subject": "b"}).status_code == 200
    )
    rec = org.sf.Case.get_by_custom_id("Dispatch_Pro_Id__c", "job:1")
    assert rec["RecordTypeId"] == typed["Install"]
    csv = (
        "Dispatch_Pro_Id__c,Subject,RecordTypeId\n"
        f"job:2,ok,{typed['Repair']}\njob:3,bad,{typed['Legacy']}\njob:4,default,\n"
    )
    info, results = run_job(
        org,
        {
            "object": "Case",
            "operation": "upsert",
            "externalIdFieldName": "Dispatch_Pro_Id__c",
            "lineEnding": "LF",
        },
        csv,
    )
    assert info["numberRecordsFailed"] == 1
    assert results["failedResults"][0]["sf__Error"] == (
        "INVALID_CROSS_REFERENCE_KEY:Record Type ID: this ID value isn't valid for the user: "
        f"{typed['Legacy']}:RecordTypeId --"
    )
    found = org.sf.query(
        "SELECT Dispatch_Pro_Id__c, RecordType.DeveloperName FROM Case "
        "WHERE Dispatch_Pro_Id__c IN ('job:2', 'job:4') ORDER BY Dispatch_Pro_Id__c"
    )["records"]
    assert [r["RecordType"]["DeveloperName"] for r in found] == ["Repair", "Repair"]


def record_type_xml(name: str, label: str, active: bool = True) -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<RecordType {NS}><fullName>{name}</fullName>'
        f"<active>{str(active).lower()}</active><label>{label}</label></RecordType>"
    )


def test_record_types_by_sfdx_deploy(org: OrgHandle, typed: dict[str, str]) -> None:
    bad = org.deploy(
        {
            "objects/Location__c/recordTypes/Site.recordType-meta.xml": record_type_xml("Site", "Site"),
            "objects/Nowhere__c/recordTypes/X.recordType-meta.xml": record_type_xml("X", "X"),
        }
    )
    assert bad["success"] is False
    assert [p["fullName"] for p in bad["problems"]] == ["Nowhere__c.X"]
    assert org.sf.query("SELECT Id FROM RecordType WHERE SobjectType = 'Location__c'")["totalSize"] == 0
    good = org.deploy(
        {"objects/Location__c/recordTypes/Site.recordType-meta.xml": record_type_xml("Site", "Work site")}
    )
    assert good["success"], good["problems"]
    assert [(c["componentType"], c["fullName"], c["created"]) for c in good["components"]] == [
        ("RecordType", "Location__c.Site", True)
    ]
    infos = {i["developerName"]: i for i in org.sf.Location__c.describe()["recordTypeInfos"]}
    assert infos["Site"]["name"] == "Work site" and infos["Site"]["defaultRecordTypeMapping"] is True
