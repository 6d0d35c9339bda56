"""The org's own automation and setup, as definitions an admin call makes: Apex triggers, record-triggered
flows, workflow rules, Case assignment and auto-response rules, duplicate rules, record types.

Nothing here runs Apex or a flow: a definition only makes the component visible the way a real org shows it
(data API: ApexTrigger, FlowDefinitionView, AssignmentRule, DuplicateRule, MatchingRule, RecordType; Tooling
API: ``tooling.py``). Duplicate rules and record types are also enforced on save (``duplicates.py``,
``record_types.py``). The definitions live in the store's metadata (``automation``), so a reset removes them
with everything else; the data-API tables are rewritten from them after every change.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sandbox.salesforce import setup_objects
from sandbox.salesforce.errors import SFError
from sandbox.salesforce.store import q
from sandbox.salesforce.values import now_iso

if TYPE_CHECKING:
    from sandbox.salesforce.org import Org

KINDS = (
    "triggers",
    "flows",
    "workflow_rules",
    "assignment_rules",
    "auto_response_rules",
    "duplicate_rules",
    "record_types",
)
TRIGGER_EVENTS = {
    "before insert": "UsageBeforeInsert",
    "after insert": "UsageAfterInsert",
    "before update": "UsageBeforeUpdate",
    "after update": "UsageAfterUpdate",
    "before delete": "UsageBeforeDelete",
    "after delete": "UsageAfterDelete",
    "after undelete": "UsageAfterUndelete",
}
FLOW_TRIGGER_TYPES = {
    "RecordBeforeSave",
    "RecordAfterSave",
    "RecordBeforeDelete",
    "Scheduled",
    "PlatformEvent",
}
RECORD_TRIGGER_TYPES = {"Create", "Update", "CreateAndUpdate", "Delete"}
API_VERSION = 62.0
# MatchingRuleItem.MatchingMethod of a fuzzy rule's fields (the fuzzy methods the object reference lists)
FUZZY_METHODS = {
    "Name": "CompanyName",
    "FirstName": "FirstName",
    "LastName": "LastName",
    "Phone": "Phone",
    "MobilePhone": "Phone",
    "Title": "Title",
    **{f"{p}City": "City" for p in ("Billing", "Shipping", "Mailing")},
    **{f"{p}Street": "Street" for p in ("Billing", "Shipping", "Mailing")},
    **{f"{p}PostalCode": "Zip" for p in ("Billing", "Shipping", "Mailing")},
}


def bad(message: str) -> SFError:
    return SFError(400, "INVALID_INPUT", message)


# -- the stored definitions --------------------------------------------------------------------------------
def load(org: Org) -> dict[str, list[dict]]:
    """Every definition by kind (a copy: change it and ``save`` it)."""
    data = org.store.get_meta("automation", {}) or {}
    return {kind: copy.deepcopy(data.get(kind, [])) for kind in KINDS}


def of_kind(org: Org, kind: str, object_name: str | None = None) -> list[dict]:
    """The definitions of one kind (of one object)."""
    items = (org.store.get_meta("automation", {}) or {}).get(kind, [])
    if object_name is None:
        return items
    return [d for d in items if d["object"].lower() == object_name.lower()]


def save(org: Org, data: dict[str, list[dict]]) -> None:
    """Keep the definitions and rewrite the data-API setup tables from them."""
    with org.write_lock:
        org.store.set_meta("automation", data)
        materialize(org, data)


def new_id(org: Org, prefix: str) -> str:
    """A new record id of a setup object (the same counters the writer uses)."""
    return org.new_id(prefix, org.store.next_counter("id:" + prefix))


def upsert(org: Org, kind: str, definition: dict, key: Callable[[dict], Any]) -> dict:
    """Add ``definition`` (or replace the one with the same key, keeping its ids); returns it."""
    with org.write_lock:
        data = load(org)
        items = data[kind]
        old = next((d for d in items if key(d) == key(definition)), None)
        if old is not None:
            for id_key in ("id", "definition_id", "matching_rule_id", "created"):
                if id_key in old:
                    definition[id_key] = old[id_key]
            items[items.index(old)] = definition
        else:
            items.append(definition)
        save(org, data)
    return definition


def object_of(org: Org, name: Any) -> Any:
    """The ObjectDef an admin body names, or 400."""
    obj = org.registry.get(str(name or ""))
    if obj is None:
        raise bad(f"unknown object {name!r}")
    return obj


# -- definitions from admin bodies -------------------------------------------------------------------------
def define_trigger(org: Org, body: dict) -> dict:
    """``{object, name, events: ["before insert", ...], status: Active|Inactive, body}``."""
    obj = object_of(org, body.get("object"))
    name = str(body.get("name") or "")
    events = [str(e).lower() for e in body.get("events") or []]
    unknown = [e for e in events if e not in TRIGGER_EVENTS]
    if not name or not events or unknown:
        raise bad(f"a trigger needs a name and events from {sorted(TRIGGER_EVENTS)}; unknown: {unknown}")
    status = str(body.get("status", "Active"))
    if status not in {"Active", "Inactive"}:
        raise bad("status must be Active or Inactive")
    text = str(body.get("body") or f"trigger {name} on {obj.name} ({', '.join(events)}) {{ }}")
    definition = {"id": new_id(org, "01q"), "object": obj.name, "name": name, "events": events}
    definition.update({"status": status, "body": text, "created": now_iso()})
    return upsert(org, "triggers", definition, lambda d: d["name"].lower())


def define_flow(org: Org, body: dict) -> dict:
    """``{object, api_name, label, trigger_type, record_trigger_type, active, process_type, description}``."""
    obj = object_of(org, body.get("object"))
    api_name = str(body.get("api_name") or "")
    trigger_type = str(body.get("trigger_type", "RecordAfterSave"))
    record_trigger = body.get("record_trigger_type", "CreateAndUpdate")
    if not api_name or trigger_type not in FLOW_TRIGGER_TYPES:
        raise bad(f"a flow needs an api_name and a trigger_type from {sorted(FLOW_TRIGGER_TYPES)}")
    if record_trigger is not None and record_trigger not in RECORD_TRIGGER_TYPES:
        raise bad(f"record_trigger_type must be one of {sorted(RECORD_TRIGGER_TYPES)}")
    definition = {
        "id": new_id(org, "301"),
        "definition_id": new_id(org, "300"),
        "object": obj.name,
        "api_name": api_name,
        "label": str(body.get("label") or api_name.replace("_", " ")),
        "process_type": str(body.get("process_type", "AutoLaunchedFlow")),
        "trigger_type": trigger_type,
        "record_trigger_type": record_trigger,
        "active": bool(body.get("active", True)),
        "description": body.get("description"),
        "created": now_iso(),
    }
    return upsert(org, "flows", definition, lambda d: d["api_name"].lower())


def define_rule(org: Org, kind: str, body: dict) -> dict:
    """A workflow, assignment or auto-response rule: ``{object, name, active, description}``."""
    obj = object_of(org, body.get("object"))
    name = str(body.get("name") or "")
    if not name:
        raise bad("a rule needs a name")
    if kind in {"assignment_rules", "auto_response_rules"} and obj.name != "Case":
        raise bad(f"{kind.replace('_', ' ')} exist for Case (and Lead, which this org does not have)")
    definition = {"id": new_id(org, "01Q"), "object": obj.name, "name": name}
    definition.update(
        {
            "active": bool(body.get("active", True)),
            "description": body.get("description"),
            "created": now_iso(),
        }
    )
    return upsert(org, kind, definition, lambda d: (d["object"].lower(), d["name"].lower()))


# -- the data-API tables -----------------------------------------------------------------------------------
def _system(org: Org, created: str | None) -> dict[str, Any]:
    stamp = created or now_iso()
    user = org.user_id
    return {
        "CreatedDate": stamp,
        "CreatedById": user,
        "LastModifiedDate": stamp,
        "LastModifiedById": user,
        "SystemModstamp": stamp,
        "IsDeleted": 0,
    }


def trigger_row(org: Org, d: dict) -> dict[str, Any]:
    """The ApexTrigger row of a trigger definition (both APIs)."""
    obj = org.registry.get(d["object"])
    row = {
        "Id": d["id"],
        "Name": d["name"],
        "TableEnumOrId": setup_objects.entity_id(obj) if obj else d["object"],
        "ApiVersion": API_VERSION,
        "Status": d["status"],
        "IsValid": 1,
        "Body": d["body"],
        "LengthWithoutComments": len(d["body"]),
        "UsageIsBulk": 1,
        **{col: int(event in d["events"]) for event, col in TRIGGER_EVENTS.items()},
    }
    return {**_system(org, d.get("created")), **row}


def _rows(org: Org, data: dict[str, list[dict]]) -> dict[str, list[dict[str, Any]]]:
    rows: dict[str, list[dict[str, Any]]] = {
        n: []
        for n in ("ApexTrigger", "FlowDefinitionView", "AssignmentRule", "DuplicateRule", "MatchingRule")
    }
    rows["RecordType"], rows["MatchingRuleItem"] = [], []
    for d in data["triggers"]:
        rows["ApexTrigger"].append(trigger_row(org, d))
    for d in data["flows"]:
        obj = org.registry.get(d["object"])
        rows["FlowDefinitionView"].append(
            {
                **_system(org, d.get("created")),
                "Id": d["definition_id"],
                "ApiName": d["api_name"],
                "Label": d["label"],
                "Description": d.get("description"),
                "DurableId": d["definition_id"],
                "ActiveVersionId": d["id"] if d["active"] else None,
                "LatestVersionId": d["id"],
                "Builder": "Flow Builder",
                "ProcessType": d["process_type"],
                "TriggerType": d["trigger_type"],
                "RecordTriggerType": d["record_trigger_type"],
                "TriggerObjectOrEventId": setup_objects.entity_id(obj) if obj else d["object"],
                "TriggerObjectOrEventLabel": obj.label if obj else d["object"],
                "IsActive": int(d["active"]),
                "IsOutOfDate": 0,
                "IsTemplate": 0,
            }
        )
    for d in data["assignment_rules"]:
        rows["AssignmentRule"].append(
            {
                **_system(org, d.get("created")),
                "Id": d["id"],
                "Name": d["name"],
                "SobjectType": d["object"],
                "Active": int(d["active"]),
            }
        )
    for d in data["duplicate_rules"]:
        base = {**_system(org, d.get("created")), "SobjectType": d["object"]}
        rows["DuplicateRule"].append(
            {
                **base,
                "Id": d["id"],
                "DeveloperName": d["developer_name"],
                "MasterLabel": d["label"],
                "IsActive": int(d["active"]),
                "Language": "en_US",
            }
        )
        rows["MatchingRule"].append(
            {
                **base,
                "Id": d["matching_rule_id"],
                "DeveloperName": d["matching_rule"],
                "MasterLabel": d["label"] + " (matching rule)",
                "RuleStatus": "Active" if d["active"] else "Inactive",
                "MatchEngine": "FuzzyMatchEngine" if d["match"] == "fuzzy" else "ExactMatchEngine",
                "Description": "Matches on " + ", ".join(d["fields"]),
            }
        )
        for n, (name, item_id) in enumerate(zip(d["fields"], d["item_ids"], strict=True), start=1):
            rows["MatchingRuleItem"].append(
                {
                    **_system(org, d.get("created")),
                    "Id": item_id,
                    "MatchingRuleId": d["matching_rule_id"],
                    "Field": name,
                    "MatchingMethod": FUZZY_METHODS.get(name, "Exact") if d["match"] == "fuzzy" else "Exact",
                    "BlankValueBehavior": "NullNotAllowed",
                    "SortOrder": n,
                }
            )
    for d in data["record_types"]:
        rows["RecordType"].append(
            {
                **_system(org, d.get("created")),
                "Id": d["id"],
                "Name": d["name"],
                "DeveloperName": d["developer_name"],
                "Description": d.get("description"),
                "SobjectType": d["object"],
                "IsActive": int(d["active"]),
                "IsPersonType": int(bool(d.get("person"))),
            }
        )
    return rows


def materialize(org: Org, data: dict[str, list[dict]]) -> None:
    """Rewrite the data-API setup tables (ApexTrigger, FlowDefinitionView, ...) from the definitions."""
    setup_objects.upgrade(org)  # an org saved before these objects existed
    with org.store.transaction() as conn:
        for table, rows in _rows(org, data).items():
            columns = set(org.store.columns(table))
            conn.execute(f"DELETE FROM {q(table)}")
            for row in rows:
                cols = [c for c in row if c in columns]
                conn.execute(
                    f"INSERT INTO {q(table)} ({', '.join(q(c) for c in cols)}) "
                    f"VALUES ({', '.join('?' * len(cols))})",
                    [row[c] for c in cols],
                )
