"""Tooling API subset: ``GET /tooling/query?q=SOQL``, ``GET /tooling/sobjects[/X/describe|/X/{id}]``.

Answers queries on ApexTrigger, ValidationRule (the rules deployed to the org), WorkflowRule, Flow,
FlowDefinition, AutoResponseRule and EntityDefinition. Each request builds a small in-memory database
from what the org holds (its registry: objects and validation rules; ``automation``: the admin definitions)
and runs the org's own SOQL translator on it, so the SOQL subset is the data API's. ``FullName`` and
``Metadata`` come back only when the query returns at most one row, as the Tooling API documents.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from sandbox.salesforce import automation, setup_objects
from sandbox.salesforce.deps import get_org, get_version, json_response
from sandbox.salesforce.errors import SFError, invalid_type, not_found
from sandbox.salesforce.metadata import Registry
from sandbox.salesforce.metadata.ids import compute_id18, is_valid_id
from sandbox.salesforce.org import Org
from sandbox.salesforce.soql import compile_query
from sandbox.salesforce.store import Store, q
from sandbox.salesforce.values import to_json_value

router = APIRouter()
ONE_ROW_FIELDS = {"FullName", "Metadata"}
MAX_ROWS = 2000


class ToolingView:
    """The Tooling API's objects of one org, as tables of an in-memory SQLite database."""

    def __init__(self, org: Org) -> None:
        self.registry = Registry(setup_objects.tooling_objects())
        self.store = Store(Path(":memory:"))
        for obj in self.registry.objects():
            self.store.ensure_table(obj)
        self._fill(org)

    def _insert(self, table: str, rows: list[dict[str, Any]], org: Org) -> None:
        columns = set(self.store.columns(table))
        base = automation._system(org, None)
        with self.store.transaction() as conn:
            for row in rows:
                full = {**base, **row}
                cols = [c for c in full if c in columns]
                conn.execute(
                    f"INSERT INTO {q(table)} ({', '.join(q(c) for c in cols)}) "
                    f"VALUES ({', '.join('?' * len(cols))})",
                    [full[c] for c in cols],
                )

    def _fill(self, org: Org) -> None:
        data = automation.load(org)
        objects = {o.name: o for o in org.registry.objects()}

        def entity(name: str) -> str:
            obj = objects.get(name)
            return setup_objects.entity_id(obj) if obj else name

        self._insert(
            "EntityDefinition",
            [
                {
                    "Id": setup_objects.entity_id(o),
                    "DurableId": setup_objects.entity_id(o),
                    "QualifiedApiName": o.name,
                    "DeveloperName": o.name[:-3] if o.custom else o.name,
                    "Label": o.label,
                    "PluralLabel": o.label_plural,
                    "KeyPrefix": o.key_prefix,
                    "IsCustomizable": 1,
                }
                for o in objects.values()
            ],
            org,
        )
        triggers = []
        for d in data["triggers"]:
            row = automation.trigger_row(org, d)
            triggers.append({**row, "EntityDefinitionId": entity(d["object"]), "FullName": d["name"]})
        self._insert("ApexTrigger", triggers, org)
        rules = []
        for o in objects.values():
            for r in (o.props or {}).get("validationRules", []):
                meta = {
                    "active": r["active"],
                    "description": r.get("description"),
                    "errorConditionFormula": r["formula"],
                    "errorDisplayField": r.get("field"),
                    "errorMessage": r["message"],
                    "shouldEvaluateOnClient": None,
                    "urls": None,
                }
                rules.append(
                    {
                        "Id": setup_objects.stable_id("03d", f"{o.name}.{r['name']}"),
                        "ValidationName": r["name"],
                        "Active": int(r["active"]),
                        "Description": r.get("description"),
                        "EntityDefinitionId": setup_objects.entity_id(o),
                        "ErrorDisplayField": r.get("field"),
                        "ErrorMessage": r["message"],
                        "FullName": f"{o.name}.{r['name']}",
                        "Metadata": json.dumps(meta),
                    }
                )
        self._insert("ValidationRule", rules, org)
        self._insert(
            "WorkflowRule",
            [
                {
                    "Id": d["id"],
                    "Name": d["name"],
                    "TableEnumOrId": entity(d["object"]),
                    "FullName": f"{d['object']}.{d['name']}",
                    "Metadata": json.dumps(
                        {
                            "actions": [],
                            "active": d["active"],
                            "booleanFilter": None,
                            "criteriaItems": [],
                            "description": d.get("description"),
                            "formula": "true",
                            "triggerType": "onCreateOrTriggeringUpdate",
                            "workflowTimeTriggers": [],
                            "urls": None,
                        }
                    ),
                }
                for d in data["workflow_rules"]
            ],
            org,
        )
        self._insert(
            "AutoResponseRule",
            [
                {"Id": d["id"], "Name": d["name"], "Active": int(d["active"]), "EntityDefinitionId": "Case"}
                for d in data["auto_response_rules"]
            ],
            org,
        )
        self._insert(
            "FlowDefinition",
            [
                {
                    "Id": d["definition_id"],
                    "DeveloperName": d["api_name"],
                    "MasterLabel": d["label"],
                    "Description": d.get("description"),
                    "ActiveVersionId": d["id"] if d["active"] else None,
                    "LatestVersionId": d["id"],
                }
                for d in data["flows"]
            ],
            org,
        )
        self._insert(
            "Flow",
            [
                {
                    "Id": d["id"],
                    "DefinitionId": d["definition_id"],
                    "MasterLabel": d["label"],
                    "Description": d.get("description"),
                    "ProcessType": d["process_type"],
                    "Status": "Active" if d["active"] else "Draft",
                    "VersionNumber": 1,
                    "ApiVersion": automation.API_VERSION,
                    "FullName": f"{d['api_name']}-1",
                    "Metadata": json.dumps(
                        {
                            "label": d["label"],
                            "processType": d["process_type"],
                            "status": "Active" if d["active"] else "Draft",
                            "start": {
                                "object": d["object"],
                                "recordTriggerType": d["record_trigger_type"],
                                "triggerType": d["trigger_type"],
                            },
                        }
                    ),
                }
                for d in data["flows"]
            ],
            org,
        )

    def close(self) -> None:
        self.store.close()


def _tooling_urls(record: dict, version: str) -> dict:
    """Records' ``attributes.url`` (and nested parents') under ``/tooling/sobjects``; Metadata as JSON."""
    data_base = f"/services/data/v{version}/sobjects/"
    for value in record.values():
        if isinstance(value, dict) and "attributes" in value:
            _tooling_urls(value, version)
    attrs = record.get("attributes") or {}
    if isinstance(attrs.get("url"), str) and attrs["url"].startswith(data_base):
        attrs["url"] = f"/services/data/v{version}/tooling/sobjects/" + attrs["url"][len(data_base) :]
    if isinstance(record.get("Metadata"), str):
        record["Metadata"] = json.loads(record["Metadata"])
    return record


def run_query(org: Org, text: str, version: str) -> dict:
    """A Tooling API query result (every matching row in one page, up to 2000)."""
    view = ToolingView(org)
    try:
        query = compile_query(view, text)
        total = query.count()
        if query.count_only:
            return {"size": total, "totalSize": total, "done": True, "queryLocator": None, "records": []}
        picked = {s.field.name for s in query.selected if s.rel_alias is None}
        if picked & ONE_ROW_FIELDS and total > 1:
            raise SFError(
                400,
                "MALFORMED_QUERY",
                "When retrieving results with Metadata or FullName fields, the query qualifications must "
                f"specify no more than one row for retrieval. Result size: {total}",
            )
        rows = query.fetch(MAX_ROWS, 0)
        records = [_tooling_urls(r, version) for r in query.records(rows, version)]
        return {
            "size": total,
            "totalSize": total,
            "done": True,
            "queryLocator": None,
            "entityTypeName": query.obj.name,
            "records": records,
        }
    finally:
        view.close()


def get_record(org: Org, name: str, rid: str, version: str) -> dict:
    """``GET /tooling/sobjects/X/{id}``: every field, ``Metadata`` as an object."""
    view = ToolingView(org)
    try:
        obj = view.registry.get(name)
        if obj is None:
            raise invalid_type(name)
        cols = [f.name for f in obj.fields.values() if f.name in view.store.columns(obj.name)]
        key = compute_id18(rid) if is_valid_id(rid) else rid  # 15- or 18-character ids
        rows = view.store.execute(
            f"SELECT {', '.join(q(c) for c in cols)} FROM {q(obj.name)} WHERE Id = ?", (key,)
        )
        if not rows:
            raise not_found()
        rec: dict[str, Any] = {
            "attributes": {
                "type": obj.name,
                "url": f"/services/data/v{version}/tooling/sobjects/{obj.name}/{rows[0][0]}",
            }
        }
        for col, value in zip(cols, rows[0], strict=True):
            rec[col] = to_json_value(obj.fields[col].type, value)
        return _tooling_urls(rec, version)
    finally:
        view.close()


def _describe(org: Org, name: str | None) -> dict:
    view = ToolingView(org)
    try:
        if name is None:
            return view.registry.describe_global()
        obj = view.registry.get(name)
        if obj is None:
            raise invalid_type(name)
        return view.registry.describe_sobject(obj.name)
    finally:
        view.close()


@router.get("/tooling/query")
async def tooling_query(request: Request) -> Response:
    text = request.query_params.get("q")
    if not text:
        raise SFError(400, "MALFORMED_QUERY", "A query string (q) is required")
    org = get_org(request)
    return json_response(await run_in_threadpool(run_query, org, text, get_version(request)))


@router.get("/tooling/sobjects")
async def tooling_global(request: Request) -> Response:
    return json_response(await run_in_threadpool(_describe, get_org(request), None))


@router.get("/tooling/sobjects/{name}/describe")
async def tooling_describe(request: Request, name: str) -> Response:
    return json_response(await run_in_threadpool(_describe, get_org(request), name))


@router.get("/tooling/sobjects/{name}/{rid}")
async def tooling_record(request: Request, name: str, rid: str) -> Response:
    org = get_org(request)
    return json_response(await run_in_threadpool(get_record, org, name, rid, get_version(request)))
