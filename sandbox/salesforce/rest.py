"""REST API: describe, limits, sobject CRUD and upsert, SOQL query/queryAll with paging, composite."""

from __future__ import annotations

import secrets
import threading
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from sandbox.salesforce import compound, files, record_types
from sandbox.salesforce.compound import COMPOUND_TYPES
from sandbox.salesforce.deps import OrgDep, get_org, get_version, json_body, json_response
from sandbox.salesforce.errors import SFError, not_found
from sandbox.salesforce.org import Org
from sandbox.salesforce.soql import Query, compile_query
from sandbox.salesforce.values import to_json_value
from sandbox.salesforce.writer import PlanError, Result, audit_fields_settable, with_audit_createable

router = APIRouter()
PAGE = 2000
MAX_CURSORS = 500
_cursors: dict[str, tuple[Query, int, int]] = {}
_cursor_lock = threading.Lock()


def flatten(obj: Any, body: dict) -> dict:
    """A REST record body with nested ``{"Account": {"Ext__c": "x"}}`` as ``Account.Ext__c`` keys."""
    if not isinstance(body, dict):
        raise SFError(400, "JSON_PARSER_ERROR", "The request body must be a JSON object of field values")
    out = {}
    for key, value in body.items():
        if key == "attributes":
            continue
        if isinstance(value, dict):
            for sub, subvalue in value.items():
                if sub != "attributes":
                    out[f"{key}.{sub}"] = subvalue
        else:
            out[key] = value
    return out


def invalid_field(exc: PlanError, obj: Any) -> SFError:
    if exc.reason:
        return SFError(400, "INVALID_FIELD", f"Field {exc.key} is {exc.reason} on {obj.name}", [exc.key])
    return SFError(400, "INVALID_FIELD", f"No such column '{exc.key}' on sobject of type {obj.name}", [])


def _one(results: list[Result]) -> Result:
    res = results[0]
    if res.error:
        raise SFError.from_record(res.error)
    return res


# -- describe, limits ----------------------------------------------------------------------------
@router.get("/limits")
async def limits(org: OrgDep) -> Response:
    return json_response(org.limits.snapshot())


@router.get("/sobjects")
async def describe_global(org: OrgDep) -> Response:
    return json_response(org.registry.describe_global())


@router.get("/sobjects/{name}/describe")
async def describe(request: Request, org: OrgDep, name: str) -> Response:
    obj = org.sobject(name)
    described = org.registry.describe_sobject(obj.name)
    if audit_fields_settable(org, obj.name):
        described = with_audit_createable(described)
    infos = record_types.record_type_infos(org, obj.name, get_version(request))
    if infos is not None:
        described["recordTypeInfos"] = infos
    return json_response(described)


@router.get("/sobjects/{name}")
async def basic_info(request: Request, org: OrgDep, name: str) -> Response:
    obj = org.sobject(name)
    described = org.registry.describe_sobject(obj.name)
    info = {
        k: v for k, v in described.items() if k not in {"fields", "childRelationships", "recordTypeInfos"}
    }
    rows = await run_in_threadpool(
        compile_query(org, f"SELECT Id FROM {obj.name} ORDER BY LastModifiedDate DESC LIMIT 5").fetch, 5, 0
    )
    recent = [
        {
            "attributes": {
                "type": obj.name,
                "url": f"/services/data/v{get_version(request)}/sobjects/{obj.name}/{r[0]}",
            },
            "Id": r[0],
        }
        for r in rows
    ]
    return json_response({"objectDescribe": info, "recentItems": recent})


# -- records -------------------------------------------------------------------------------------
def record_json(org: Org, obj: Any, rec: dict, version: str, fields: list[str] | None = None) -> dict:
    base = f"/services/data/v{version}/sobjects/{obj.name}"
    out: dict[str, Any] = {"attributes": {"type": obj.name, "url": f"{base}/{rec['Id']}"}}
    wanted = [obj.field(f) for f in fields] if fields else list(obj.fields.values())
    for f in wanted:
        if f is None:
            continue
        if f.type == "base64":
            out[f.name] = f"{base}/{rec['Id']}/{f.name}"
        elif f.name in rec:
            out[f.name] = to_json_value(f.type, rec[f.name])
        elif f.type in COMPOUND_TYPES:
            out[f.name] = compound.value(obj, f, rec)
    return out


@router.post("/sobjects/{name}")
async def create(request: Request, org: OrgDep, name: str) -> Response:
    obj = org.sobject(name)
    if obj.name == "ContentVersion":
        res = await files.create_from_request(org, request)
        return json_response({"id": res, "success": True, "errors": []}, 201)
    if not obj.createable:
        raise SFError(400, "INVALID_TYPE_FOR_OPERATION", f"entity type cannot be inserted: {obj.label}")
    body = flatten(obj, await json_body(request))
    try:
        res = _one(await run_in_threadpool(org.writer(obj.name).insert, [body]))
    except PlanError as exc:
        raise invalid_field(exc, obj) from None
    return json_response({"id": res.id, "success": True, "errors": []}, 201)


@router.get("/sobjects/{name}/{rid}")
async def get_record(request: Request, org: OrgDep, name: str, rid: str) -> Response:
    obj = org.sobject(name)
    fields = [f for f in request.query_params.get("fields", "").split(",") if f.strip()]
    bad = [f for f in fields if obj.field(f.strip()) is None]
    if bad:
        raise SFError(400, "INVALID_FIELD", f"No such column '{bad[0]}' on entity '{obj.name}'")
    rec = await run_in_threadpool(org.get_record, obj.name, rid)
    return json_response(
        record_json(org, obj, rec, get_version(request), [f.strip() for f in fields] or None)
    )


@router.patch("/sobjects/{name}/{rid}")
async def update(request: Request, org: OrgDep, name: str, rid: str) -> Response:
    obj = org.sobject(name)
    if not obj.updateable:
        raise SFError(400, "INVALID_TYPE_FOR_OPERATION", f"entity type cannot be updated: {obj.label}")
    body = flatten(obj, await json_body(request))
    rid18 = org.normalize_record_id(rid)
    if rid18 is None or rid18[:3] != obj.key_prefix:
        raise not_found()
    body = {k: v for k, v in body.items() if k.lower() != "id"}
    try:
        results = await run_in_threadpool(org.writer(obj.name).update, [{"Id": rid18, **body}])
    except PlanError as exc:
        raise invalid_field(exc, obj) from None
    err = results[0].error
    if err and err.code in {"INVALID_CROSS_REFERENCE_KEY", "ENTITY_IS_DELETED"} and not err.fields:
        raise SFError(
            404,
            err.code if err.code == "ENTITY_IS_DELETED" else "NOT_FOUND",
            "entity is deleted"
            if err.code == "ENTITY_IS_DELETED"
            else "The requested resource does not exist",
        )
    _one(results)
    return Response(status_code=204)


@router.delete("/sobjects/{name}/{rid}")
async def delete(request: Request, org: OrgDep, name: str, rid: str) -> Response:
    obj = org.sobject(name)
    rid18 = org.normalize_record_id(rid)
    if rid18 is None or rid18[:3] != obj.key_prefix:
        raise not_found()
    err = (await run_in_threadpool(org.delete, [rid18]))[0].error
    if err:
        status = 404 if err.code in {"INVALID_CROSS_REFERENCE_KEY", "ENTITY_IS_DELETED"} else 400
        code = "NOT_FOUND" if err.code == "INVALID_CROSS_REFERENCE_KEY" else err.code
        raise SFError(
            status, code, "The requested resource does not exist" if code == "NOT_FOUND" else err.message
        )
    return Response(status_code=204)


@router.get("/sobjects/{name}/{field}/{value}")
async def get_by_external_id_or_blob(
    request: Request, org: OrgDep, name: str, field: str, value: str
) -> Response:
    """``…/ContentVersion/{id}/VersionData`` streams the bytes; otherwise a record by external id."""
    obj = org.sobject(name)
    blob = obj.field(value)
    if blob is not None and blob.type == "base64":
        return await files.download(org, obj, field)
    ext = obj.field(field)
    if ext is None or not (ext.external_id or ext.id_lookup):
        raise SFError(
            404, "NOT_FOUND", f"Provided external ID field does not exist or is not accessible: {field}"
        )
    q = compile_query(org, f"SELECT Id FROM {obj.name} WHERE {ext.name} = '{_soql_escape(value)}'")
    rows = await run_in_threadpool(q.fetch, 3, 0)
    if not rows:
        raise not_found()
    if len(rows) > 1:
        urls = [f"/services/data/v{get_version(request)}/sobjects/{obj.name}/{r[0]}" for r in rows]
        return json_response(urls, 300)
    rec = await run_in_threadpool(org.get_record, obj.name, rows[0][0])
    return json_response(record_json(org, obj, rec, get_version(request)))


def _soql_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\'")


@router.patch("/sobjects/{name}/{field}/{value}")
async def upsert(request: Request, org: OrgDep, name: str, field: str, value: str) -> Response:
    obj = org.sobject(name)
    ext = obj.field(field)
    if ext is None or not (ext.external_id or ext.id_lookup or ext.name == "Id"):
        raise SFError(
            404, "NOT_FOUND", f"Provided external ID field does not exist or is not accessible: {field}"
        )
    body = flatten(obj, await json_body(request))
    if any(k.lower() == ext.name.lower() for k in body):
        raise SFError(
            400,
            "INVALID_FIELD",
            f"The field {ext.name} is the external ID used in the URL; it cannot be given in the body",
            [ext.name],
        )
    body[ext.name] = value
    writer = org.writer(obj.name)
    existing = await run_in_threadpool(
        compile_query(org, f"SELECT Id FROM {obj.name} WHERE {ext.name} = '{_soql_escape(value)}'").fetch,
        3,
        0,
    )
    if len(existing) > 1:
        urls = [f"/services/data/v{get_version(request)}/sobjects/{obj.name}/{r[0]}" for r in existing]
        return json_response(urls, 300)
    try:
        res = _one(await run_in_threadpool(writer.upsert, ext.name, [body]))
    except PlanError as exc:
        raise invalid_field(exc, obj) from None
    body_out = {"id": res.id, "success": True, "errors": [], "created": res.created}
    return json_response(body_out, 201 if res.created else 200)


# -- SOQL ----------------------------------------------------------------------------------------
def _page(org: Org, query: Query, offset: int, total: int, version: str, endpoint: str) -> dict:
    rows = query.fetch(PAGE, offset)
    body: dict[str, Any] = {
        "totalSize": total,
        "done": offset + len(rows) >= total,
        "records": query.records(rows, version),
    }
    if not body["done"]:
        with _cursor_lock:
            cursor = "01g" + secrets.token_hex(8).upper()[:15]
            _cursors[cursor] = (query, offset + len(rows), total)
            while len(_cursors) > MAX_CURSORS:  # like a real org, old locators expire
                _cursors.pop(next(iter(_cursors)))
        body["nextRecordsUrl"] = f"/services/data/v{version}/{endpoint}/{cursor}-{offset + len(rows)}"
    return body


def _run_query(org: Org, text: str, include_deleted: bool, version: str) -> dict:
    query = compile_query(org, text, include_deleted)
    total = query.count()
    if query.count_only:
        return {"totalSize": total, "done": True, "records": []}
    if query.aggregate:
        return {
            "totalSize": 1,
            "done": True,
            "records": [{"attributes": {"type": "AggregateResult"}, "expr0": total}],
        }
    return _page(org, query, 0, total, version, "queryAll" if include_deleted else "query")


async def _query(request: Request, include_deleted: bool) -> Response:
    text = request.query_params.get("q")
    if not text:
        raise SFError(400, "MALFORMED_QUERY", "A query string (q) is required")
    org = get_org(request)
    body = await run_in_threadpool(_run_query, org, text, include_deleted, get_version(request))
    return json_response(body)


async def _more(request: Request, locator: str, include_deleted: bool) -> Response:
    cursor = locator.split("-", 1)[0]
    with _cursor_lock:
        entry = _cursors.pop(cursor, None)
    if entry is None:
        raise SFError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
    query, offset, total = entry
    endpoint = "queryAll" if include_deleted else "query"
    body = await run_in_threadpool(
        _page, get_org(request), query, offset, total, get_version(request), endpoint
    )
    return json_response(body)


@router.get("/query")
async def query(request: Request) -> Response:
    return await _query(request, False)


@router.get("/queryAll")
async def query_all(request: Request) -> Response:
    return await _query(request, True)


@router.get("/query/{locator}")
async def query_more(request: Request, locator: str) -> Response:
    return await _more(request, locator, False)


@router.get("/queryAll/{locator}")
async def query_all_more(request: Request, locator: str) -> Response:
    return await _more(request, locator, True)


# -- composite sobjects --------------------------------------------------------------------------
def _composite_results(results: list[Result], all_or_none: bool) -> list[dict]:
    failed = any(r.error for r in results)
    out = []
    for r in results:
        if r.error:
            out.append({"success": False, "errors": [r.error.as_json()]})
        elif all_or_none and failed:
            out.append(
                {
                    "id": r.id,
                    "success": False,
                    "errors": [
                        {
                            "statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
                            "message": "Record rolled back because not all records were valid and the "
                            "request was using "
                            "AllOrNone header",
                            "fields": [],
                        }
                    ],
                }
            )
        else:
            item = {"id": r.id, "success": True, "errors": []}
            if r.created:
                item["created"] = True
            out.append(item)
    return out


def _write_composite(org: Org, records: list[dict], method: str, all_or_none: bool) -> list[dict]:
    if len(records) > 200:
        raise SFError(
            400,
            "EXCEEDED_ID_LIMIT",
            "record limit reached. cannot submit more than 200 records into this call",
        )
    results: list[Result | None] = [None] * len(records)
    by_type: dict[str, list[tuple[int, dict]]] = {}
    for i, rec in enumerate(records):
        attrs = rec.get("attributes") if isinstance(rec, dict) else None
        if not attrs or not attrs.get("type"):
            raise SFError(400, "INVALID_TYPE", "Must send a concrete entity type.")
        by_type.setdefault(attrs["type"], []).append((i, rec))
    with org.write_lock:
        created: list[tuple[str, str]] = []
        before: list[tuple[Any, dict]] = []
        for type_name, items in by_type.items():
            obj = org.sobject(type_name)
            bodies = [flatten(obj, rec) for _, rec in items]
            writer = org.writer(obj.name)
            try:
                if method == "POST":
                    if any("Id" in b or "id" in b for b in bodies):
                        raise SFError(400, "INVALID_FIELD", "cannot specify Id in an insert call")
                    res = writer.insert(bodies)
                else:
                    if all_or_none:
                        ids = [org.normalize_record_id(b.get("Id") or b.get("id")) for b in bodies]
                        before += [(writer, row) for row in writer.fetch([i for i in ids if i]).values()]
                    res = writer.update(bodies)
            except PlanError as exc:
                raise invalid_field(exc, obj) from None
            for (i, _), r in zip(items, res, strict=True):
                r.index = i
                results[i] = r
                if r.created and r.id:
                    created.append((obj.name, r.id))
        final = [r for r in results if r is not None]
        if all_or_none and any(r.error for r in final):
            if created:
                org.delete([rid for _, rid in created], hard=True)
            for writer, row in before:
                writer.restore(row)
    return _composite_results(final, all_or_none)


@router.post("/composite/sobjects")
async def composite_create(request: Request, org: OrgDep) -> Response:
    body = await json_body(request)
    out = await run_in_threadpool(
        _write_composite, org, body.get("records") or [], "POST", bool(body.get("allOrNone"))
    )
    return json_response(out)


@router.patch("/composite/sobjects")
async def composite_update(request: Request, org: OrgDep) -> Response:
    body = await json_body(request)
    out = await run_in_threadpool(
        _write_composite, org, body.get("records") or [], "PATCH", bool(body.get("allOrNone"))
    )
    return json_response(out)


@router.delete("/composite/sobjects")
async def composite_delete(request: Request, org: OrgDep) -> Response:
    ids = [i for i in request.query_params.get("ids", "").split(",") if i]
    if not ids:
        raise SFError(400, "MISSING_ARGUMENT", "ids parameter is required")
    if len(ids) > 200:
        raise SFError(400, "EXCEEDED_ID_LIMIT", "record limit reached. cannot submit more than 200 records")
    all_or_none = request.query_params.get("allOrNone", "false").lower() == "true"
    results = await run_in_threadpool(org.delete, ids)
    if all_or_none and any(r.error for r in results):
        ok = [r.id for r in results if not r.error]
        await run_in_threadpool(org.undelete, ok)
    return json_response(_composite_results(results, all_or_none))
