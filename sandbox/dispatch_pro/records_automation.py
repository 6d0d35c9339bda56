"""Dispatch Pro's own objects with no public API: playbooks (automation rules) and dashboards (reports).

The simulator defines their shape (see README): a playbook is ``{id, name, active, trigger{type, object,
event}, conditions[], actions[], timers[]}``; a dashboard is ``{id, name, reports[{id, name, type, object,
filters, groupings, columns}]}``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .records import DASHBOARDS, PLAYBOOKS, rid
from .timefmt import TICKS_PER_DAY, fmt

if TYPE_CHECKING:
    from .dataset import Dataset

PLAYBOOK_TEMPLATES: tuple[dict[str, Any], ...] = (
    {
        "name": "Emergency jobs: page the on-call technician",
        "trigger": {"type": "RecordChange", "object": "Job", "event": "Created"},
        "conditions": [{"field": "priority", "operator": "in", "value": ["Emergency", "Critical"]}],
        "actions": [
            {"type": "AssignTechnician", "params": {"strategy": "OnCallNearest"}},
            {"type": "SendSms", "params": {"to": "assignedTechnician", "template": "emergency_page"}},
        ],
        "timers": [],
    },
    {
        "name": "SLA breach warning",
        "trigger": {"type": "Scheduled", "object": "Job", "event": "SlaApproaching"},
        "conditions": [
            {"field": "jobStatus", "operator": "notIn", "value": ["Completed", "Canceled"]},
            {"field": "slaDueOn", "operator": "withinHours", "value": 2},
        ],
        "actions": [{"type": "NotifyDispatcher", "params": {"channel": "dashboard", "severity": "high"}}],
        "timers": [{"type": "Before", "field": "slaDueOn", "offsetMinutes": -120}],
    },
    {
        "name": "Auto-dispatch standard jobs",
        "trigger": {"type": "RecordChange", "object": "Appointment", "event": "Scheduled"},
        "conditions": [{"field": "priority", "operator": "in", "value": ["Standard", "Low"]}],
        "actions": [{"type": "OptimizeRoute", "params": {"horizonHours": 24, "lockAfterDispatch": True}}],
        "timers": [{"type": "Delay", "offsetMinutes": 15}],
    },
    {
        "name": "Follow-up call after completed install",
        "trigger": {"type": "RecordChange", "object": "Job", "event": "StatusChanged"},
        "conditions": [
            {"field": "jobStatus", "operator": "equals", "value": "Completed"},
            {"field": "jobType.class", "operator": "equals", "value": "Install"},
        ],
        "actions": [{"type": "CreateTask", "params": {"subject": "Follow-up call", "assignTo": "CSR"}}],
        "timers": [{"type": "After", "field": "completedOn", "offsetMinutes": 4320}],
    },
    {
        "name": "Hold > 48h: escalate",
        "trigger": {"type": "Scheduled", "object": "Job", "event": "OnHoldAging"},
        "conditions": [{"field": "jobStatus", "operator": "equals", "value": "Hold"}],
        "actions": [
            {"type": "ChangePriority", "params": {"to": "Elevated"}},
            {"type": "SendEmail", "params": {"to": "fieldManager", "template": "hold_escalation"}},
        ],
        "timers": [{"type": "After", "field": "statusChangedOn", "offsetMinutes": 2880}],
    },
    {
        "name": "Legacy: weekly unpaid invoice reminder (disabled)",
        "trigger": {"type": "Scheduled", "object": "Invoice", "event": "Weekly"},
        "conditions": [{"field": "balance", "operator": "greaterThan", "value": "0.00"}],
        "actions": [{"type": "SendEmail", "params": {"to": "customer", "template": "invoice_reminder"}}],
        "timers": [{"type": "Cron", "expression": "0 9 * * MON"}],
        "active": False,
    },
)

DASHBOARD_TEMPLATES: tuple[dict[str, Any], ...] = (
    {
        "name": "Dispatch board health",
        "reports": [
            ("Jobs by priority", "Summary", "Job", [["active", "=", True]], ["priority"], ["count"]),
            ("SLA at risk", "Tabular", "Job", [["slaDueOn", "<", "NOW+4h"]], [], ["jobNumber", "slaDueOn"]),
            ("Auto-dispatch rate", "Matrix", "Job", [], ["businessUnit", "isAutoDispatched"], ["count"]),
        ],
    },
    {
        "name": "Technician productivity",
        "reports": [
            (
                "Completed jobs per technician",
                "Summary",
                "Appointment",
                [["status", "=", "Done"]],
                ["technician"],
                ["count", "avgDuration"],
            ),  # fmt: skip
            ("Revenue per technician", "Summary", "Invoice", [], ["technician"], ["sum(total)"]),
        ],
    },
    {
        "name": "Receivables",
        "reports": [
            (
                "Open balances",
                "Tabular",
                "Invoice",
                [["balance", ">", "0.00"]],
                [],
                ["referenceNumber", "balance"],
            ),
            ("Payments by type", "Summary", "Payment", [], ["type"], ["sum(total)"]),
            ("Aging buckets", "Matrix", "Invoice", [], ["agingBucket"], ["sum(balance)"]),
            ("Top customers", "Summary", "Invoice", [], ["customer"], ["sum(total)"]),
        ],
    },
)


def playbook_records(ds: Dataset) -> list[dict[str, Any]]:
    out = []
    for n, tpl in enumerate(PLAYBOOK_TEMPLATES):
        mod = ds.base_ticks_for(PLAYBOOKS, n, len(PLAYBOOK_TEMPLATES))
        out.append(
            {
                "id": rid(PLAYBOOKS, n),
                "name": tpl["name"],
                "active": tpl.get("active", True),
                "trigger": dict(tpl["trigger"]),
                "conditions": [dict(c) for c in tpl["conditions"]],
                "actions": [dict(a) for a in tpl["actions"]],
                "timers": [dict(t) for t in tpl["timers"]],
                "createdOn": fmt(mod - 300 * TICKS_PER_DAY),
                "modifiedOn": fmt(mod),
            }
        )
    return out


def dashboard_records(ds: Dataset) -> list[dict[str, Any]]:
    out = []
    for n, tpl in enumerate(DASHBOARD_TEMPLATES):
        mod = ds.base_ticks_for(DASHBOARDS, n, len(DASHBOARD_TEMPLATES))
        reports = [
            {
                "id": rid(DASHBOARDS, n) * 10 + k,
                "name": name,
                "type": kind,
                "object": obj,
                "filters": [{"field": f[0], "operator": f[1], "value": f[2]} for f in filters],
                "groupings": list(groupings),
                "columns": list(columns),
            }
            for k, (name, kind, obj, filters, groupings, columns) in enumerate(tpl["reports"])
        ]
        out.append(
            {
                "id": rid(DASHBOARDS, n),
                "name": tpl["name"],
                "active": True,
                "reports": reports,
                "createdOn": fmt(mod - 200 * TICKS_PER_DAY),
                "modifiedOn": fmt(mod),
            }
        )
    return out
