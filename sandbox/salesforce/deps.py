"""The org's HTTP helpers, shared by every router: responses, errors, JSON bodies, and the request
dependencies (the org, the Bulk engine, the API version, the admin guard) through FastAPI ``Depends``.

Routers import from here, never from ``app`` (which imports the routers), so there is no import circle, and
there is one JSON-body parser for REST, Bulk and the admin API.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Annotated, Any

import orjson
from fastapi import Depends, Request
from fastapi.responses import Response

from sandbox.salesforce.errors import SFError
from sandbox.salesforce.org import Org

if TYPE_CHECKING:
    from sandbox.salesforce.bulk import BulkEngine

DEFAULT_VERSION = "62.0"


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON response (orjson)."""
    return Response(orjson.dumps(body), status_code=status, media_type="application/json", headers=headers)


def error_response(exc: SFError) -> Response:
    """Salesforce's error array ``[{"message", "errorCode", "fields"}]`` with the error's status."""
    return json_response(exc.body(), exc.status)


async def json_body(request: Request) -> Any:
    """The request body parsed as JSON (``{}`` when empty); ``JSON_PARSER_ERROR`` when it is not JSON."""
    raw = await request.body()
    try:
        return orjson.loads(raw) if raw else {}
    except orjson.JSONDecodeError as exc:
        raise SFError(400, "JSON_PARSER_ERROR", f"The request body is not valid JSON: {exc}") from None


async def json_object(request: Request) -> dict:
    """The request body as a JSON object."""
    body = await json_body(request)
    if not isinstance(body, dict):
        raise SFError(400, "JSON_PARSER_ERROR", "The request body must be a JSON object")
    return body


def get_org(request: Request) -> Org:
    return request.app.state.org


def get_engine(request: Request) -> BulkEngine:
    return request.app.state.bulk


def get_version(request: Request) -> str:
    """The API version of the request path (``/services/data/vNN.N``), set by the transport layer."""
    return request.scope.get("sf_version", DEFAULT_VERSION)


def require_admin(request: Request) -> Org:
    """The org, for a request carrying the right ``X-Admin-Token`` (the test-only admin API)."""
    token = request.headers.get("x-admin-token", "")
    if not token or not secrets.compare_digest(token.encode(), request.app.state.admin_token.encode()):
        raise SFError(401, "INVALID_SESSION_ID", "missing or wrong X-Admin-Token")
    return request.app.state.org


OrgDep = Annotated[Org, Depends(get_org)]
AdminOrgDep = Annotated[Org, Depends(require_admin)]
VersionDep = Annotated[str, Depends(get_version)]


# scope key: the server's own ``send`` (app.DateHeader passes a wrapped one on)
SERVER_SEND = "sandbox.server_send"


def server_transport(scope: dict, send: Any) -> Any:
    """The asyncio transport of the request's connection (to drop it, as a fault), or None: found through
    the server's own ``send`` (uvicorn's bound method), which a middleware wrapping it keeps in scope."""
    raw = scope.get(SERVER_SEND, send)
    return getattr(getattr(raw, "__self__", None), "transport", None)
