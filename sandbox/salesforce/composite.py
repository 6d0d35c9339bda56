"""Composite resources a loader uses to retry a few rows: sObject Collections upsert, ``/composite`` and
``/composite/batch``.

- ``PATCH /composite/sobjects/{object}/{externalIdField}``: up to 200 records of that type, each with
  ``attributes.type``, upserted by the external id; UpsertResults ``{id, success, errors, created}`` in order;
  ``allOrNone`` rolls back everything on any failure (REST API Developer Guide, "Upsert Records Using sObject
  Collections",
  https://developer.salesforce.com/docs/platform/api-rest/guide/resources-composite-sobjects-collections-upsert.html).
- ``POST /composite``: up to 25 subrequests run in order, ``@{referenceId.field}`` references to earlier
  results, ``allOrNone`` (REST API Developer Guide, "Composite",
  https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_composite.htm).
- ``POST /composite/batch``: up to 25 independent subrequests, ``haltOnError`` (REST API Developer Guide,
  "Batch", https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_batch.htm).

Subrequests are served by the org's own routes (an in-process ASGI call), so they behave exactly like the
single requests, and the whole composite call counts as one API request.
"""

from __future__ import annotations

import re
from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from sandbox.salesforce.deps import OrgDep, get_version, json_object, json_response
from sandbox.salesforce.errors import SFError
from sandbox.salesforce.org import Org
from sandbox.salesforce.rest import flatten, invalid_field
from sandbox.salesforce.writer import PlanError, Result

router = APIRouter()
MAX_COLLECTION = 200
MAX_SUBREQUESTS = 25
_PATH = re.compile(r"^/?(?:services/data/)?v(\d+\.\d)(/[^?]*)(?:\?(.*))?$")
_REF = re.compile(r"@\{([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+|\[\d+\])+)\}")
HALTED = "The transaction was rolled back since another operation in the same transaction failed."


# -- sObject Collections upsert ------------------------------------------------------------------------
def _upsert_collection(org: Org, name: str, ext_name: str, body: dict) -> list[dict]:
    records = body.get("records")
    if not isinstance(records, list) or not records:
        raise SFError(400, "INVALID_FIELD", "records: a non-empty list of sObjects is required", [])
    if len(records) > MAX_COLLECTION:
        raise SFError(
            400,
            "EXCEEDED_ID_LIMIT",
            "record limit reached. cannot submit more than 200 records into this call",
        )
    obj = org.sobject(name)
    ext = obj.field(ext_name)
    if ext is None or not (ext.external_id or ext.id_lookup) or ext.name == "Id":
        raise SFError(
            400,
            "INVALID_FIELD",
            f"Provided external ID field does not exist or is not accessible: {ext_name}",
        )
    bodies = []
    for rec in records:
        attrs = rec.get("attributes") if isinstance(rec, dict) else None
        if not attrs or not attrs.get("type"):
            raise SFError(400, "INVALID_TYPE", "Must send a concrete entity type.")
        if str(attrs["type"]).lower() != obj.name.lower():
            raise SFError(
                400, "INVALID_TYPE", f"The list can contain objects only of the type {obj.name}", []
            )
        bodies.append(flatten(obj, rec))
    all_or_none = bool(body.get("allOrNone"))
    writer = org.writer(obj.name)
    with org.write_lock:
        before: dict[str, dict] = {}
        if all_or_none:
            values = [str(b.get(ext.name, "")) for b in bodies]
            for v in values:
                rows = org.store.execute(
                    f'SELECT Id FROM "{obj.name}" WHERE "{ext.name}" = ? AND IsDeleted = 0', (v,)
                )
                before.update(writer.fetch([r[0] for r in rows]))
        try:
            results = writer.upsert(ext.name, bodies)
        except PlanError as exc:
            raise invalid_field(exc, obj) from None
        if all_or_none and any(r.error for r in results):
            created = [r.id for r in results if r.created and r.id and not r.error]
            if created:
                org.delete(created, hard=True)
            for row in before.values():
                writer.restore(row)
    return _upsert_results(results, all_or_none)


def _upsert_results(results: list[Result], all_or_none: bool) -> list[dict]:
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
                            "message": "Record rolled back because not all records were valid and "
                            "the request was using AllOrNone header",
                            "fields": [],
                        }
                    ],
                }
            )
        else:
            out.append({"id": r.id, "success": True, "errors": [], "created": bool(r.created)})
    return out


@router.patch("/composite/sobjects/{name}/{ext_field}")
async def collection_upsert(request: Request, org: OrgDep, name: str, ext_field: str) -> Response:
    body = await json_object(request)
    return json_response(await run_in_threadpool(_upsert_collection, org, name, ext_field, body))


# -- in-process subrequests ----------------------------------------------------------------------------
async def _call(
    request: Request, method: str, url: str, body: Any, headers: dict | None = None
) -> tuple[int, Any]:
    """Serve one subrequest with the org's own routes; (status, parsed JSON body or None)."""
    m = _PATH.match(url.strip())
    if not m:
        return 404, [{"errorCode": "NOT_FOUND", "message": f"The requested resource does not exist: {url}"}]
    version, path, query = m.group(1), m.group(2).rstrip("/") or "/", m.group(3) or ""
    payload = b"" if body is None else orjson.dumps(body)
    scope = {
        "type": "http",
        "http_version": "1.1",
        "method": method.upper(),
        "scheme": "https",
        "path": "/api" + path,
        "raw_path": ("/api" + path).encode(),
        "root_path": "",
        "query_string": query.encode(),
        "headers": [(b"content-type", b"application/json")]
        + [(k.lower().encode(), str(v).encode()) for k, v in (headers or {}).items()],
        "client": ("127.0.0.1", 0),
        "server": ("127.0.0.1", 443),
        "sf_version": version,
        "app": request.app,
    }
    sent = False

    async def receive() -> dict:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": payload, "more_body": False}

    status, chunks = 500, []

    async def send(message: dict) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await request.app(scope, receive, send)
    raw = b"".join(chunks)
    try:
        return status, orjson.loads(raw) if raw else None
    except orjson.JSONDecodeError:
        return status, raw.decode("utf-8", "replace")


def _lookup(results: dict[str, Any], ref: str, path: str) -> str:
    if ref not in results:
        raise SFError(
            400, "INVALID_REFERENCE", f"Invalid reference specified. No value for {ref}{path} found."
        )
    value = results[ref]
    for part in re.findall(r"\.([A-Za-z0-9_]+)|\[(\d+)\]", path):
        key, index = part
        try:
            value = value[int(index)] if index else value[key]
        except (KeyError, IndexError, TypeError):
            raise SFError(
                400, "INVALID_REFERENCE", f"Invalid reference specified. No value for {ref}{path} found."
            ) from None
    return str(value)


def _substitute(value: Any, results: dict[str, Any]) -> Any:
    if isinstance(value, str):
        return _REF.sub(lambda m: _lookup(results, m.group(1), m.group(2)), value)
    if isinstance(value, list):
        return [_substitute(v, results) for v in value]
    if isinstance(value, dict):
        return {k: _substitute(v, results) for k, v in value.items()}
    return value


@router.post("/composite")
async def composite(request: Request, org: OrgDep) -> Response:
    body = await json_object(request)
    subs = body.get("compositeRequest")
    if not isinstance(subs, list) or not subs:
        raise SFError(
            400, "JSON_PARSER_ERROR", "compositeRequest: a non-empty list of subrequests is required"
        )
    if len(subs) > MAX_SUBREQUESTS:
        raise SFError(
            400, "LIMIT_EXCEEDED", f"A composite request can have at most {MAX_SUBREQUESTS} subrequests"
        )
    all_or_none = bool(body.get("allOrNone"))
    results: dict[str, Any] = {}
    out: list[dict] = []
    undo: list[tuple[str, Any]] = []  # what allOrNone rolls back: ("created", id) | ("updated", row)
    failed = False
    for sub in subs:
        ref = str(sub.get("referenceId") or "")
        if failed and all_or_none:
            out.append(_halted(ref))
            continue
        try:
            url = _substitute(str(sub.get("url") or ""), results)
            sub_body = _substitute(sub.get("body"), results)
        except SFError as exc:
            out.append(
                {"body": exc.body(), "httpHeaders": {}, "httpStatusCode": exc.status, "referenceId": ref}
            )
            failed = True
            continue
        method = str(sub.get("method") or "GET").upper()
        pre = await run_in_threadpool(_pre_image, org, method, url) if all_or_none else None
        status, data = await _call(request, method, url, sub_body, sub.get("httpHeaders"))
        out.append({"body": data, "httpHeaders": {}, "httpStatusCode": status, "referenceId": ref})
        if status >= 400:
            failed = True
            continue
        results[ref] = data
        if isinstance(data, dict) and data.get("id") and (status == 201 or data.get("created")):
            undo.append(("created", data["id"]))
        elif pre is not None:
            undo.append(("updated", pre))
    if failed and all_or_none:
        await run_in_threadpool(_roll_back, org, undo)
        for item in out:
            if item["httpStatusCode"] < 400:
                item.update(_halted(item["referenceId"]))
    return json_response({"compositeResponse": out})


def _halted(ref: str) -> dict:
    return {
        "body": [{"errorCode": "PROCESSING_HALTED", "message": HALTED}],
        "httpHeaders": {},
        "httpStatusCode": 400,
        "referenceId": ref,
    }


def _pre_image(org: Org, method: str, url: str) -> tuple[str, dict] | None:
    """The record a PATCH/DELETE of ``…/sobjects/X/{id}`` is about to change (for an allOrNone undo)."""
    if method not in ("PATCH", "DELETE"):
        return None
    m = re.search(r"/sobjects/([^/]+)/([A-Za-z0-9]{15,18})/?(?:\?.*)?$", url)
    if not m:
        return None
    rid = org.normalize_record_id(m.group(2))
    obj = org.registry.get(m.group(1))
    if rid is None or obj is None:
        return None
    row = org.writer(obj.name).fetch([rid]).get(rid)
    return (obj.name, row) if row else None


def _roll_back(org: Org, undo: list[tuple[str, Any]]) -> None:
    for kind, item in reversed(undo):
        if kind == "created":
            org.delete([item], hard=True)
        else:
            name, row = item
            if not row.get("IsDeleted"):
                current = org.writer(name).fetch([row["Id"]]).get(row["Id"])
                if current and current.get("IsDeleted"):
                    org.undelete([row["Id"]])
            org.writer(name).restore(row)


@router.post("/composite/batch")
async def composite_batch(request: Request) -> Response:
    body = await json_object(request)
    subs = body.get("batchRequests")
    if not isinstance(subs, list) or not subs:
        raise SFError(400, "JSON_PARSER_ERROR", "batchRequests: a non-empty list of subrequests is required")
    if len(subs) > MAX_SUBREQUESTS:
        raise SFError(
            400, "LIMIT_EXCEEDED", f"A batch request can have at most {MAX_SUBREQUESTS} subrequests"
        )
    halt = bool(body.get("haltOnError"))
    results, has_errors = [], False
    for sub in subs:
        if halt and has_errors:
            results.append(
                {
                    "statusCode": 412,
                    "result": [
                        {
                            "errorCode": "BATCH_PROCESSING_HALTED",
                            "message": "Batch processing halted per request",
                        }
                    ],
                }
            )
            continue
        url = str(sub.get("url") or "")
        if not url.startswith("/") and not url.startswith("v"):
            url = f"v{get_version(request)}/{url}"
        status, data = await _call(request, str(sub.get("method") or "GET"), url, sub.get("richInput"))
        has_errors = has_errors or status >= 400
        results.append({"statusCode": status, "result": data})
    return json_response({"hasErrors": has_errors, "results": results})
