"""The org's automation as a real org shows it: Tooling API queries (ApexTrigger, ValidationRule,
WorkflowRule, Flow, AutoResponseRule, EntityDefinition) and the data API's setup objects (ApexTrigger,
FlowDefinitionView, AssignmentRule), over HTTPS with simple-salesforce, as the gates and the pre-scan read
them."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from expectations.org import read_validation_rules
from tests.sandbox_salesforce.helpers import NS, OrgHandle

RULE = (
    f'<?xml version="1.0" encoding="UTF-8"?>\n<ValidationRule {NS}><fullName>Subject_Required</fullName>'
    "<active>true</active><errorConditionFormula>ISBLANK(Subject)</errorConditionFormula>"
    "<errorDisplayField>Subject</errorDisplayField><errorMessage>A job needs a subject</errorMessage>"
    "</ValidationRule>"
)
INACTIVE = RULE.replace("Subject_Required", "Old_Rule").replace("<active>true", "<active>false")


def tooling(org: OrgHandle, soql: str) -> dict:
    return org.sf.toolingexecute("query/?q=" + quote(soql))


@pytest.fixture(scope="module")
def automated(org: OrgHandle) -> OrgHandle:
    """The module's org with a validation rule (and an inactive one) deployed and automation defined."""
    result = org.deploy(
        {
            "objects/Case/validationRules/Subject_Required.validationRule-meta.xml": RULE,
            "objects/Case/validationRules/Old_Rule.validationRule-meta.xml": INACTIVE,
        }
    )
    assert result["success"], result["problems"]
    org.admin(
        "POST",
        "/automation/triggers",
        {"object": "Case", "name": "CaseTrigger", "events": ["before insert", "after update"]},
    )
    org.admin(
        "POST",
        "/automation/triggers",
        {
            "object": "Location__c",
            "name": "LocationTrigger",
            "events": ["after insert"],
            "status": "Inactive",
        },
    )
    org.admin(
        "POST",
        "/automation/flows",
        {"object": "Account", "api_name": "Account_Owner_Sync", "trigger_type": "RecordAfterSave"},
    )
    org.admin("POST", "/automation/flows", {"object": "Case", "api_name": "Case_Draft_Flow", "active": False})
    org.admin("POST", "/automation/workflow_rules", {"object": "Case", "name": "Notify customer"})
    org.admin("POST", "/automation/workflow_rules", {"object": "Account", "name": "Welcome email"})
    org.admin("POST", "/automation/assignment_rules", {"object": "Case", "name": "Route jobs"})
    org.admin("POST", "/automation/auto_response_rules", {"object": "Case", "name": "Ack email"})
    return org


def test_gates_read_the_deployed_validation_rules(automated: OrgHandle) -> None:
    rules, notes = read_validation_rules(automated.sf, ["Case", "Account"])
    assert notes == []
    assert [(r.object, r.name, r.formula, r.message, r.display_field) for r in rules] == [
        ("Case", "Subject_Required", "ISBLANK(Subject)", "A job needs a subject", "Subject")
    ]


def test_validation_rule_query_joins_entity_definition(automated: OrgHandle) -> None:
    found = tooling(
        automated,
        "SELECT Id, ValidationName, Active, ErrorMessage, EntityDefinition.QualifiedApiName "
        "FROM ValidationRule WHERE EntityDefinition.QualifiedApiName = 'Case' ORDER BY ValidationName",
    )
    assert found["totalSize"] == 2
    rows = [
        (r["ValidationName"], r["Active"], r["EntityDefinition"]["QualifiedApiName"])
        for r in found["records"]
    ]
    assert rows == [("Old_Rule", False, "Case"), ("Subject_Required", True, "Case")]
    assert found["records"][0]["attributes"]["url"].startswith(
        "/services/data/v62.0/tooling/sobjects/ValidationRule/"
    )


def test_metadata_and_full_name_need_a_single_row(automated: OrgHandle) -> None:
    resp = automated.raw(
        "GET", "/tooling/query/", params={"q": "SELECT Id, FullName, Metadata FROM ValidationRule"}
    )
    assert resp.status_code == 400
    assert resp.json()[0]["errorCode"] == "MALFORMED_QUERY"
    assert "no more than one row" in resp.json()[0]["message"]
    one = tooling(
        automated, "SELECT FullName, Metadata FROM ValidationRule WHERE ValidationName = 'Subject_Required'"
    )
    assert one["records"][0]["FullName"] == "Case.Subject_Required"
    assert one["records"][0]["Metadata"]["errorConditionFormula"] == "ISBLANK(Subject)"


def test_apex_triggers_in_both_apis(automated: OrgHandle) -> None:
    found = tooling(
        automated,
        "SELECT Name, TableEnumOrId, Status, UsageBeforeInsert, UsageAfterInsert, UsageAfterUpdate, "
        "EntityDefinitionId FROM ApexTrigger WHERE TableEnumOrId = 'Case'",
    )
    assert [
        (r["Name"], r["Status"], r["UsageBeforeInsert"], r["UsageAfterInsert"], r["UsageAfterUpdate"])
        for r in found["records"]
    ] == [("CaseTrigger", "Active", True, False, True)]
    data = automated.sf.query("SELECT Name, TableEnumOrId, Status FROM ApexTrigger ORDER BY Name")
    assert [(r["Name"], r["Status"]) for r in data["records"]] == [
        ("CaseTrigger", "Active"),
        ("LocationTrigger", "Inactive"),
    ]
    # a custom object's trigger names the object by its CustomObject id, as EntityDefinition.DurableId
    custom = data["records"][1]["TableEnumOrId"]
    assert custom.startswith("01I") and len(custom) == 15
    entity = tooling(automated, f"SELECT QualifiedApiName FROM EntityDefinition WHERE DurableId = '{custom}'")
    assert entity["records"][0]["QualifiedApiName"] == "Location__c"


def test_record_triggered_flows(automated: OrgHandle) -> None:
    views = automated.sf.query(
        "SELECT ApiName, ProcessType, TriggerType, RecordTriggerType, TriggerObjectOrEventLabel, IsActive "
        "FROM FlowDefinitionView WHERE IsActive = true"
    )
    assert [
        (
            r["ApiName"],
            r["ProcessType"],
            r["TriggerType"],
            r["RecordTriggerType"],
            r["TriggerObjectOrEventLabel"],
        )
        for r in views["records"]
    ] == [("Account_Owner_Sync", "AutoLaunchedFlow", "RecordAfterSave", "CreateAndUpdate", "Account")]
    flows = tooling(
        automated, "SELECT Id, Definition.DeveloperName, ProcessType, Status FROM Flow ORDER BY MasterLabel"
    )
    assert [(r["Definition"]["DeveloperName"], r["Status"]) for r in flows["records"]] == [
        ("Account_Owner_Sync", "Active"),
        ("Case_Draft_Flow", "Draft"),
    ]


def test_workflow_assignment_and_auto_response_rules(automated: OrgHandle) -> None:
    wf = tooling(automated, "SELECT Id, Name, TableEnumOrId FROM WorkflowRule WHERE TableEnumOrId = 'Case'")
    assert [r["Name"] for r in wf["records"]] == ["Notify customer"]
    one = automated.sf.toolingexecute(f"sobjects/WorkflowRule/{wf['records'][0]['Id'][:15]}")
    assert one["FullName"] == "Case.Notify customer" and one["Metadata"]["active"] is True
    assert one["Id"] == wf["records"][0]["Id"]
    assign = automated.sf.query(
        "SELECT Id, Name FROM AssignmentRule WHERE SobjectType = 'Case' AND Active = true"
    )
    assert [r["Name"] for r in assign["records"]] == ["Route jobs"]
    auto = tooling(automated, "SELECT Name, Active FROM AutoResponseRule")
    assert [(r["Name"], r["Active"]) for r in auto["records"]] == [("Ack email", True)]


def test_tooling_only_objects_are_not_in_the_data_api(automated: OrgHandle) -> None:
    resp = automated.raw("GET", "/query", params={"q": "SELECT Id FROM ValidationRule"})
    assert resp.status_code == 400 and resp.json()[0]["errorCode"] == "INVALID_TYPE"
    resp = automated.raw("GET", "/tooling/query", params={"q": "SELECT Id FROM Account"})
    assert resp.status_code == 400 and resp.json()[0]["errorCode"] == "INVALID_TYPE"


def test_tooling_describes_and_admin_listing(automated: OrgHandle) -> None:
    names = {o["name"] for o in automated.sf.toolingexecute("sobjects")["sobjects"]}
    assert {"ApexTrigger", "ValidationRule", "WorkflowRule", "Flow", "EntityDefinition"} <= names
    fields = {f["name"] for f in automated.sf.toolingexecute("sobjects/ValidationRule/describe")["fields"]}
    assert {"ValidationName", "Active", "EntityDefinitionId", "ErrorMessage", "Metadata"} <= fields
    missing = automated.raw("GET", "/tooling/sobjects/ValidationRule/03d000000000000AAA")
    assert missing.status_code == 404
    listed = automated.admin("GET", "/automation")
    assert [t["name"] for t in listed["triggers"]] == ["CaseTrigger", "LocationTrigger"]


def test_a_reset_removes_the_automation(automated: OrgHandle) -> None:
    automated.admin("POST", "/reset")
    assert automated.sf.query("SELECT Id FROM ApexTrigger")["totalSize"] == 0
    assert tooling(automated, "SELECT Id FROM WorkflowRule")["totalSize"] == 0
