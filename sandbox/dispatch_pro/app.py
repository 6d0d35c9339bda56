"""The Dispatch Pro simulator's HTTP app: ServiceTitan-shaped API, token endpoint, health, admin API.

``create_app(config)`` returns an ASGI app: a :class:`Gate` (request log, 405 for non-GET, injected faults,
bearer-token and app-key checks, the 60 requests/s rate limit) around a FastAPI app with one GET route per
endpoint of ServiceTitan's published v2 specs and nothing else: Dispatch Pro-only data (playbooks,
dashboards, dispatch metadata) is written to the export folder (``exports.py``), not served.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any
from urllib.parse import quote

import orjson
from fastapi import FastAPI, Request
from fastapi.responses import Response, StreamingResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from . import records_forms as forms
from . import records_telecom as tel
from .auth import SCOPE
from .cache import RecordCache, cache_root
from .dataset import WINDOW_END, Dataset
from .deps import ApiError, check_tenant, json_response, problem
from .entities import ENTITIES, Entity
from .exports import write_exports
from .overlay import Overlay
from .paging import BadRequest, export_body, export_page, list_page, parse_list_query
from .ratelimit import RateLimiter
from .records import JOBS, rid
from .state import SimConfig, SimState

TOKEN_PATH = "/connect/token"
API_PREFIXES = (
    "/crm/",
    "/jpm/",
    "/dispatch/",
    "/settings/",
    "/accounting/",
    "/forms/",
    "/telecom/",
    "/reporting/",
)

__all__ = ["ApiError", "SimConfig", "SimState", "create_app", "json_response", "problem"]


# ------------------------------------------------------------------------------------------------------------
# the gate: logging, method check, faults, authentication
# ------------------------------------------------------------------------------------------------------------
class Gate:
    """Pure ASGI middleware in front of every request (cheap enough for ~1000 pages/s)."""

    def __init__(self, app: Any, state: SimState) -> None:
        self.app, self.state = app, state

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path.startswith("/_admin") or path == "/health":
            await self.app(scope, receive, send)
            return
        entry = {
            "method": scope["method"],
            "path": path,
            "query": scope.get("query_string", b"").decode(),
            "status": 0,
        }
        self.state.requests.append(entry)

        async def logged_send(message: dict) -> None:
            if message["type"] == "http.response.start":
                entry["status"] = message["status"]
            await send(message)

        response = await self._screen(scope, path)
        if response is not None:
            await response(scope, receive, logged_send)
            return
        body_fault = self.state.faults.take(path, ("malformed", "cut"), path == TOKEN_PATH)
        if body_fault is None:
            await self.app(scope, receive, logged_send)
        elif body_fault.kind == "malformed":
            await self.app(scope, receive, _truncating(logged_send))
        else:
            await self.app(scope, receive, _cutting(logged_send))

    async def _screen(self, scope: dict, path: str) -> Response | None:
        state, method = self.state, scope["method"]
        is_token = path == TOKEN_PATH
        if not (method == "GET" or (is_token and method == "POST")):
            return problem(405, f"Method {method} is not allowed: the API is read-only (GET only)")
        fault = state.faults.take(path, ("429", "500", "slow"), is_token)
        if fault is not None:
            if fault.kind == "429":
                return problem(429, "Too many requests", headers={"Retry-After": str(fault.retry_after)})
            if fault.kind == "500":
                return problem(500, "Internal server error (injected fault)")
            await asyncio.sleep(fault.seconds)
        if is_token or not path.startswith(API_PREFIXES):
            return None
        headers = dict(scope["headers"])
        auth = headers.get(b"authorization", b"").decode()
        if not auth.lower().startswith("bearer ") or not state.tokens.valid(auth[7:].strip()):
            return problem(
                401,
                "Unauthorized: missing, invalid or expired bearer token",
                headers={"WWW-Authenticate": "Bearer"},
            )
        app_key = headers.get(b"st-app-key", b"").decode()
        if app_key != state.config.credentials.app_key:
            return problem(403, "Forbidden: missing or unknown ST-App-Key header")
        parts = path.split("/")  # /{module}/v2/tenant/{tenant}/...
        tenant = parts[4] if len(parts) > 4 and parts[3] == "tenant" else ""
        retry_after = state.limiter.take(app_key, tenant)
        if retry_after is not None:
            return problem(
                429,
                f"Too many requests: the limit is {state.limiter.limit:g} requests per second per "
                "application and tenant",
                headers={"Retry-After": str(retry_after)},
            )
        return None


def _truncating(send: Any) -> Any:
    """Wrap ``send`` so the body is cut in half (invalid JSON) while the status stays 200."""
    started: dict = {}
    chunks: list[bytes] = []

    async def wrapped(message: dict) -> None:
        if message["type"] == "http.response.start":
            started.update(message)
            return
        chunks.append(message.get("body", b""))
        if message.get("more_body"):
            return
        body = b"".join(chunks)
        body = body[: max(len(body) // 2, 1)]
        headers = [(k, v) for k, v in started.get("headers", []) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({**started, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return wrapped


class BodyCut(ConnectionError):
    """Raised by the ``cut`` fault after half the body: the server drops the connection mid-response."""


def _cutting(send: Any) -> Any:
    """Wrap ``send`` so the status and the declared Content-Length go out, then half the body, then the
    connection drops (a download cut short, as a proxy or a dying server would)."""
    started: dict = {}
    chunks: list[bytes] = []

    async def wrapped(message: dict) -> None:
        if message["type"] == "http.response.start":
            started.update(message)
            return
        chunks.append(message.get("body", b""))
        if message.get("more_body"):
            return
        body = b"".join(chunks)
        await send(started)
        await send({"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True})
        raise BodyCut("injected fault: body cut short")

    return wrapped


# ------------------------------------------------------------------------------------------------------------
# routes
# ------------------------------------------------------------------------------------------------------------
def _active_filter(ent: Entity, params: Any) -> str | None:
    """The ``active`` filter to apply to an export page: None = all records (the spec's default or Any)."""
    if ent.active_default is None:
        return None  # the endpoint documents no `active` parameter: every record, with its flag
    raw = params.get("active")
    value = (raw or ent.active_default).strip().capitalize()
    if value not in ("True", "False", "Any"):
        raise BadRequest("active", f"'active' must be True, False or Any, got {raw!r}")
    return None if value == "Any" else value


def _export_handler(state: SimState, ent: Entity) -> Any:
    async def handler(request: Request, tenant: str) -> Response:
        check_tenant(state, tenant)
        params = request.query_params
        irc = params.get("includeRecentChanges", "false").lower()
        if irc not in ("true", "false", "1", "0", ""):
            raise BadRequest(
                "includeRecentChanges", f"'includeRecentChanges' must be true or false, got {irc!r}"
            )
        size = state.config.export_page_size
        active = _active_filter(ent, params)
        if active is None:
            body = export_body(state.dataset, ent, params.get("from"), size, state.cache)
            return Response(body, media_type="application/json")
        page = export_page(state.dataset, ent, params.get("from"), size)
        wanted = active == "True"
        return json_response(
            {
                "hasMore": page.has_more,
                "continueFrom": page.continue_from,
                "data": [row for row in page.data if bool(row.get("active", True)) == wanted],
            }
        )

    handler.__name__ = f"export_{ent.key}"
    return handler


def _list_handler(state: SimState, ent: Entity) -> Any:
    async def handler(request: Request, tenant: str) -> Response:
        check_tenant(state, tenant)
        q = parse_list_query(dict(request.query_params))
        ds = state.dataset
        return json_response(list_page(ent.count(ds), ent.getter(ds), q, ent.all_active))

    handler.__name__ = f"list_{ent.key}"
    return handler


def content_disposition(file_name: str) -> str:
    """``attachment`` with the file name as RFC 6266 / RFC 8187 give it: an ASCII fallback with no quote,
    backslash or control character, and ``filename*`` percent-encoded in UTF-8 (any name, safely)."""
    fallback = "".join(ch if " " <= ch <= "~" and ch not in '"\\%' else "_" for ch in file_name)[:200]
    encoded = quote(file_name[:2000], safe="")
    return f"attachment; filename=\"{fallback or 'file'}\"; filename*=UTF-8''{encoded}"


def _job_index(state: SimState, job_id: str) -> int:
    try:
        j = int(job_id) - rid(JOBS, 0)
    except ValueError:
        raise ApiError(400, "jobId must be an integer", {"jobId": [f"not an integer: {job_id!r}"]}) from None
    if not 0 <= j < ENTITIES["jobs"].count(state.dataset):
        raise ApiError(404, f"Job {job_id} not found")
    return j


def add_routes(app: FastAPI, state: SimState) -> None:
    for ent in ENTITIES.values():
        if ent.key == "job_attachments" or not ent.served:
            continue
        factory = _export_handler if ent.kind == "export" else _list_handler
        app.add_api_route(ent.url, factory(state, ent), methods=["GET"], name=ent.key)

    @app.get("/forms/v2/tenant/{tenant}/jobs/{job_id}/attachments", name="job_attachments")
    async def job_attachments(request: Request, tenant: str, job_id: str) -> Response:
        check_tenant(state, tenant)
        q = parse_list_query(dict(request.query_params))
        ds, j = state.dataset, _job_index(state, job_id)
        off = ds.sk.att_off
        first, n = (off[j], off[j + 1] - off[j]) if j < ds.sk.scale.jobs else (0, 0)
        indexes = (*range(first, first + n), *forms.created_attachments_of(ds, j))
        rows = [forms.attachment(ds, a) for a in indexes]
        s = forms.signature_index_of_job(ds, j)
        if s is not None and forms.signature_attached(s):  # the signature image is a job attachment too
            rows.append(forms.signature_attachment(ds, s))
        return json_response(list_page(len(rows), rows.__getitem__, q, True))

    @app.get("/forms/v2/tenant/{tenant}/jobs/attachment/{file_id}", name="job_attachment_download")
    async def download(tenant: str, file_id: str) -> Response:
        check_tenant(state, tenant)
        try:
            info = forms.file_info(state.dataset, int(file_id))
        except ValueError:
            raise ApiError(400, "id must be an integer", {"id": [f"not an integer: {file_id!r}"]}) from None
        if info is None:
            raise ApiError(404, f"Attachment {file_id} not found")
        disposition = content_disposition(info.file_name)
        headers = {"Content-Length": str(info.size), "Content-Disposition": disposition}
        return StreamingResponse(
            forms.file_chunks(state.dataset, info), media_type=info.content_type, headers=headers
        )

    @app.get("/reporting/v2/tenant/{tenant}/report-category/{category}/reports", name="reports")
    async def reports(request: Request, tenant: str, category: str) -> Response:
        check_tenant(state, tenant)
        q = parse_list_query(dict(request.query_params))
        rows = [
            {k: r[k] for k in ("id", "name", "description")} for r in tel.reports(state.dataset, category)
        ]
        if not rows and category not in dict(tel.REPORT_CATEGORIES):
            raise ApiError(404, f"Report category {category!r} not found")
        return json_response(list_page(len(rows), rows.__getitem__, q, True))

    @app.get("/reporting/v2/tenant/{tenant}/report-category/{category}/reports/{report_id}", name="report")
    async def report(tenant: str, category: str, report_id: str) -> Response:
        check_tenant(state, tenant)
        for row in tel.reports(state.dataset, category):
            if str(row["id"]) == report_id:
                return json_response(row)
        raise ApiError(404, f"Report {report_id} not found in category {category!r}")

    @app.post(TOKEN_PATH)
    async def token(request: Request) -> Response:
        form = await request.form()
        creds = state.config.credentials
        if form.get("grant_type") != "client_credentials":
            return Response(orjson.dumps({"error": "unsupported_grant_type"}), status_code=400,
                            media_type="application/json")  # fmt: skip
        if form.get("client_id") != creds.client_id or form.get("client_secret") != creds.client_secret:
            return Response(
                orjson.dumps({"error": "invalid_client"}), status_code=400, media_type="application/json"
            )
        access, lifetime = state.tokens.issue()
        return json_response(
            {"access_token": access, "expires_in": lifetime, "token_type": "Bearer", "scope": SCOPE}
        )

    @app.get("/health")
    async def health() -> Response:
        exports = state.config.exports_dir
        return json_response(
            {
                "status": "ok",
                "seed": state.config.seed,
                "scale": state.config.scale,
                "corpus": state.config.corpus,
                "exports_dir": str(exports) if exports else None,
                "exports_ready": state.exports_ready,
                "exports_error": state.exports_error,
            }
        )


def _write_exports_once(state: SimState, folder: Path) -> None:
    try:
        write_exports(state.dataset, folder)
        state.exports_ready = True
    except OSError as exc:  # reported by /health; the extract then warns what will not migrate
        state.exports_error = f"could not write the export folder {folder}: {exc}"


def create_app(config: SimConfig) -> Gate:
    """The simulator as an ASGI app (writes the export folder first when ``config.exports_dir`` is set)."""
    from .admin import admin_router

    overlay_path = config.state_dir / "overlay.json" if config.state_dir else None
    overlay = Overlay(overlay_path, floor_ticks=WINDOW_END + 1)
    state = SimState(
        config=config,
        dataset=Dataset(config.seed, config.scale, overlay, config.corpus),
        limiter=RateLimiter(config.rate_limit_per_s),
    )
    if config.cache_dir is not None and config.corpus == "default":  # the cache holds default records
        state.cache = RecordCache(cache_root(config.cache_dir, config.seed, config.scale))
    if config.exports_dir is not None:  # in the background: at M it takes longer than a start-up may
        threading.Thread(
            target=_write_exports_once, args=(state, config.exports_dir), name="exports", daemon=True
        ).start()
    app = FastAPI(title="Dispatch Pro simulator", docs_url=None, redoc_url=None, openapi_url=None)

    @app.exception_handler(ApiError)
    async def api_error(_request: Request, exc: ApiError) -> Response:
        return problem(exc.status, exc.title, exc.errors)

    @app.exception_handler(BadRequest)
    async def bad_request(_request: Request, exc: BadRequest) -> Response:
        return problem(400, "One or more validation errors occurred.", {exc.field: [str(exc)]})

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> Response:
        return problem(exc.status_code, str(exc.detail))

    add_routes(app, state)
    app.include_router(admin_router)
    app.state.sim = state
    return Gate(app, state)
