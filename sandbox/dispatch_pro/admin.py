"""The admin API (``/_admin``, header ``X-Admin-Token``): changes, faults, settings, counts, request log."""

from __future__ import annotations

import random
import secrets
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from .entities import resolve
from .faults import parse_fault
from .generator import counts
from .records import rid
from .rng import derive
from .timefmt import fmt

if TYPE_CHECKING:
    from .app import SimState


def admin_router(state: SimState) -> APIRouter:
    from .app import ApiError, json_response

    router = APIRouter(prefix="/_admin")

    def check(request: Request) -> None:
        given = request.headers.get("x-admin-token", "")
        if not secrets.compare_digest(given, state.config.credentials.admin_token):
            raise ApiError(401, "Unauthorized: missing or wrong X-Admin-Token header")

    async def body_of(request: Request) -> dict[str, Any]:
        try:
            body = await request.json()
        except ValueError:
            raise ApiError(400, "The body must be JSON", {"body": ["not valid JSON"]}) from None
        if not isinstance(body, dict):
            raise ApiError(400, "The body must be a JSON object", {"body": ["expected an object"]})
        return body

    @router.post("/changes")
    async def changes(request: Request) -> Response:
        """Modify N existing and create M new records of an export entity (modifiedOn = now)."""
        check(request)
        body = await body_of(request)
        try:
            ent = resolve(str(body.get("entity", "")))
            modify, create = int(body.get("modify", 0)), int(body.get("create", 0))
            ids = [int(x) for x in body.get("ids", [])]
        except (TypeError, ValueError) as exc:
            raise ApiError(400, f"Bad change request: {exc}", {"entity": [str(exc)]}) from None
        if modify < 0 or create < 0 or modify + create + len(ids) == 0:
            raise ApiError(
                400,
                "Ask for something: 'modify' and/or 'create' >= 1, or 'ids'",
                {"modify": ["must be >= 0"]},
            )
        if create and not ent.creatable:
            raise ApiError(
                400,
                f"Entity {ent.key!r} does not support 'create' (only modify)",
                {"create": ["not supported"]},
            )
        ds = state.dataset
        overlay = ds.overlay
        assert overlay is not None
        total = ent.count(ds)
        if modify > total:
            raise ApiError(
                400, f"'modify' asks for {modify} records but {ent.key} has {total}", {"modify": ["too many"]}
            )
        pick = random.Random(derive(ds.seed, ent.code, overlay.version, 77))
        indexes = pick.sample(range(total), modify)
        for record_id in ids:
            index = record_id - rid(ent.code, 0)
            if not 0 <= index < total:
                raise ApiError(404, f"{ent.key} id {record_id} not found", {"ids": [str(record_id)]})
            indexes.append(index)
        modified = [(i, overlay.modify(ent.code, i)) for i in indexes]
        base = ent.base(ds)
        created = [overlay.create(ent.code, base) for _ in range(create)]
        overlay.save()
        last = max([t for _, t in modified] + [int(overlay.row(ent.code, i)[0]) for i in created])  # type: ignore[index]
        return json_response(
            {
                "entity": ent.key,
                "modified_ids": [rid(ent.code, i) for i, _ in modified],
                "created_ids": [rid(ent.code, i) for i in created],
                "modifiedOn": fmt(last),
            }
        )

    @router.post("/faults")
    async def add_fault(request: Request) -> Response:
        check(request)
        body = await body_of(request)
        try:
            fault = parse_fault(body)
        except ValueError as exc:
            raise ApiError(400, f"Bad fault: {exc}", {"kind": [str(exc)]}) from None
        if fault.kind == "expire_tokens":
            return json_response(
                {"expired_tokens": state.tokens.expire_all(), "faults": state.faults.listing()}
            )
        state.faults.add(fault)
        return json_response({"faults": state.faults.listing()})

    @router.get("/faults")
    async def list_faults(request: Request) -> Response:
        check(request)
        return json_response({"faults": state.faults.listing()})

    @router.delete("/faults")
    async def clear_faults(request: Request) -> Response:
        check(request)
        return json_response({"cleared": state.faults.clear()})

    @router.get("/settings")
    async def get_settings(request: Request) -> Response:
        check(request)
        return json_response(_settings(state))

    @router.post("/settings")
    async def set_settings(request: Request) -> Response:
        check(request)
        body = await body_of(request)
        unknown = set(body) - {"token_lifetime_s", "export_page_size"}
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
        return json_response(_settings(state))

    @router.get("/counts")
    async def get_counts(request: Request) -> Response:
        check(request)
        nested = request.query_params.get("nested")
        flag = None if nested is None else nested.lower() in ("1", "true")
        ds = state.dataset
        return json_response(counts(ds.seed, ds.scale_name, nested=flag, dataset=ds))

    @router.get("/requests")
    async def get_requests(request: Request) -> Response:
        check(request)
        needle = request.query_params.get("path_contains")
        rows = [r for r in state.requests if not needle or needle in r["path"]]
        return json_response({"count": len(rows), "requests": rows})

    @router.delete("/requests")
    async def clear_requests(request: Request) -> Response:
        check(request)
        n = len(state.requests)
        state.requests.clear()
        return json_response({"cleared": n})

    return router


def _settings(state: SimState) -> dict[str, Any]:
    return {"token_lifetime_s": state.tokens.lifetime_s, "export_page_size": state.config.export_page_size}
