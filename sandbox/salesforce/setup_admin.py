"""Test-only admin calls that set the org up as an admin would (``/_admin``, header ``X-Admin-Token``):

    POST /automation/triggers {object, name, events: ["before insert", ...], status, body}
    POST /automation/flows {object, api_name, label, trigger_type, record_trigger_type, active, process_type}
    POST /automation/workflow_rules | assignment_rules | auto_response_rules {object, name, active}
    POST /automation/duplicate_rules {object, developer_name, label, fields, match, action, alert, alert_text,
                                      active}
    POST /automation/record_types {object, developer_name, name, active, default, person, description}
    POST /person_accounts  (turns Person Accounts on; for good, as in a real org)
    GET  /automation → every definition by kind

A definition with the name of an existing one replaces it (its ids kept). The same bodies, as a setup profile
given at start (``control.up(..., setup=...)``), are part of the org's starting state (``setup_profile``).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from sandbox.salesforce import automation, person_accounts, record_types, setup_profile
from sandbox.salesforce.deps import json_object, json_response, require_admin

router = APIRouter()


@router.get("/automation")
async def list_definitions(request: Request) -> Response:
    org = require_admin(request)
    return json_response(automation.load(org))


@router.post("/automation/{kind}")
async def define(request: Request, kind: str) -> Response:
    org = require_admin(request)
    body = await json_object(request)
    return json_response(await run_in_threadpool(setup_profile.define, org, kind, body))


@router.post("/person_accounts")
async def enable_person_accounts(request: Request) -> Response:
    org = require_admin(request)
    await run_in_threadpool(person_accounts.enable, org)
    return json_response({"person_accounts": True, "record_types": record_types.of_object(org, "Account")})
