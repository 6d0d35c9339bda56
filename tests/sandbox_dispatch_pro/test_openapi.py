"""Every implemented ServiceTitan endpoint answers with bodies valid against the published OpenAPI spec."""

from __future__ import annotations

import json
import re
import time
from functools import lru_cache
from pathlib import Path

import pytest
import requests
from jsonschema import Draft202012Validator, FormatChecker

from sandbox.dispatch_pro.entities import ENTITIES
from sandbox.dispatch_pro.generator import counts

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z$")
SPEC_MODULES = ("crm", "jpm", "dispatch", "settings", "accounting", "forms", "telecom", "reporting")
SPEC_ENTITIES = [
    e for e in ENTITIES.values() if e.module in SPEC_MODULES and e.key != "job_attachments" and e.served
]

checker = FormatChecker(formats=())


@checker.checks("date-time")
def _servicetitan_timestamp(value: object) -> bool:
    """UTC, seven fractional digits, Z (stricter than RFC 3339 on purpose)."""
    return not isinstance(value, str) or bool(TIMESTAMP.match(value))


@lru_cache(maxsize=8)
def _spec(reference: Path, module: str) -> dict:
    return json.loads((reference / "servicetitan-openapi" / f"{module}-v2.json").read_text())


def validator_for(reference: Path, module: str, path: str) -> Draft202012Validator:
    spec = _spec(reference, module)
    paths = spec["paths"]
    key = f"/tenant/{{tenant}}/{path}"
    op = (paths.get(key) or paths[f"/v2{key}"])["get"]  # telecom's server is .../telecom, paths start /v2
    schema = op["responses"]["200"]["content"]["application/json"]["schema"]
    return Draft202012Validator({**schema, "components": spec["components"]}, format_checker=checker)


def _errors(validator: Draft202012Validator, body: dict) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in validator.iter_errors(body)][
        :5
    ]


@pytest.mark.parametrize("ent", SPEC_ENTITIES, ids=lambda e: e.key)
def test_every_page_matches_the_spec(dp, shared_reference: Path, ent) -> None:
    validator = validator_for(shared_reference, ent.module, ent.path)
    if ent.kind == "export":
        _records, pages = dp.export_all(ent.module, ent.path)
    else:
        pages = [dp.get(ent.module, ent.path, pageSize=5000, active="Any", includeTotal="true").json()]
    assert pages and pages[0]["data"], f"{ent.key}: no data served"
    for page in pages:
        assert _errors(validator, page) == [], ent.key


def test_report_definitions_match_the_reporting_spec(dp, shared_reference: Path) -> None:
    listing = validator_for(shared_reference, "reporting", "report-category/{report_category}/reports")
    detail = validator_for(
        shared_reference, "reporting", "report-category/{report_category}/reports/{reportId}"
    )
    seen = 0
    for category in dp.get("reporting", "report-categories").json()["data"]:
        page = dp.get("reporting", f"report-category/{category['id']}/reports").json()
        assert _errors(listing, page) == []
        for row in page["data"]:
            body = dp.get("reporting", f"report-category/{category['id']}/reports/{row['id']}").json()
            assert _errors(detail, body) == [] and body["fields"] and body["parameters"]
            seen += 1
    assert seen >= 3
    assert dp.get("reporting", "report-category/nope/reports").status_code == 404


def test_job_attachments_list_has_the_paginated_envelope(dp, shared_reference: Path) -> None:
    # the spec gives no 200 schema for this endpoint: check the envelope against a sibling list schema and
    # the items against the spec's AttachmentResponse (fileName) plus the documented extra fields
    validator = validator_for(shared_reference, "forms", "submissions")
    jobs, _ = dp.export_all("jpm", "export/jobs")
    seen = 0
    for job in jobs[:60]:
        body = dp.get("forms", f"jobs/{job['id']}/attachments", includeTotal="true").json()
        envelope = {**body, "data": []}
        assert _errors(validator, envelope) == []
        for item in body["data"]:
            assert set(item) == {"id", "jobId", "fileName", "contentType", "size", "createdOn", "createdById"}
            assert item["jobId"] == job["id"] and isinstance(item["fileName"], str) and item["size"] >= 0
            assert TIMESTAMP.match(item["createdOn"])
            seen += 1
    assert seen > 0


def test_money_on_accounting_objects_is_text(dp) -> None:
    invoices, _ = dp.export_all("accounting", "export/invoices")
    money = re.compile(r"^-?\d+\.\d{2}$")
    for inv in invoices:
        for key in ("subTotal", "salesTax", "total", "balance"):
            assert isinstance(inv[key], str) and money.match(inv[key]), (key, inv[key])
        cents = sum(round(float(item["total"]) * 100) for item in inv["items"])
        assert cents == round(float(inv["subTotal"]) * 100)
        assert round(float(inv["total"]) * 100) == cents + round(float(inv["salesTax"]) * 100)


def _export_folder(dp) -> Path:
    """The folder the simulator writes in the background after start-up, once /health says it is ready."""
    for _ in range(300):
        health = requests.get(f"{dp.ep['base_url']}/health", timeout=10).json()
        if health["exports_ready"]:
            break
        time.sleep(0.2)
    assert health["exports_dir"] and health["exports_ready"], health
    return Path(health["exports_dir"])


def test_dispatch_pro_additions_are_not_served_but_written_to_the_export_folder(dp) -> None:
    for path in ("export/job-dispatch-metadata", "playbooks", "dashboards"):
        assert dp.get("dispatch-pro", path).status_code == 404, path
    folder = _export_folder(dp)
    meta = [json.loads(line) for line in (folder / "job_dispatch_metadata.jsonl").read_text().splitlines()]
    assert len(meta) == counts(42, "tiny")["jobs"]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["records"]["job_dispatch_metadata"] == len(meta)
    playbooks = json.loads((folder / "playbooks.json").read_text())["data"]
    dashboards = json.loads((folder / "dashboards.json").read_text())["data"]
    _check_dispatch_pro_shapes(meta, playbooks, dashboards)


def _check_dispatch_pro_shapes(meta: list[dict], playbooks: list[dict], dashboards: list[dict]) -> None:
    priorities = {"Emergency", "Critical", "Urgent", "High", "Elevated", "Standard", "Low", "Deferred"}
    assert {m["priority"] for m in meta} == priorities
    for m in meta:
        assert {
            "jobId",
            "priority",
            "slaDueOn",
            "isAutoDispatched",
            "optimizationScore",
            "lockedToTechnician",
        } <= set(m)
        assert TIMESTAMP.match(m["slaDueOn"]) and TIMESTAMP.match(m["modifiedOn"])
    assert playbooks and any(not p["active"] for p in playbooks)
    for p in playbooks:
        assert set(p) >= {"id", "name", "active", "trigger", "conditions", "actions", "timers"}
        assert set(p["trigger"]) == {"type", "object", "event"}
    assert dashboards
    for d in dashboards:
        assert d["reports"]
        for report in d["reports"]:
            assert set(report) == {"id", "name", "type", "object", "filters", "groupings", "columns"}
