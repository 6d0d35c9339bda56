"""`dp2sf export playbooks`: the rebuild reference (playbooks → Flow, dashboard widgets → reports).

Rules on hand-made records first; then the real path: the simulator's export folder and reporting/v2 API,
extracted by dlt into DuckDB, read back from the normalised raw tables, written under build/rebuild/."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest

from core.settings import PROJECT_DIR, get_settings
from mapping.rebuild_fields import FieldResolver, snake
from mapping.rebuild_flow import cron_schedule, offset, playbook_rebuild, widget_rebuild
from mapping.rebuild_reference import RebuildError, run_export_playbooks
from sandbox import control
from tests.build_cache import copy_build

SEEDS = PROJECT_DIR / "dbt_project" / "seeds"
LINEAGE = """source_table,source_column,object,field,transformation
jobs,priority,Case,Dispatch_Pro_Priority__c,value-mapped
jobs,priority,Case,Priority,value-mapped
jobs,job_status,Case,Closed_Reason__c,value-mapped
jobs,job_status,Case,Status,value-mapped
jobs,job_status,Case,Dispatch_Pro_Status__c,derived
job_dispatch_metadata,sla_due_on,Case,SLA_Due__c,cast
jobs,completed_on,Case,Completed_On__c,cast
jobs,is_auto_dispatched,Case,Auto_Dispatched__c,derived
invoices,due_date,Invoice__c,Due_Date__c,cast
"""


@pytest.fixture()
def resolver(tmp_path: Path) -> FieldResolver:
    path = tmp_path / "lineage.csv"
    path.write_text(LINEAGE)
    return FieldResolver(path, SEEDS)


def test_fields_resolve_through_the_lineage_and_the_value_maps(resolver: FieldResolver) -> None:
    assert snake("jobStatus") == "job_status" and snake("jobType.class") == "job_type__class"
    pr = resolver.field("Job", "priority")
    assert (pr.object, pr.field, pr.how) == ("Case", "Priority", "lineage")  # the live field, not the copy
    assert resolver.field("Job", "jobStatus").field == "Status"
    assert resolver.field("Job", "slaDueOn").field == "SLA_Due__c"
    assert resolver.field("Job", "noSuchField").how == "unmapped"
    assert resolver.field("Widget", "x").how == "unmapped"
    values, note = resolver.map_values("Case", "Priority", ["Emergency", "Critical"])
    assert values == ["High"] and "Urgent" in note and "Dispatch_Pro_Priority__c" in note
    assert resolver.map_values("Case", "Status", ["Completed", "Canceled"]) == (["Closed"], "")


def test_offsets_and_cron() -> None:
    assert offset(-120) == (-2, "Hours") and offset(4320) == (3, "Days") and offset(15) == (15, "Minutes")
    assert cron_schedule("0 9 * * MON") == {"frequency": "Weekly", "startTime": "09:00", "day": "MON"}
    assert cron_schedule("30 6 * * *") == {"frequency": "Daily", "startTime": "06:30"}
    assert cron_schedule("0 9 1 * *")["frequency"] == "unmapped"


def test_a_created_rule_is_a_record_triggered_flow_and_sms_is_manual(resolver: FieldResolver) -> None:
    pb = {
        "id": 1, "name": "page", "active": True,
        "trigger": {"type": "RecordChange", "object": "Job", "event": "Created"},
        "conditions": [{"field": "priority", "operator": "in", "value": ["Emergency", "Critical"]}],
        "actions": [{"type": "SendSms", "params": {"to": "tech"}}, {"type": "SendEmail", "params": {}}],
    }  # fmt: skip
    out = playbook_rebuild(resolver, pb)
    assert out["flow"] == {
        "object": "Case", "processType": "AutoLaunchedFlow", "type": "Record-Triggered Flow",
        "triggerType": "RecordAfterSave", "recordTriggerType": "Create",
    }  # fmt: skip
    cond = out["conditions"][0]
    assert (cond["field"], cond["operator"], cond["values"], cond["logic"]) == (
        "Priority",
        "EqualTo",
        ["High"],
        "OR",
    )
    assert out["manual_steps"] == ["SendSms"] and not out["rebuild_fully_in_flow"]


def test_a_timer_on_a_date_field_is_a_scheduled_path(resolver: FieldResolver) -> None:
    pb = {
        "id": 2, "name": "sla", "trigger": {"type": "Scheduled", "object": "Job", "event": "SlaApproaching"},
        "conditions": [{"field": "jobStatus", "operator": "notIn", "value": ["Completed", "Canceled"]}],
        "actions": [{"type": "NotifyDispatcher"}],
        "timers": [{"type": "Before", "field": "slaDueOn", "offset_minutes": -120}],
    }  # fmt: skip
    flow = playbook_rebuild(resolver, pb)["flow"]
    assert flow["type"] == "Record-Triggered Flow with scheduled paths"
    assert flow["scheduledPaths"] == [
        {"offsetNumber": -2, "offsetUnit": "Hours", "timeSource": "RecordField", "recordField": "SLA_Due__c"}
    ]
    assert flow["doesRequireRecordChangedToMeetCriteria"] is True


def test_a_cron_rule_is_a_schedule_triggered_flow_and_a_self_update_runs_before_save(resolver) -> None:
    cron = playbook_rebuild(resolver, {
        "trigger": {"type": "Scheduled", "object": "Invoice", "event": "Weekly"},
        "conditions": [{"field": "dueDate", "operator": "lessThan", "value": "TODAY"}],
        "actions": [{"type": "SendEmail"}], "timers": [{"type": "Cron", "expression": "0 9 * * MON"}],
    })  # fmt: skip
    assert cron["flow"]["type"] == "Schedule-Triggered Flow" and cron["flow"]["object"] == "Invoice__c"
    assert cron["conditions"][0]["field"] == "Due_Date__c"
    fast = playbook_rebuild(resolver, {
        "trigger": {"type": "RecordChange", "object": "Job", "event": "Updated"},
        "actions": [{"type": "ChangePriority", "params": {"to": "Elevated"}}],
    })  # fmt: skip
    assert fast["flow"]["triggerType"] == "RecordBeforeSave"
    assert fast["actions"][0]["assignments"] == {"Priority": "Medium", "Dispatch_Pro_Priority__c": "Elevated"}


def test_widgets_become_reports_with_groupings_filters_and_charts(resolver: FieldResolver) -> None:
    summary = widget_rebuild(resolver, {"name": "d"}, {
        "id": 1, "name": "Jobs by priority", "type": "Summary", "object": "Job",
        "filters": [{"field": "jobStatus", "operator": "=", "value": "Hold"}], "groupings": ["priority"],
        "columns": ["count"],
    })  # fmt: skip
    rep = summary["report"]
    assert rep["reportType"].startswith("CaseList") and rep["reportFormat"] == "SUMMARY"
    assert rep["groupingsDown"] == ["Priority"] and rep["columns"] == [
        {"source": "count", "aggregate": "RowCount"}
    ]
    active = widget_rebuild(resolver, {"name": "d"}, {
        "name": "a", "type": "Tabular", "object": "Job",
        "filters": [{"field": "active", "operator": "=", "value": "True"}],
    })["report"]["reportFilters"][0]  # fmt: skip
    assert (active["column"], active["value"]) == ("IsClosed", "false")  # an active job is an open Case
    flt = rep["reportFilters"][0]  # the value goes through the status value map
    assert (flt["column"], flt["operator"], flt["value"]) == (
        "Status",
        "equals",
        "On Hold",
    )  # Hold -> On Hold
    assert summary["chart"]["component"] == "Horizontal Bar Chart"
    matrix = widget_rebuild(resolver, {"name": "d"}, {
        "name": "m", "type": "Matrix", "object": "Invoice", "groupings": ["agingBucket", "customer"],
        "columns": ["sum(balance)"],
    })  # fmt: skip
    assert matrix["report"]["groupingsDown"] == ["unmapped"] and matrix["report"]["groupingsAcross"] == [
        "Account__c"
    ]
    assert matrix["report"]["columns"][0]["aggregate"] == "s!Balance__c"
    assert matrix["chart"]["component"] == "Stacked Bar Chart"


def test_no_duckdb_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RebuildError, match="run `dp2sf extract` first"):
        run_export_playbooks(get_settings(data_dir=tmp_path / "none", build_dir=tmp_path / "build"))


@pytest.fixture(scope="module")
def extracted(tiny_build, tmp_path_factory):
    """The simulator (seed 42, tiny) extracted by the real dlt pipeline (a copy of the run's tiny build's
    DuckDB; an empty build folder, so no lineage), and a simulator of the same seed for its export folder."""
    base = tmp_path_factory.mktemp("rebuild")
    settings = get_settings(sandbox_dir=base / "sandbox", data_dir=base / "data", build_dir=base / "build",
                            reports_dir=base / "reports")  # fmt: skip
    copy_build(tiny_build / "data", settings.data_dir)
    endpoints = control.up(settings.sandbox_dir, seed=42, scale="tiny", which=("dispatch_pro",))
    try:
        yield settings, Path(endpoints["dispatch_pro"].get("exports_dir") or "")
    finally:
        control.down(settings.sandbox_dir)


def _export_folder(settings) -> Path:
    from dlt_pipelines.pipeline import exports_folder

    folder = exports_folder(settings)
    assert folder and (folder / "playbooks.json").is_file(), folder
    return folder


def test_export_from_the_extracted_raw_tables_keeps_every_rule_and_widget(extracted) -> None:
    settings, _ = extracted
    folder = _export_folder(settings)
    source_pbs = {p["id"]: p for p in orjson.loads((folder / "playbooks.json").read_bytes())["data"]}
    source_dbs = orjson.loads((folder / "dashboards.json").read_bytes())["data"]
    result = run_export_playbooks(settings)
    out = settings.build_dir / "rebuild"
    assert result.out_dir == out and {"lineage"} == set(result.missing)  # no transform ran: defaults only
    pbs = json.loads((out / "playbooks.json").read_text())["playbooks"]
    assert {p["id"] for p in pbs} == set(source_pbs) and result.playbooks == len(source_pbs)
    for p in pbs:
        src = source_pbs[p["id"]]
        assert p["name"] == src["name"] and p["active"] == src.get("active", True)
        assert p["trigger"] == src["trigger"]
        assert [c["source"]["field"] for c in p["conditions"]] == [c["field"] for c in src["conditions"]]
        assert [c["source"]["operator"] for c in p["conditions"]] == [
            c["operator"] for c in src["conditions"]
        ]
        for got, want in zip(p["conditions"], src["conditions"], strict=True):  # values come back as text
            want_v = want["value"] if isinstance(want["value"], list) else [want["value"]]
            assert [str(v) for v in got["source"]["value"]] if isinstance(got["source"]["value"], list) else \
                [str(got["source"]["value"])] == [str(v) for v in want_v]  # fmt: skip
        assert [a["source"]["type"] for a in p["actions"]] == [a["type"] for a in src["actions"]]
        assert len(p["timers"]) == len(src.get("timers") or [])
        assert p["flow"]["type"]
    by_name = {p["name"]: p for p in pbs}
    assert by_name["SLA breach warning"]["flow"]["scheduledPaths"][0]["offsetUnit"] == "Hours"
    weekly = next(p for p in pbs if p["flow"]["type"] == "Schedule-Triggered Flow")
    assert weekly["flow"]["schedule"]["frequency"] == "Weekly" and weekly["active"] is False
    dashboards = json.loads((out / "dashboards.json").read_text())
    widgets = [w for d in dashboards["dashboards"] for w in d["widgets"]]
    assert sorted(w["widget"] for w in widgets) == sorted(r["name"] for d in source_dbs for r in d["reports"])
    for w in widgets:
        assert w["report"]["reportFormat"] in ("TABULAR", "SUMMARY", "MATRIX") and w["chart"]["component"]
    defs = dashboards["report_definitions"]
    assert defs and all(d["columns"] for d in defs) and result.report_definitions == len(defs)
    page = (out / "index.html").read_text()
    for p in pbs:
        assert p["name"].replace("&", "&amp;").replace(">", "&gt;") in page
    assert "Schedule-Triggered Flow" in page and "<script" not in page
