"""What of the org's own automation fires on the objects we write (issue 20 §2): read, never changed.

Read the way a real org answers (each a list query; a failing read becomes a note, never a guess):
- Apex triggers: Tooling ``ApexTrigger`` (``Status = 'Active'``; ``TableEnumOrId`` is a standard object's name
  or a custom object's id, mapped through ``EntityDefinition.DurableId``;
  https://developer.salesforce.com/docs/platform/api-tooling/references/tooling-objects/tooling-apextrigger.html);
- record-triggered flows: data API ``FlowDefinitionView`` (``IsActive``, ``TriggerType`` RecordBeforeSave /
  RecordAfterSave / RecordBeforeDelete;
  https://developer.salesforce.com/docs/atlas.en-us.232.0.object_reference.meta/api/sforce_api_objects_flowdefinitionview.htm);
- workflow rules: Tooling ``WorkflowRule``, whose ``Metadata`` (active, actions) is read one rule at a time
  (https://developer.salesforce.com/docs/atlas.en-us.api_tooling.meta/api_tooling/tooling_api_objects_workflowrule.htm);
- validation rules: Tooling ``ValidationRule`` ``WHERE Active = true``
  (https://developer.salesforce.com/docs/atlas.en-us.api_tooling.meta/api_tooling/tooling_api_objects_validationrule.htm);
- duplicate rules: data API ``DuplicateRule`` (IsActive), their ``MatchingRule`` and ``MatchingRuleItem``
  fields
  (https://developer.salesforce.com/docs/platform/object-reference/references/standard-objects/object-matchingruleitem.html);
- Case assignment rules: data API ``AssignmentRule`` (Active;
  https://developer.salesforce.com/docs/platform/object-reference/references/standard-objects/object-assignmentrule.html)
  and auto-response rules: Tooling ``AutoResponseRule``
  (https://developer.salesforce.com/docs/atlas.en-us.264.0.api_tooling.meta/api_tooling/tooling_api_objects_autoresponserule.htm).

The usual bypass for a migration window is a custom permission the automation checks (``$Permission.X`` in a
formula or flow entry condition, ``FeatureManagement.checkPermission('X')`` in Apex), granted to the migration
user through a permission set for the window and removed after
(https://developer.salesforce.com/docs/atlas.en-us.apexref.meta/apexref/apex_class_System_FeatureManagement.htm).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from urllib.parse import quote_plus

from simple_salesforce.exceptions import SalesforceError

from core.quoting import soql_list

BYPASS = (
    "check a custom permission (e.g. Bypass_Automation) in it and grant that permission to the migration "
    "user through a permission set for the load window"
)
FLOW_EFFECT = {
    "RecordBeforeSave": "changes field values of the record before it is saved",
    "RecordAfterSave": "can create or update other records, send email alerts to customers, post, "
    "start approvals",
    "RecordBeforeDelete": "runs before a delete (a rollback)",
}
WORKFLOW_EFFECT = {
    "Alert": "sends email",
    "FieldUpdate": "changes field values",
    "Task": "creates tasks",
    "OutboundMessage": "calls out to another system",
    "FlowAction": "starts a flow",
}


@dataclass(frozen=True)
class Automation:
    """One piece of active automation on an object we write."""

    object: str
    kind: (
        str  # apex_trigger | flow | workflow_rule | validation_rule | duplicate_rule | assignment_rule | ...
    )
    name: str
    fires_on: str
    could_do: str
    bypass: str
    detail: str = ""

    def row(self) -> dict:
        return asdict(self)


def _tooling(sf, soql: str) -> list[dict]:
    return sf.toolingexecute(f"query/?q={quote_plus(soql)}").get("records", [])


def _data(sf, soql: str) -> list[dict]:
    return sf.query_all(soql).get("records", [])


def _entities(sf, objects: list[str]) -> dict[str, str]:
    """``DurableId`` (a custom object's id, a standard object's name) → API name, for ``objects``."""
    soql = "SELECT DurableId, QualifiedApiName FROM EntityDefinition WHERE QualifiedApiName IN "
    soql += f"({soql_list(objects)})"
    rows = _tooling(sf, soql)
    found = {r["DurableId"]: r["QualifiedApiName"] for r in rows}
    return {**{o: o for o in objects}, **found}


def _triggers(sf, entity: dict[str, str]) -> list[Automation]:
    out = []
    events = ("BeforeInsert", "AfterInsert", "BeforeUpdate", "AfterUpdate", "BeforeDelete", "AfterDelete")
    soql = (
        "SELECT Id, Name, TableEnumOrId, "
        + ", ".join(f"Usage{e}" for e in events)
        + " FROM ApexTrigger WHERE Status = 'Active'"
    )
    for r in _tooling(sf, soql):
        obj = entity.get(r.get("TableEnumOrId") or "")
        if obj:
            on = [e for e in events if r.get(f"Usage{e}")]
            out.append(
                Automation(
                    obj,
                    "apex_trigger",
                    r["Name"],
                    ", ".join(on) or "—",
                    "runs Apex on every row: may change values, write other records, send email, call "
                    "out, or refuse rows (addError)",
                    BYPASS,
                )
            )
    return out


def _flows(sf, entity: dict[str, str]) -> list[Automation]:
    soql = (
        "SELECT ApiName, Label, TriggerType, RecordTriggerType, TriggerObjectOrEventId "
        "FROM FlowDefinitionView WHERE IsActive = true"
    )
    out = []
    for r in _data(sf, soql):
        obj = entity.get(r.get("TriggerObjectOrEventId") or "")
        trigger = r.get("TriggerType") or ""
        if obj and trigger.startswith("Record"):
            fires = f"{trigger} ({r.get('RecordTriggerType') or 'any'})"
            effect = FLOW_EFFECT.get(trigger, "runs on save")
            out.append(
                Automation(
                    obj, "flow", r["ApiName"], fires, effect, BYPASS + " (in the flow's entry conditions)"
                )
            )
    return out


def _workflow(sf, entity: dict[str, str]) -> list[Automation]:
    out = []
    for r in _tooling(sf, "SELECT Id, Name, TableEnumOrId FROM WorkflowRule"):
        obj = entity.get(r.get("TableEnumOrId") or "")
        if not obj:
            continue
        meta = sf.toolingexecute(f"sobjects/WorkflowRule/{r['Id']}").get("Metadata") or {}
        if meta.get("active") is False:
            continue
        kinds = sorted({a.get("type", "") for a in meta.get("actions") or []} - {""})
        effect = "; ".join(WORKFLOW_EFFECT.get(k, k) for k in kinds) or "runs its actions"
        fires = meta.get("triggerType") or "on save"
        out.append(Automation(obj, "workflow_rule", r["Name"], fires, effect, BYPASS + " (in its criteria)"))
    return out


def _validation(sf, objects: set[str]) -> list[Automation]:
    soql = (
        "SELECT Id, ValidationName, EntityDefinition.QualifiedApiName, ErrorMessage FROM ValidationRule "
        "WHERE Active = true"
    )
    out = []
    for r in _tooling(sf, soql):
        obj = (r.get("EntityDefinition") or {}).get("QualifiedApiName")
        if obj in objects:
            out.append(
                Automation(
                    obj,
                    "validation_rule",
                    r["ValidationName"],
                    "insert, update",
                    "refuses rows (FIELD_CUSTOM_VALIDATION_EXCEPTION); the gates hold back the rows it would "
                    "refuse where its formula is readable",
                    BYPASS + " (NOT($Permission.Bypass_Automation) && ... in the formula)",
                    r.get("ErrorMessage") or "",
                )
            )
    return out


def _duplicates(sf, objects: set[str]) -> list[Automation]:
    rules = _data(sf, "SELECT Id, DeveloperName, SobjectType FROM DuplicateRule WHERE IsActive = true")
    matching = _data(sf, "SELECT Id, SobjectType, MatchEngine FROM MatchingRule WHERE RuleStatus = 'Active'")
    items = _data(sf, "SELECT MatchingRuleId, Field FROM MatchingRuleItem ORDER BY SortOrder")
    fields: dict[str, list[str]] = {}
    # the data API names no rule → matching rule link here: the object's active matching rules
    for m in matching:
        for i in items:
            if i["MatchingRuleId"] == m["Id"]:
                fields.setdefault(m["SobjectType"], []).append(i["Field"])
    out = []
    for r in rules:
        obj = r.get("SobjectType")
        if obj in objects:
            on = ", ".join(dict.fromkeys(fields.get(obj, []))) or "its matching rule's fields"
            out.append(
                Automation(
                    obj,
                    "duplicate_rule",
                    r["DeveloperName"],
                    "insert, update of a matched field",
                    f"refuses rows matching a saved {obj} on {on} (DUPLICATES_DETECTED)",
                    "merge the duplicate customers the pre-scan lists first; or add a rule condition "
                    "excluding the migration user (Current User) for the window",
                    on,
                )
            )
    return out


def _case_rules(sf, entity: dict[str, str], objects: set[str]) -> list[Automation]:
    out = []
    if "Case" not in objects:
        return out
    for r in _data(sf, "SELECT Id, Name, SobjectType FROM AssignmentRule WHERE Active = true"):
        if r.get("SobjectType") == "Case":
            out.append(
                Automation(
                    "Case",
                    "assignment_rule",
                    r["Name"],
                    "insert when assignment is asked for",
                    "changes the Case owner from the mapped one",
                    "the loader sends no assignmentRuleId (Bulk API 2.0 runs a rule only when a job "
                    "names it)",
                )
            )
    for r in _tooling(sf, "SELECT Id, Name, EntityDefinitionId FROM AutoResponseRule WHERE Active = true"):
        if entity.get(r.get("EntityDefinitionId") or "") == "Case":
            out.append(
                Automation(
                    "Case",
                    "auto_response_rule",
                    r["Name"],
                    "insert when auto-response is triggered",
                    "sends email to the customers of migrated Cases",
                    "deactivate it for the window, or keep its criteria off the migration user's records",
                )
            )
    return out


def read_automation(sf, objects: list[str]) -> tuple[list[Automation], list[str]]:
    """Active automation on ``objects`` (simple-salesforce client); notes name what could not be read."""
    wanted = set(objects)
    notes: list[str] = []
    try:
        entity = _entities(sf, objects)
    except (SalesforceError, OSError) as exc:
        entity = {o: o for o in objects}
        notes.append(
            f"EntityDefinition not read ({type(exc).__name__}): custom-object triggers may be missed"
        )
    readers = {
        "Apex triggers": lambda: _triggers(sf, entity),
        "record-triggered flows": lambda: _flows(sf, entity),
        "workflow rules": lambda: _workflow(sf, entity),
        "validation rules": lambda: _validation(sf, wanted),
        "duplicate rules": lambda: _duplicates(sf, wanted),
        "Case assignment and auto-response rules": lambda: _case_rules(sf, entity, wanted),
    }
    found: list[Automation] = []
    for label, read in readers.items():
        try:
            found.extend(read())
        except (SalesforceError, OSError) as exc:
            notes.append(f"{label} not read: the org did not answer ({type(exc).__name__})")
    found.sort(key=lambda a: (objects.index(a.object) if a.object in objects else 99, a.kind, a.name))
    return found, notes
