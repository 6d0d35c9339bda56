"""Test-only admin API (``/_admin``, header ``X-Admin-Token``): deploy, settings, snapshots, reset,
undelete, faults, stats."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from sandbox.salesforce.deps import json_object, json_response, require_admin
from sandbox.salesforce.errors import SFError
from sandbox.salesforce.org import Org
from sandbox.salesforce.values import clock_offset, set_clock_offset

router = APIRouter()


async def _guard(request: Request) -> tuple[Org, dict]:
    """The org and the JSON body of an admin request (the token checked first)."""
    return require_admin(request), await json_object(request)


@router.post("/metadata/deploy")
async def deploy(request: Request) -> Response:
    org, body = await _guard(request)
    files = body.get("files")
    if not isinstance(files, dict) or not all(isinstance(v, str) for v in files.values()):
        raise SFError(400, "INVALID_INPUT", 'body must be {"files": {path: xml text}}')
    return json_response(await run_in_threadpool(org.deploy, files))


@router.post("/settings")
async def settings(request: Request) -> Response:
    org, body = await _guard(request)
    return json_response(org.update_settings(body))


@router.post("/clock")
async def clock(request: Request) -> Response:
    """Set the org's clock apart from ours: ``{"offset_seconds": -300}`` (record stamps, SOQL's TODAY and
    the ``Date`` header follow it); a reset puts it back."""
    _, body = await _guard(request)
    offset = body.get("offset_seconds")
    if isinstance(offset, bool) or not isinstance(offset, int | float) or abs(offset) > 86400:
        raise SFError(400, "INVALID_INPUT", 'body must be {"offset_seconds": a number within a day}')
    set_clock_offset(offset)
    return json_response({"offset_seconds": clock_offset()})


@router.post("/snapshot")
async def snapshot(request: Request) -> Response:
    org, _ = await _guard(request)
    return json_response({"snapshot_id": await run_in_threadpool(org.snapshot)})


@router.get("/snapshots/{a}/diff/{b}")
async def diff(request: Request, a: str, b: str) -> Response:
    org, _ = await _guard(request)
    include = request.query_params.get("include_system", "false").lower() == "true"
    return json_response(await run_in_threadpool(org.diff, a, b, include))


@router.post("/reset")
async def reset(request: Request) -> Response:
    org, _ = await _guard(request)
    await run_in_threadpool(org.reset)
    set_clock_offset(0)
    await run_in_threadpool(request.app.state.sessions.reset)  # no timeout, no OAuth session (sessions.py)
    request.app.state.outages.clear()
    engine = request.app.state.bulk
    with engine.lock:
        engine.jobs.clear()
        engine.query_offsets.clear()
    return json_response({"reset": True})


@router.post("/undelete")
async def undelete(request: Request) -> Response:
    org, body = await _guard(request)
    ids = body.get("ids")
    if not isinstance(ids, list) or not ids:
        raise SFError(400, "MISSING_ARGUMENT", 'body must be {"ids": [record ids]}')
    results = await run_in_threadpool(org.undelete, ids)
    return json_response(
        [
            {"id": r.id, "success": r.error is None, "errors": [r.error.as_json()] if r.error else []}
            for r in results
        ]
    )


@router.post("/faults")
async def faults(request: Request) -> Response:
    org, body = await _guard(request)
    try:
        current = org.faults.configure(body)
    except (ValueError, TypeError) as exc:
        raise SFError(400, "INVALID_INPUT", str(exc)) from None
    if current.request_limit_exhausted:
        org.limits.exhaust("DailyApiRequests")
        current.request_limit_exhausted = False
    if body.get("clear"):
        org.limits.reset()
        request.app.state.outages.clear()  # outages.py: restart, hang, path failures
    return json_response(org.faults.as_dict())


@router.get("/stats")
async def stats(request: Request) -> Response:
    org, _ = await _guard(request)
    return json_response(await run_in_threadpool(org.stats))
