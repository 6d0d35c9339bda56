"""Which Salesforce Flow would rebuild a Dispatch Pro playbook, and which report a dashboard widget.

Salesforce retired Workflow Rules and Process Builder, so every rule targets Flow (Flow metadata names:
``processType`` AutoLaunchedFlow with ``triggerType`` RecordBeforeSave / RecordAfterSave / Scheduled,
``recordTriggerType`` Create / Update / CreateAndUpdate, ``scheduledPaths`` with ``offsetNumber``,
``offsetUnit`` and ``timeSource`` RecordTriggerEvent or RecordField):

- a record event (created, status changed, scheduled) → a **record-triggered flow** (before-save when the
  only action updates the record itself, after-save otherwise);
- a timer relative to a date field or to the event (SLA due minus 2 h, 3 days after completion, 15 min
  delay) → a **scheduled path** on that record-triggered flow;
- a calendar schedule (cron) → a **schedule-triggered flow** over the records that meet the conditions.

Actions with no Flow equivalent in Sales Cloud (route optimisation, technician auto-assignment, SMS) are
marked ``manual`` with what a person can use instead. Widgets become reports in the Analytics API's terms
(reportFormat TABULAR/SUMMARY/MATRIX, groupings, filters with its operators, aggregates RowCount / s! / a!)
and a dashboard component (https://developer.salesforce.com/docs/atlas.en-us.api_analytics.meta/
api_analytics/sforce_analytics_rest_api_getbasic_reportmetadata.htm).
"""

from __future__ import annotations

import re
from typing import Any

from mapping.rebuild_fields import FieldResolver

EVENTS = {
    "Created": "Create",
    "Scheduled": "Create",
    "Updated": "Update",
    "StatusChanged": "Update",
    "Completed": "Update",
}
FLOW_OPERATORS = {
    "equals": "EqualTo",
    "notEquals": "NotEqualTo",
    "in": "EqualTo",  # one condition per value, OR-ed
    "notIn": "NotEqualTo",  # one condition per value, AND-ed
    "greaterThan": "GreaterThan",
    "lessThan": "LessThan",
    "greaterOrEqual": "GreaterThanOrEqualTo",
    "lessOrEqual": "LessThanOrEqualTo",
    "contains": "Contains",
}
REPORT_OPERATORS = {
    "=": "equals", "!=": "notEqual", "<": "lessThan", ">": "greaterThan", "<=": "lessOrEqual",
    ">=": "greaterOrEqual", "contains": "contains",
}  # fmt: skip
ACTIONS: dict[str, tuple[str, bool, str]] = {  # type → (Flow element, manual?, note)
    "SendEmail": ("Action: Send Email (or an Email Alert with the template)", False, ""),
    "NotifyDispatcher": ("Action: Send Custom Notification", False, "create a Custom Notification Type"),
    "CreateTask": ("Create Records: Task (WhatId = the triggering record)", False, ""),
    "ChangePriority": ("Update Records: the triggering record", False, ""),
    "UpdateField": ("Update Records: the triggering record", False, ""),
    "SendSms": (
        "none in Sales Cloud",
        True,
        "Flow has no SMS action: use Digital Engagement (Messaging) or an AppExchange SMS action",
    ),
    "AssignTechnician": (
        "none in Sales Cloud",
        True,
        "technician auto-assignment is Dispatch Pro's optimiser: use Case assignment rules, Omni-Channel, or "
        "Field Service scheduling policies",
    ),
    "OptimizeRoute": (
        "none in Sales Cloud",
        True,
        "route optimisation does not carry over (the auto-dispatch flag and history do): Field Service "
        "Enhanced Scheduling and Optimization is the Salesforce product for it",
    ),
}
FORMATS = {"Tabular": "TABULAR", "Summary": "SUMMARY", "Matrix": "MATRIX"}
REPORT_TYPES = {  # Salesforce object → the report type that reports on it
    "Case": "CaseList (standard report type: Cases)",
    "Event": "Activity (standard report type: Tasks and Events)",
    "Invoice__c": "custom report type on Invoice__c (create it: Invoices with or without Invoice Lines)",
    "Account": "AccountList (standard report type: Accounts)",
    "User": "User (standard report type: Users)",
}


def offset(minutes: int) -> tuple[int, str]:
    """Minutes as Flow's (offsetNumber, offsetUnit): whole days or hours when they divide evenly."""
    for size, unit in ((1440, "Days"), (60, "Hours")):
        if minutes and minutes % size == 0:
            return minutes // size, unit
    return minutes, "Minutes"


def _condition(resolver: FieldResolver, dp_object: str, cond: dict) -> dict:
    op = cond.get("operator", "")
    raw = cond.get("value")
    values = raw if isinstance(raw, list) else [raw]
    res = resolver.field(dp_object, cond.get("field", ""))
    out: dict[str, Any] = {"source": cond, "field": res.field, "resolved_by": res.how, "notes": []}
    if res.note:
        out["notes"].append(res.note)
    if res.field:
        values, note = resolver.map_values(res.object, res.field, values)
        if note:
            out["notes"].append(note)
    if op in FLOW_OPERATORS:
        out["operator"] = FLOW_OPERATORS[op]
        out["values"] = values
        out["logic"] = "OR" if op == "in" else "AND"
    elif op == "withinHours":
        out["operator"] = "formula"
        out["formula"] = f"{{!$Record.{res.field}}} <= NOW() + {values[0]}/24"
        out["notes"].append("a time window: usually the scheduled path's offset covers it")
    else:
        out["operator"] = "unmapped"
        out["values"] = values
        out["notes"].append(f"operator {op!r} has no Flow equivalent: write it as a formula")
    return out


def _action(resolver: FieldResolver, dp_object: str, action: dict) -> dict:
    kind = action.get("type", "")
    element, manual, note = ACTIONS.get(
        kind, ("unknown", True, f"no rule for action {kind!r}: rebuild by hand")
    )
    out: dict[str, Any] = {"source": action, "flow_element": element, "manual": manual, "notes": []}
    if note:
        out["notes"].append(note)
    params = action.get("params") or {}
    if kind == "ChangePriority" and "to" in params:
        sf_object = resolver.sf_object(dp_object)
        mapped, _ = resolver.map_values(sf_object, "Priority", [params["to"]])
        out["assignments"] = {"Priority": mapped[0], "Dispatch_Pro_Priority__c": params["to"]}
    if kind == "CreateTask":
        out["assignments"] = {"Subject": params.get("subject"), "WhatId": "{!$Record.Id}"}
    return out


def _timer(resolver: FieldResolver, dp_object: str, timer: dict, event_field: str | None) -> dict:
    kind = timer.get("type", "")
    minutes = int(timer.get("offset_minutes") or timer.get("offsetMinutes") or 0)
    out: dict[str, Any] = {"source": timer, "notes": []}
    if kind == "Cron":
        out["schedule"] = cron_schedule(timer.get("expression", ""))
        return out
    number, unit = offset(minutes)
    out.update({"offsetNumber": number, "offsetUnit": unit})
    field = timer.get("field")
    if not field or field == event_field:
        out["timeSource"] = "RecordTriggerEvent"
    else:
        res = resolver.field(dp_object, field)
        if res.field == "LastModifiedDate":  # the change itself triggers the flow: offset from the event
            out["timeSource"] = "RecordTriggerEvent"
            out["notes"].append(res.note)
        else:
            out["timeSource"] = "RecordField"
            out["recordField"] = res.field
            if res.note:
                out["notes"].append(res.note)
    return out


def cron_schedule(expression: str) -> dict:
    """A 5-field cron as a schedule-triggered flow's start (frequency Once/Daily/Weekly, time, day)."""
    parts = expression.split()
    if len(parts) != 5:
        return {"frequency": "unmapped", "note": f"not a 5-field cron: {expression!r}"}
    minute, hour, dom, month, dow = parts
    start = f"{int(hour):02d}:{int(minute):02d}" if hour.isdigit() and minute.isdigit() else None
    if dom == "*" and month == "*" and dow == "*":
        return {"frequency": "Daily", "startTime": start}
    if dom == "*" and month == "*" and re.fullmatch(r"[A-Za-z0-7]{1,3}", dow):
        return {"frequency": "Weekly", "startTime": start, "day": dow.upper()}
    return {
        "frequency": "unmapped",
        "note": f"cron {expression!r} needs a custom schedule",
        "startTime": start,
    }


def playbook_rebuild(resolver: FieldResolver, playbook: dict) -> dict:
    """One playbook as its rule and the Flow that would rebuild it."""
    trigger = playbook.get("trigger") or {}
    dp_object = trigger.get("object", "")
    sf_object = resolver.sf_object(dp_object)
    conditions = [_condition(resolver, dp_object, c) for c in playbook.get("conditions") or []]
    actions = [_action(resolver, dp_object, a) for a in playbook.get("actions") or []]
    timers = [_timer(resolver, dp_object, t, None) for t in playbook.get("timers") or []]
    cron = next((t["schedule"] for t in timers if "schedule" in t), None)
    paths = [t for t in timers if "timeSource" in t]
    flow: dict[str, Any] = {"object": sf_object, "processType": "AutoLaunchedFlow"}
    if cron is not None:
        flow.update({"type": "Schedule-Triggered Flow", "triggerType": "Scheduled", "schedule": cron})
    else:
        event = trigger.get("event", "")
        record_trigger = EVENTS.get(event, "CreateAndUpdate")
        only_self_updates = all(a["source"].get("type") in ("ChangePriority", "UpdateField") for a in actions)
        before = only_self_updates and not paths and bool(actions)
        flow.update(
            {
                "type": "Record-Triggered Flow" + (" with scheduled paths" if paths else ""),
                "triggerType": "RecordBeforeSave" if before else "RecordAfterSave",
                "recordTriggerType": record_trigger,
            }
        )
        if trigger.get("type") == "Scheduled":  # a Dispatch Pro time event on a record: when its timer is due
            flow["note"] = (
                f"Dispatch Pro evaluates {event!r} on a clock; in Salesforce the record's create/update "
                "starts the flow and the scheduled path waits for the time"
            )
            flow["recordTriggerType"] = "CreateAndUpdate"
        if event == "StatusChanged":
            flow["entryFormula"] = "ISCHANGED({!$Record.Status})"
        if paths:  # a scheduled path runs once per change that makes the record meet the conditions
            flow["doesRequireRecordChangedToMeetCriteria"] = True
            flow["scheduledPaths"] = [
                {k: t[k] for k in ("offsetNumber", "offsetUnit", "timeSource", "recordField") if k in t}
                for t in paths
            ]
    if not sf_object:
        flow["type"] = "none: the trigger object is not migrated"
    manual = [a["source"].get("type") for a in actions if a["manual"]]
    return {
        "id": playbook.get("id"),
        "name": playbook.get("name"),
        "active": playbook.get("active"),
        "trigger": trigger,
        "conditions": conditions,
        "actions": actions,
        "timers": timers,
        "flow": flow,
        "manual_steps": manual,
        "rebuild_fully_in_flow": not manual and bool(sf_object),
    }


def _column(resolver: FieldResolver, dp_object: str, column: str) -> dict:
    if column == "count":
        return {"source": column, "aggregate": "RowCount"}
    m = re.fullmatch(r"(sum|avg|min|max)\((\w+)\)", column) or re.fullmatch(r"(avg)([A-Z]\w+)", column)
    if m:
        fn, name = m.group(1), m.group(2)
        name = name[0].lower() + name[1:]
        res = resolver.field(dp_object, name)
        prefix = {"sum": "s", "avg": "a", "min": "m", "max": "x"}[fn]
        out = {"source": column, "aggregate": f"{prefix}!{res.field}" if res.field else "unmapped"}
        return out | ({"note": res.note} if res.note else {})
    res = resolver.field(dp_object, column)
    return {"source": column, "field": res.field or "unmapped"} | ({"note": res.note} if res.note else {})


def widget_rebuild(resolver: FieldResolver, dashboard: dict, widget: dict) -> dict:
    """One dashboard widget (a Dispatch Pro report) as a Salesforce report and dashboard component."""
    dp_object = widget.get("object", "")
    sf_object = resolver.sf_object(dp_object)
    fmt = FORMATS.get(widget.get("type", ""), "TABULAR")
    groupings = [resolver.field(dp_object, g) for g in widget.get("groupings") or []]
    columns = [_column(resolver, dp_object, c) for c in widget.get("columns") or []]
    filters = []
    for f in widget.get("filters") or []:
        res = resolver.field(dp_object, f.get("field", ""))
        value = f.get("value")
        note = ""
        if res.field and not isinstance(value, list):
            mapped, note = resolver.map_values(res.object, res.field, [value])
            value = resolver.boolean(dp_object, f.get("field", ""), mapped[0])
        item = {"source": f, "column": res.field or "unmapped",
                "operator": REPORT_OPERATORS.get(f.get("operator"), "unmapped"), "value": value}  # fmt: skip
        if isinstance(value, str) and value.upper().startswith("NOW"):
            item["note"] = "relative time: use a relative date filter (e.g. NEXT_N_DAYS:1) or a formula field"
        if note or res.note:
            item.setdefault("note", note or res.note)
        filters.append(item)
    down = groupings[:1] if fmt == "MATRIX" else groupings
    across = groupings[1:2] if fmt == "MATRIX" else []
    chart = {
        "TABULAR": {"component": "Lightning Table", "note": "a tabular report with a row limit"},
        "SUMMARY": {"component": "Horizontal Bar Chart", "x": "grouping", "y": "first aggregate"},
        "MATRIX": {"component": "Stacked Bar Chart", "x": "grouping down", "stack": "grouping across"},
    }[fmt]
    return {
        "dashboard": dashboard.get("name"),
        "widget": widget.get("name"),
        "source": {k: widget.get(k) for k in ("id", "type", "object")},
        "report": {
            "reportType": REPORT_TYPES.get(sf_object, f"custom report type on {sf_object or 'unmapped'}"),
            "object": sf_object or "unmapped",
            "reportFormat": fmt,
            "groupingsDown": [g.field or "unmapped" for g in down],
            "groupingsAcross": [g.field or "unmapped" for g in across],
            "columns": columns,
            "reportFilters": filters,
            "notes": [g.note for g in groupings if g.note],
        },
        "chart": chart,
    }


def reporting_rebuild(report: dict) -> dict:
    """A ServiceTitan ``reporting/v2`` report definition: fields become columns, parameters filters."""
    fields = report.get("fields") or []
    params = report.get("parameters") or []
    date_params = [p["name"] for p in params if p.get("data_type") == "Date"]
    return {
        "id": report.get("id"),
        "name": report.get("name"),
        "category": report.get("category_id"),
        "description": report.get("description"),
        "columns": [{"name": f.get("name"), "type": f.get("data_type")} for f in fields],
        "standardDateFilter": {"from_parameters": date_params} if date_params else None,
        "filters": [
            {
                "parameter": p.get("name"),
                "type": p.get("data_type"),
                "required": p.get("is_required"),
                "multi_value": p.get("is_array"),
                "values_from": (p.get("accept_values") or {}).get("dynamic_set_id"),
            }
            for p in params
            if p.get("data_type") != "Date"
        ],  # fmt: skip
        "reportFormat": "SUMMARY" if any(f.get("data_type") == "Number" for f in fields) else "TABULAR",
        "note": "rebuild on the report type of the object its columns come from; the data underneath "
        "migrates",
    }
