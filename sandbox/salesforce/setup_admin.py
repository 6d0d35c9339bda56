"""Test-only admin calls that set the org up as an admin would (``/_admin``, header ``X-Admin-Token``):

    POST /automation/triggers {object, name, events: ["before insert", ...], status, body}
    POST /automation/flows {object, api_name, label, trigger_type, record_trigger_type, active, process_type}
    POST /automation/workflow_rules | assignment_rules | auto_response_rules {object, name, active}
    POST /automation/duplicate_rules {object, developer_name, label, fields, match, action, alert, alert_text,
                                      active}
    POST /automation/record_types {object, developer_name, name, active, default, person, description}
    POST /person_accounts  (turns Person Accounts on; for good, as in a real org)
    GET  /automation → every definition by kind

A definition with the name of an existing one replaces it (its ids kept).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from sandbox.salesforce import automation, duplicates, person_accounts, record_types
from sandbox.salesforce.deps import json_object, json_response, require_admin

router = APIRouter()

DEFINE = {
    "triggers": automation.define_trigger,
    "flows": automation.define_flow,
    "workflow_rules": lambda org, body: automation.define_rule(org, "workflow_rules", body),
    "assignment_rules": lambda org, body: automation.define_rule(org, "assignment_rules", body),
    "auto_response_rules": lambda org, body: automation.define_rule(org, "auto_response_rules", body),
    "duplicate_rules": duplicates.define,
    "record_types": record_types.define,
}


@router.get("/automation")
async def list_definitions(request: Request) -> Response:
    org = require_admin(request)
    return json_response(automation.load(org))


@router.post("/automation/{kind}")
async def define(request: Request, kind: str) -> Response:
    org = require_admin(request)
    body = await json_object(request)
    make = DEFINE.get(kind)
    if make is None:
        raise automation.bad(f"unknown kind {kind!r}; choose from {', '.join(DEFINE)}")
    return json_response(await run_in_threadpool(make, org, body))


@router.post("/person_accounts")
async def enable_person_accounts(request: Request) -> Response:
    org = require_admin(request)
    await run_in_threadpool(person_accounts.enable, org)
    return json_response({"person_accounts": True, "record_types": record_types.of_object(org, "Account")})
