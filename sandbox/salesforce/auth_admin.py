"""Test-only admin routes (``/_admin``, header ``X-Admin-Token``) for connected apps, sessions and outages.

POST /connected-apps {name, certificate?, consumer_key?, consumer_secret?, pre_authorized?, run_as?,
                      scopes?}          → the app with its consumer key and secret
GET  /connected-apps                    → the apps (no secrets);  DELETE /connected-apps/{name}
POST /sessions {timeout_seconds, timeout_kind: age|inactivity, static_token_expires, revoke}
GET  /sessions                          → settings, tokens issued per flow, live sessions (no tokens)
POST /outages {restart: {seconds, mode}, hang: {path, seconds, method?, count?},
               fail: {path, status?, method?, count?}, clear}
GET  /outages
"""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from sandbox.salesforce import oauth
from sandbox.salesforce.deps import json_object, json_response, require_admin
from sandbox.salesforce.errors import SFError

router = APIRouter()


@router.post("/connected-apps")
async def register_app(request: Request) -> Response:
    org = require_admin(request)
    body = await json_object(request)
    app = await run_in_threadpool(oauth.save_app, org, body)
    return json_response(asdict(app))


@router.get("/connected-apps")
async def list_apps(request: Request) -> Response:
    org = require_admin(request)
    apps = await run_in_threadpool(oauth.list_apps, org)
    return json_response([a.public() for a in apps.values()])


@router.delete("/connected-apps/{name}")
async def delete_app(request: Request, name: str) -> Response:
    org = require_admin(request)
    if not await run_in_threadpool(oauth.delete_app, org, name):
        raise SFError(404, "NOT_FOUND", f"no connected app {name!r}")
    return json_response({"deleted": name})


@router.post("/sessions")
async def sessions(request: Request) -> Response:
    require_admin(request)
    body = await json_object(request)
    return json_response(await run_in_threadpool(request.app.state.sessions.configure, body))


@router.get("/sessions")
async def describe_sessions(request: Request) -> Response:
    require_admin(request)
    return json_response(request.app.state.sessions.describe())


@router.post("/outages")
async def outages(request: Request) -> Response:
    require_admin(request)
    body = await json_object(request)
    return json_response(request.app.state.outages.configure(body))


@router.get("/outages")
async def describe_outages(request: Request) -> Response:
    require_admin(request)
    return json_response(request.app.state.outages.describe())
