"""HTTP helpers every router shares: problem responses, errors, JSON bodies, and FastAPI dependencies.

Routers import from here (never from ``app.py``): ``ApiError`` is answered as RFC 7807 problem JSON by the
handler ``create_app`` installs; ``sim_state`` and ``require_admin`` are ``Depends`` targets.
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any

import orjson
from fastapi import Depends, Request
from fastapi.responses import Response

from .state import SimState


class ApiError(Exception):
    """An error answered as RFC 7807 problem JSON."""

    def __init__(self, status: int, title: str, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(title)
        self.status, self.title, self.errors = status, title, errors or {}


def problem(
    status: int, title: str, errors: dict[str, list[str]] | None = None, headers: dict | None = None
) -> Response:
    """ServiceTitan's error body (``type, title, status, traceId, errors, data``)."""
    body = {
        "type": f"https://httpstatuses.io/{status}",
        "title": title,
        "status": status,
        "traceId": uuid.uuid4().hex,
        "errors": errors or {},
        "data": {},
    }
    return Response(
        orjson.dumps(body), status_code=status, media_type="application/problem+json", headers=headers
    )


def json_response(payload: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(payload), status_code=status, media_type="application/json")


async def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object body; 400 problem if it is not one."""
    try:
        body = orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        raise ApiError(400, "The body must be JSON", {"body": ["not valid JSON"]}) from None
    if not isinstance(body, dict):
        raise ApiError(400, "The body must be a JSON object", {"body": ["expected an object"]})
    return body


def sim_state(request: Request) -> SimState:
    """The running simulator's state (``app.state.sim``)."""
    return request.app.state.sim


def require_admin(request: Request, state: SimState = Depends(sim_state)) -> SimState:  # noqa: B008
    """The admin API's check: header ``X-Admin-Token`` must match."""
    given = request.headers.get("x-admin-token", "")
    if not secrets.compare_digest(given, state.config.credentials.admin_token):
        raise ApiError(401, "Unauthorized: missing or wrong X-Admin-Token header")
    return state


def check_tenant(state: SimState, tenant: str) -> None:
    if tenant != state.config.credentials.tenant:
        raise ApiError(404, f"Tenant {tenant!r} not found for this client")
