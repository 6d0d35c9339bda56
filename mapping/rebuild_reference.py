"""``dp2sf export playbooks``: Dispatch Pro's playbooks, dashboards and reports as a rebuild reference.

None of them migrate (Salesforce has no import for automation or dashboards; Workflow Rules and Process
Builder are retired, so rules are rebuilt in Flow). From what ``dp2sf extract`` landed in ``raw_dispatch_pro``
(``playbooks`` and ``dashboards`` from the customer's export folder, ``reports`` from ServiceTitan's
``reporting/v2`` API), this writes under ``build/rebuild/``:

- ``playbooks.json``: per playbook its trigger, conditions, actions and timers, each resolved to Salesforce
  fields through the mapping's lineage, and the Flow that would rebuild it (record-triggered, scheduled
  path, schedule-triggered) with the steps Flow cannot do marked ``manual``;
- ``dashboards.json``: per dashboard widget the report type, format, groupings, filters, aggregates and the
  chart that would rebuild it; plus the ``reporting/v2`` report definitions (columns, parameters as filters);
- ``index.html``: the same as a page a person reads (static, offline).
"""

from __future__ import annotations

import html
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from core.errors import Dp2sfError
from core.settings import Settings
from mapping.rebuild_fields import FieldResolver
from mapping.rebuild_flow import playbook_rebuild, reporting_rebuild, widget_rebuild
from mapping.rebuild_raw import nested_records, raw_tables

SOURCES = {
    "playbooks": "the export folder (playbooks.json)",
    "dashboards": "the export folder (dashboards.json)",
    "reports": "ServiceTitan reporting/v2 (report categories → reports)",
}


class RebuildError(Dp2sfError):
    """The rebuild reference could not be written (no extract yet)."""


@dataclass
class RebuildResult:
    out_dir: Path
    playbooks: int
    widgets: int
    report_definitions: int
    manual_steps: int
    missing: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


def build_reference(con: duckdb.DuckDBPyConnection, resolver: FieldResolver) -> tuple[dict, dict, dict]:
    """(playbooks document, dashboards document, missing sources) from the raw tables."""
    present = raw_tables(con)
    missing = {
        t: f"no raw_dispatch_pro.{t}: nothing from {src} was extracted"
        for t, src in SOURCES.items()
        if t not in present
    }
    playbooks = sorted(nested_records(con, "playbooks"), key=lambda p: str(p.get("id")))
    dashboards = sorted(nested_records(con, "dashboards"), key=lambda d: str(d.get("id")))
    reports = sorted(nested_records(con, "reports"), key=lambda r: str(r.get("id")))
    rebuilt = [playbook_rebuild(resolver, p) for p in playbooks]
    widgets = [
        widget_rebuild(resolver, d, w) for d in dashboards for w in sorted(d.get("reports") or [], key=_key)
    ]
    pb_doc = {
        "about": "Dispatch Pro playbooks and the Salesforce Flow that would rebuild each (not migrated)",
        "playbooks": rebuilt,
    }
    db_doc = {
        "about": "Dispatch Pro dashboards (per widget) and reporting/v2 report definitions as Salesforce "
        "reports",
        "dashboards": [
            {
                "id": d.get("id"),
                "name": d.get("name"),
                "active": d.get("active"),
                "widgets": [w for w in widgets if w["dashboard"] == d.get("name")],
            }
            for d in dashboards
        ],
        "report_definitions": [reporting_rebuild(r) for r in reports],
    }
    return pb_doc, db_doc, missing


def _key(w: dict) -> str:
    return str(w.get("id"))


def run_export_playbooks(settings: Settings) -> RebuildResult:
    """Write ``build/rebuild/{playbooks,dashboards}.json`` and ``index.html`` from the raw tables."""
    started = time.perf_counter()
    if not settings.duckdb_path.is_file():
        raise RebuildError(f"no DuckDB at {settings.duckdb_path}: run `dp2sf extract` first")
    resolver = FieldResolver(
        Path(settings.build_dir) / "lineage.csv", Path(settings.project_dir) / "dbt_project" / "seeds"
    )
    con = duckdb.connect(str(settings.duckdb_path), read_only=True)
    try:
        pb_doc, db_doc, missing = build_reference(con, resolver)
    finally:
        con.close()
    if not resolver.lineage:
        missing["lineage"] = "no build/lineage.csv (run `dp2sf transform`): fields resolved by defaults only"
    out = Path(settings.build_dir) / "rebuild"
    out.mkdir(parents=True, exist_ok=True)
    for doc in (pb_doc, db_doc):
        doc["missing"] = missing
    (out / "playbooks.json").write_text(json.dumps(pb_doc, indent=2, default=str), encoding="utf-8")
    (out / "dashboards.json").write_text(json.dumps(db_doc, indent=2, default=str), encoding="utf-8")
    (out / "index.html").write_text(render_html(pb_doc, db_doc, missing), encoding="utf-8")
    widgets = sum(len(d["widgets"]) for d in db_doc["dashboards"])
    manual = sum(len(p["manual_steps"]) for p in pb_doc["playbooks"])
    return RebuildResult(
        out,
        len(pb_doc["playbooks"]),
        widgets,
        len(db_doc["report_definitions"]),
        manual,
        missing,
        time.perf_counter() - started,
    )


# -- the readable page ------------------------------------------------------------------------------------
STYLE = """body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1150px;color:#222}
table{border-collapse:collapse;margin:.4em 0 1.2em;width:100%}th,td{border:1px solid #ccc;padding:3px 7px;
text-align:left;vertical-align:top}th{background:#f0f3f7}code{background:#f4f4f4;padding:0 3px}
.manual{color:#b42318;font-weight:bold}.muted{color:#777}section{margin-bottom:2em}"""


def _e(value) -> str:
    if isinstance(value, list | dict):
        value = json.dumps(value, default=str)
    return "" if value is None else html.escape(str(value))


def _table(head: list[str], rows: list[list[str]]) -> str:
    th = "".join(f"<th>{h}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><tr>{th}</tr>{body}</table>"


def _playbook_html(p: dict) -> str:
    flow = p["flow"]
    paths = "; ".join(
        f"{s['offsetNumber']} {s['offsetUnit']} from {s.get('recordField') or 'the trigger event'}"
        for s in flow.get("scheduledPaths", [])
    )
    rt = "recordTriggerType" in flow
    head = (
        f"<h3>{_e(p['name'])} <span class='muted'>#{_e(p['id'])}"
        f"{'' if p['active'] else ' · inactive'}</span></h3>"
        f"<p><b>Flow:</b> {_e(flow['type'])} on <code>{_e(flow.get('object'))}</code>"
        + (f" · {_e(flow.get('triggerType'))} · {_e(flow.get('recordTriggerType'))}" if rt else "")
        + (f" · schedule {_e(flow.get('schedule'))}" if "schedule" in flow else "")
        + (f" · scheduled paths: {_e(paths)}" if paths else "")
        + (f" · entry: <code>{_e(flow['entryFormula'])}</code>" if "entryFormula" in flow else "")
        + "</p>"
        + (f"<p class='muted'>{_e(flow['note'])}</p>" if "note" in flow else "")
    )
    trig = p["trigger"]
    rows = [["trigger", _e(f"{trig.get('type')} · {trig.get('object')} · {trig.get('event')}"), "", ""]]
    for c in p["conditions"]:
        s = c["source"]
        target = f"<code>{_e(c['field'])}</code> {_e(c['operator'])} {_e(c.get('values', c.get('formula')))}"
        rows.append(
            [
                "condition",
                _e(f"{s.get('field')} {s.get('operator')} {s.get('value')}"),
                target,
                _e("; ".join(c["notes"])),
            ]
        )
    for a in p["actions"]:
        cls = " class='manual'" if a["manual"] else ""
        sets = f" {_e(a['assignments'])}" if "assignments" in a else ""
        target = f"<span{cls}>{_e(a['flow_element'])}</span>{sets}"
        rows.append(["action", _e(a["source"]), target, _e("; ".join(a["notes"]))])
    for t in p["timers"]:
        if "schedule" in t:
            target = _e(t["schedule"])
        else:
            origin = t.get("recordField") or t["timeSource"]
            target = _e(f"scheduled path: {t['offsetNumber']} {t['offsetUnit']} from {origin}")
        rows.append(["timer", _e(t["source"]), target, _e("; ".join(t["notes"]))])
    return f"<section>{head}{_table(['part', 'Dispatch Pro', 'Salesforce', 'notes'], rows)}</section>"


def render_html(pb_doc: dict, db_doc: dict, missing: dict) -> str:
    parts = [
        "<h1>Rebuild reference: playbooks, dashboards and reports</h1>",
        "<p>Not migrated: rebuild them in Salesforce (Flow for rules; Reports and Dashboards for widgets). "
        "Fields are resolved through the mapping's lineage; <span class='manual'>red</span> steps have no "
        "Flow equivalent. Machine-readable: <code>playbooks.json</code>, <code>dashboards.json</code>.</p>",
    ]
    if missing:
        parts.append(
            "<p class='manual'>Missing sources:</p><ul>"
            + "".join(f"<li>{_e(k)}: {_e(v)}</li>" for k, v in missing.items())
            + "</ul>"
        )
    pbs = pb_doc["playbooks"]
    summary = [
        [
            _e(p["name"]),
            _e(p["flow"]["type"]),
            _e(p["flow"].get("object")),
            _e(", ".join(p["manual_steps"]) or "none"),
        ]
        for p in pbs
    ]
    parts.append(f"<h2>Playbooks ({len(pbs)})</h2>")
    parts.append(_table(["playbook", "Flow", "object", "manual steps"], summary))
    parts.extend(_playbook_html(p) for p in pbs)
    parts.append("<h2>Dashboards</h2>")
    for d in db_doc["dashboards"]:
        rows = []
        for w in d["widgets"]:
            r = w["report"]
            cols = ", ".join(c.get("aggregate") or c.get("field", "") for c in r["columns"])
            filters = "; ".join(f"{f['column']} {f['operator']} {f['value']}" for f in r["reportFilters"])
            rows.append(
                [
                    _e(w["widget"]),
                    _e(r["reportType"]),
                    _e(r["reportFormat"]),
                    _e(", ".join(r["groupingsDown"] + r["groupingsAcross"])),
                    _e(filters),
                    _e(cols),
                    _e(w["chart"]["component"]),
                ]
            )
        parts.append(f"<h3>{_e(d['name'])}</h3>")
        head = ["widget", "report type", "format", "groupings", "filters", "columns / aggregates", "chart"]
        parts.append(_table(head, rows))
    defs = db_doc["report_definitions"]
    parts.append(f"<h2>Report definitions from reporting/v2 ({len(defs)})</h2>")
    rows = []
    for r in defs:
        cols = ", ".join(f"{c['name']} ({c['type']})" for c in r["columns"])
        filters = ", ".join(f["parameter"] for f in r["filters"])
        filters += " + date range" if r["standardDateFilter"] else ""
        rows.append([_e(r["name"]), _e(r["category"]), _e(cols), _e(filters), _e(r["reportFormat"])])
    parts.append(_table(["report", "category", "columns", "filters (parameters)", "format"], rows))
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>dp2sf rebuild reference</title>'
        f"<style>{STYLE}</style></head><body>{''.join(parts)}</body></html>"
    )
