"""The admin API (``/_admin``, header ``X-Admin-Token``): changes, faults, settings, counts, request log,
and re-writing the export folder."""

from __future__ import annotations

import random
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from .deps import ApiError, json_body, json_response, require_admin
from .entities import resolve
from .exports import write_exports
from .faults import parse_fault
from .generator import counts
from .records import ATTACHMENTS, INVOICES, JOBS, created_item_invoice, job_of_child, rid
from .rng import derive
from .state import SimState
from .timefmt import fmt

Admin = Depends(require_admin)
router = APIRouter(prefix="/_admin")
admin_router = router  # create_app includes it


def _indexes(ent_key: str, code: int, ids: list[int], total: int, field: str) -> list[int]:
    out = []
    for record_id in ids:
        index = record_id - rid(code, 0)
        if not 0 <= index < total:
            raise ApiError(404, f"{ent_key} id {record_id} not found", {field: [str(record_id)]})
        out.append(index)
    return out


def _bump_parent(state: SimState, ent_key: str, index: int) -> None:
    """A new child shows in a delta through its parent too: a job lists its attachments again, an invoice
    its lines (the extract lists attachments per job of the run)."""
    ds, overlay = state.dataset, state.dataset.overlay
    assert overlay is not None
    if ent_key == "job_attachments":
        job, _ = job_of_child(ds, ds.sk.att_off, ATTACHMENTS, index)
        overlay.touch(JOBS, job)
    elif ent_key == "invoice_items":
        overlay.touch(INVOICES, created_item_invoice(ds, index))


@router.post("/changes")
async def changes(request: Request, state: SimState = Admin) -> Response:
    """Change records of an entity as users would (``modifiedOn`` = now), for a delta extract to pick up.

    ``modify`` N random (plus ``ids``): new modifiedOn and content (a job advances its status, a technician's
    email changes, ...); ``deactivate`` N random (plus ``deactivate_ids``): set inactive; ``create`` M new
    records (customers, locations, jobs, job notes, calls, invoice line items, job attachments)."""
    body = await json_body(request)
    try:
        ent = resolve(str(body.get("entity", "")))
        modify, create = int(body.get("modify", 0)), int(body.get("create", 0))
        deactivate = int(body.get("deactivate", 0))
        ids = [int(x) for x in body.get("ids", [])]
        deactivate_ids = [int(x) for x in body.get("deactivate_ids", [])]
    except (TypeError, ValueError) as exc:
        raise ApiError(400, f"Bad change request: {exc}", {"entity": [str(exc)]}) from None
    if (
        min(modify, create, deactivate) < 0
        or modify + create + deactivate + len(ids) + len(deactivate_ids) == 0
    ):
        raise ApiError(
            400,
            "Ask for something: 'modify', 'create' and/or 'deactivate' >= 1, or 'ids' / 'deactivate_ids'",
            {"modify": ["must be >= 0"]},
        )
    if create and not ent.creatable:
        raise ApiError(
            400, f"Entity {ent.key!r} does not support 'create' (only modify)", {"create": ["not supported"]}
        )
    if ent.kind != "export" and (modify or ids or deactivate or deactivate_ids):
        raise ApiError(400, f"Entity {ent.key!r} supports only 'create'", {"modify": ["not supported"]})
    ds = state.dataset
    overlay = ds.overlay
    assert overlay is not None
    total = ent.count(ds)
    if modify + deactivate > total:
        raise ApiError(
            400, f"asks for {modify + deactivate} records but {ent.key} has {total}", {"modify": ["too many"]}
        )
    pick = random.Random(derive(ds.seed, ent.code, overlay.version, 77))
    chosen = pick.sample(range(total), modify + deactivate)
    to_modify = chosen[:modify] + _indexes(ent.key, ent.code, ids, total, "ids")
    to_deactivate = chosen[modify:] + _indexes(ent.key, ent.code, deactivate_ids, total, "deactivate_ids")
    modified = [(i, overlay.modify(ent.code, i)) for i in to_modify]
    deactivated = [(i, overlay.deactivate(ent.code, i)) for i in to_deactivate]
    base = ent.base(ds)
    created = [overlay.create(ent.code, base) for _ in range(create)]
    for index in created:
        _bump_parent(state, ent.key, index)
    overlay.save()
    stamps = [t for _, t in modified + deactivated] + [int(overlay.row(ent.code, i)[0]) for i in created]  # type: ignore[index]
    return json_response(
        {
            "entity": ent.key,
            "modified_ids": [rid(ent.code, i) for i, _ in modified],
            "deactivated_ids": [rid(ent.code, i) for i, _ in deactivated],
            "created_ids": [rid(ent.code, i) for i in created],
            "modifiedOn": fmt(max(stamps)),
        }
    )


@router.post("/faults")
async def add_fault(request: Request, state: SimState = Admin) -> Response:
    body = await json_body(request)
    try:
        fault = parse_fault(body)
    except ValueError as exc:
        raise ApiError(400, f"Bad fault: {exc}", {"kind": [str(exc)]}) from None
    if fault.kind == "expire_tokens":
        return json_response({"expired_tokens": state.tokens.expire_all(), "faults": state.faults.listing()})
    state.faults.add(fault)
    return json_response({"faults": state.faults.listing()})


@router.get("/faults")
async def list_faults(request: Request, state: SimState = Admin) -> Response:
    return json_response({"faults": state.faults.listing()})


@router.delete("/faults")
async def clear_faults(request: Request, state: SimState = Admin) -> Response:
    return json_response({"cleared": state.faults.clear()})


@router.get("/settings")
async def get_settings(request: Request, state: SimState = Admin) -> Response:
    return json_response(_settings(state))


@router.post("/settings")
async def set_settings(request: Request, state: SimState = Admin) -> Response:
    body = await json_body(request)
    unknown = set(body) - {"token_lifetime_s", "export_page_size", "rate_limit_per_s"}
    if unknown:
        raise ApiError(
            400, f"Unknown setting(s): {', '.join(sorted(unknown))}", {k: ["unknown"] for k in unknown}
        )
    if "token_lifetime_s" in body:
        value = body["token_lifetime_s"]
        if not isinstance(value, int | float) or not 1 <= value <= 86_400:
            raise ApiError(400, "token_lifetime_s must be 1..86400", {"token_lifetime_s": [repr(value)]})
        state.tokens.lifetime_s = float(value)
    if "export_page_size" in body:
        value = body["export_page_size"]
        if not isinstance(value, int) or not 1 <= value <= 50_000:
            raise ApiError(
                400, "export_page_size must be an integer 1..50000", {"export_page_size": [repr(value)]}
            )
        state.config.export_page_size = value
    if "rate_limit_per_s" in body:
        value = body["rate_limit_per_s"]
        if not isinstance(value, int | float) or not 0 <= value <= 100_000:
            raise ApiError(
                400, "rate_limit_per_s must be 0 (off)..100000", {"rate_limit_per_s": [repr(value)]}
            )
        state.config.rate_limit_per_s = float(value)
        state.limiter.set_limit(float(value))
    return json_response(_settings(state))


@router.get("/counts")
async def get_counts(request: Request, state: SimState = Admin) -> Response:
    nested = request.query_params.get("nested")
    flag = None if nested is None else nested.lower() in ("1", "true")
    ds = state.dataset
    return json_response(counts(ds.seed, ds.scale_name, nested=flag, dataset=ds))


@router.get("/requests")
async def get_requests(request: Request, state: SimState = Admin) -> Response:
    needle = request.query_params.get("path_contains")
    rows = [r for r in state.requests if not needle or needle in r["path"]]
    return json_response({"count": len(rows), "requests": rows})


@router.delete("/requests")
async def clear_requests(request: Request, state: SimState = Admin) -> Response:
    n = len(state.requests)
    state.requests.clear()
    return json_response({"cleared": n})


@router.post("/exports")
async def rewrite_exports(request: Request, state: SimState = Admin) -> Response:
    """Write the export folder again (after admin changes), as a customer would hand over a new one."""
    folder = state.config.exports_dir
    if folder is None:
        raise ApiError(409, "This simulator writes no export folder (started without a state dir)")
    records = write_exports(state.dataset, folder)
    state.exports_ready = True
    return json_response({"exports_dir": str(folder), "records": records})


def _settings(state: SimState) -> dict[str, Any]:
    return {
        "token_lifetime_s": state.tokens.lifetime_s,
        "export_page_size": state.config.export_page_size,
        "rate_limit_per_s": state.limiter.limit,
        "rate_limited_requests": state.limiter.rejected,
    }
