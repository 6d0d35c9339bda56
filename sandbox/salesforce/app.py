"""The org's HTTP face: transport (paths, auth, limits header, faults) and the FastAPI application."""

from __future__ import annotations

import re
from email.utils import format_datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from sandbox.salesforce import (
    admin,
    auth_admin,
    bulk,
    composite,
    duplicates,
    oauth,
    rest,
    setup_admin,
    tooling,
)
from sandbox.salesforce.deps import SERVER_SEND, error_response, json_response, server_transport
from sandbox.salesforce.errors import SFError
from sandbox.salesforce.limits import LimitExceeded
from sandbox.salesforce.org import Org
from sandbox.salesforce.outages import Outages
from sandbox.salesforce.sessions import SESSION_INVALID, Sessions
from sandbox.salesforce.values import org_now

API_PATH = re.compile(r"^/services/data/v(\d+\.\d)(/.*)?$")


class DateHeader:
    """Pure ASGI middleware: every response carries ``Date`` (RFC 9110 §6.6.1, an origin server with a clock
    sends it; Salesforce does) on the org's clock, which an admin call may set apart from ours
    (``POST /_admin/clock``); the server's own Date header is off (``__main__``)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_dated(message: dict) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"date"]
                stamp = format_datetime(org_now().replace(microsecond=0), usegmt=True)
                message["headers"] = [*headers, (b"date", stamp.encode("latin-1"))]
            await send(message)

        await self.app({**scope, SERVER_SEND: send}, receive, send_dated)


class Transport:
    """Pure ASGI middleware for ``/services/data/vNN.N/...``: version and trailing slash, bearer token,
    the daily request allowance, ``Sforce-Limit-Info`` on every response, and the 503/drop faults.
    A bearer token is checked by ``sessions`` (the static token and the OAuth-issued ones, with timeout)."""

    def __init__(self, app: Any, org: Org, sessions: Sessions) -> None:
        self.app, self.org, self.sessions = app, org, sessions

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        match = API_PATH.match(scope["path"])
        if not match:
            await self.app(scope, receive, send)
            return
        version, rest = match.group(1), (match.group(2) or "/").rstrip("/") or "/"
        limits = self.org.limits

        async def send_with_usage(message: dict) -> None:
            if message["type"] == "http.response.start":
                usage = f"api-usage={limits.used('DailyApiRequests')}/{limits.maxima['DailyApiRequests']}"
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"sforce-limit-info", usage.encode())]
            await send(message)

        async def reply(exc: SFError) -> None:
            resp = error_response(exc)
            await resp(scope, receive, send_with_usage)

        if self.org.faults.take("drop_connections"):
            transport = server_transport(scope, send)
            if transport is not None:
                transport.abort()
                return
        auth = dict(scope.get("headers") or []).get(b"authorization", b"").decode("latin-1")
        token = auth.split(" ", 1)[1].strip() if " " in auth else ""
        if not self.sessions.check(token):
            await json_response(SESSION_INVALID, 401)(scope, receive, send_with_usage)
            return
        try:
            limits.spend("DailyApiRequests")
        except LimitExceeded:
            await reply(SFError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."))
            return
        if self.org.faults.take("http_503"):
            await reply(SFError(503, "SERVER_UNAVAILABLE", "Server temporarily unavailable (injected fault)"))
            return
        scope = {**scope, "path": "/api" + (rest if rest != "/" else ""), "sf_version": version}
        scope["raw_path"] = scope["path"].encode()
        await self.app(scope, receive, send_with_usage)


def create_app(org: Org, access_token: str, admin_token: str) -> Any:
    """The ASGI application serving one org: the outage gate, then the Transport layer, around the FastAPI app
    (the gate and the transport sit outside FastAPI, so a dropped connection reaches the server's own
    transport)."""
    app = FastAPI(title="Salesforce sandbox org", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.org = org
    app.state.admin_token = admin_token
    app.state.bulk = bulk.BulkEngine(org)
    app.state.sessions = Sessions(org.store, access_token)
    app.state.outages = Outages()

    @app.exception_handler(SFError)
    async def sf_error(_: Request, exc: SFError) -> Response:
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def bad_request(_: Request, exc: RequestValidationError) -> Response:
        return error_response(SFError(400, "JSON_PARSER_ERROR", f"invalid request: {exc.errors()[:1]}"))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> Response:
        code = (
            "NOT_FOUND"
            if exc.status_code == 404
            else "METHOD_NOT_ALLOWED"
            if exc.status_code == 405
            else "ERROR"
        )
        message = "The requested resource does not exist" if exc.status_code == 404 else str(exc.detail)
        return error_response(SFError(exc.status_code, code, message))

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> Response:
        return error_response(
            SFError(500, "UNKNOWN_EXCEPTION", f"An unexpected error occurred: {type(exc).__name__}")
        )

    @app.get("/health")
    async def health() -> dict:
        return {"status": "ok"}

    app.include_router(composite.router, prefix="/api")
    app.include_router(tooling.router, prefix="/api")
    app.include_router(rest.router, prefix="/api")
    app.include_router(bulk.router, prefix="/api/jobs")
    app.include_router(admin.router, prefix="/_admin")
    app.include_router(auth_admin.router, prefix="/_admin")
    app.include_router(setup_admin.router, prefix="/_admin")
    app.include_router(oauth.router)
    transport = Transport(duplicates.HeaderContext(app), org=org, sessions=app.state.sessions)
    return DateHeader(app.state.outages.wrap(transport))
