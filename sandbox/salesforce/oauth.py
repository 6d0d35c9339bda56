"""``POST /services/oauth2/token``: the OAuth 2.0 JWT bearer flow and the client credentials flow, against
connected apps an admin call registers (``/_admin/connected-apps``, in ``auth_admin``).

Hosts: the org answers on ``127.0.0.1`` (its My Domain URL, the ``instance_url`` of every token) and on
``localhost`` (standing for ``login.salesforce.com`` / ``test.salesforce.com``, the login URL a JWT's ``aud``
names). The client credentials flow is answered on the My Domain URL only, as Salesforce does.
What each check answers, and where Salesforce documents it: ``sandbox/salesforce/README.md`` ("Sessions and
OAuth").
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import time
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import jwt
from cryptography import x509
from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from sandbox.salesforce.deps import json_response
from sandbox.salesforce.errors import SFError
from sandbox.salesforce.org import Org
from sandbox.salesforce.sessions import Sessions

router = APIRouter()

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
CLIENT_CREDENTIALS = "client_credentials"
LOGIN_HOST = "localhost"  # stands for login.salesforce.com / test.salesforce.com
META_KEY = "connected_apps"
MAX_FORM_BYTES = 64 * 1024


@dataclass
class ConnectedApp:
    """A connected app: its consumer key and secret, the certificate JWTs are signed against, who is
    pre-authorized, and the client credentials flow's run-as user."""

    name: str
    consumer_key: str
    consumer_secret: str
    certificate: str | None = None  # PEM of the X.509 certificate ("Use digital signatures")
    pre_authorized: list[str] | None = None  # usernames; None: every active user (admin approved)
    run_as: str | None = None  # username; None: the client credentials flow is not enabled
    scopes: list[str] = field(default_factory=lambda: ["api"])

    def public(self) -> dict:
        """The app without its secret (for listings)."""
        out = asdict(self)
        out.pop("consumer_secret")
        out["certificate"] = bool(self.certificate)
        return out


class OAuthError(Exception):
    """A token endpoint error: ``{"error", "error_description"}`` with HTTP 400 (RFC 6749 section 5.2)."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(f"{error}: {description}")
        self.error, self.description, self.status = error, description, status


# -- connected apps (kept in the store's metadata: an org reset removes them) -----------------------
def list_apps(org: Org) -> dict[str, ConnectedApp]:
    return {name: ConnectedApp(**raw) for name, raw in (org.store.get_meta(META_KEY, {}) or {}).items()}


def save_app(org: Org, body: dict[str, Any]) -> ConnectedApp:
    """Register (or replace, by name) a connected app from an admin request body."""
    allowed = {"name", "consumer_key", "consumer_secret", "certificate", "pre_authorized", "run_as", "scopes"}
    unknown = set(body) - allowed
    if unknown:
        raise SFError(
            400,
            "INVALID_FIELD",
            f"unknown connected app field(s): {', '.join(sorted(unknown))}; allowed: "
            f"{', '.join(sorted(allowed))}",
        )
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise SFError(400, "REQUIRED_FIELD_MISSING", "a connected app needs a name", ["name"])
    cert = body.get("certificate")
    if cert is not None:
        try:
            x509.load_pem_x509_certificate(str(cert).encode())
        except ValueError as exc:
            raise SFError(
                400, "INVALID_FIELD", f"certificate is not a PEM X.509 certificate: {exc}", ["certificate"]
            ) from None
    pre = body.get("pre_authorized")
    if pre is not None and not (isinstance(pre, list) and all(isinstance(u, str) for u in pre)):
        raise SFError(400, "INVALID_FIELD", "pre_authorized must be null or a list of usernames")
    run_as = body.get("run_as")
    if run_as is not None and _user(org, str(run_as)) is None:
        raise SFError(400, "INVALID_FIELD", f"run_as: no active user with username {run_as}", ["run_as"])
    apps = list_apps(org)
    old = apps.get(name)
    app = ConnectedApp(
        name=name,
        consumer_key=body.get("consumer_key") or (old.consumer_key if old else _consumer_key()),
        consumer_secret=body.get("consumer_secret")
        or (old.consumer_secret if old else secrets.token_hex(32)),
        certificate=cert,
        pre_authorized=pre,
        run_as=run_as,
        scopes=list(body.get("scopes") or ["api"]),
    )
    clash = [a.name for a in apps.values() if a.consumer_key == app.consumer_key and a.name != name]
    if clash:
        raise SFError(400, "DUPLICATE_VALUE", f"consumer_key already used by connected app {clash[0]}")
    apps[name] = app
    org.store.set_meta(META_KEY, {n: asdict(a) for n, a in apps.items()})
    return app


def delete_app(org: Org, name: str) -> bool:
    apps = list_apps(org)
    if apps.pop(name, None) is None:
        return False
    org.store.set_meta(META_KEY, {n: asdict(a) for n, a in apps.items()})
    return True


def _consumer_key() -> str:
    """A key shaped like Salesforce's (``3MVG9...``, 85 characters)."""
    return "3MVG9" + secrets.token_urlsafe(60)[:80]


# -- the endpoint ---------------------------------------------------------------------------------
@router.post("/services/oauth2/token")
async def token(request: Request) -> Response:
    """Both flows; parameters come form-encoded in the body or in the query string."""
    raw = await request.body()
    try:
        if len(raw) > MAX_FORM_BYTES:
            raise OAuthError("invalid_request", "request too large")
        params = dict(request.query_params)
        params.update(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
        # the store is read and written off the event loop (a Bulk job may hold it)
        body = await run_in_threadpool(_grant, request, params)
    except OAuthError as exc:
        return json_response(
            {"error": exc.error, "error_description": exc.description},
            exc.status,
            headers={"Cache-Control": "no-store"},
        )
    return json_response(body, headers={"Cache-Control": "no-store"})


def _grant(request: Request, params: dict) -> dict:
    """The token response for the request's grant type (raises OAuthError)."""
    org: Org = request.app.state.org
    sessions: Sessions = request.app.state.sessions
    hosts = _hosts(request)
    grant = params.get("grant_type", "")
    if grant == JWT_GRANT:
        return _jwt_bearer(org, sessions, params, hosts)
    if grant == CLIENT_CREDENTIALS:
        return _client_credentials(org, sessions, params, request, hosts)
    raise OAuthError("unsupported_grant_type", "grant type not supported")


def _hosts(request: Request) -> dict[str, Any]:
    """The login URL, the My Domain URL, and whether this request came to the login host."""
    server = request.scope.get("server") or ("127.0.0.1", request.url.port)
    port = server[1]
    my_host = server[0] if server[0] not in ("0.0.0.0", "::", LOGIN_HOST) else "127.0.0.1"
    return {
        "login_url": f"https://{LOGIN_HOST}:{port}",
        "my_domain": f"https://{my_host}:{port}",
        "on_login_host": (request.url.hostname or "") == LOGIN_HOST,
    }


def _org_id(org: Org) -> str:
    rows = org.store.execute('SELECT Id FROM "Organization" LIMIT 1')
    return rows[0][0] if rows else "00D000000000001AAA"


def _user(org: Org, username: str) -> tuple[str, str] | None:
    """(Id, Username) of the active User with this username (case-insensitive, as Salesforce logins are)."""
    rows = org.store.execute(
        'SELECT Id, Username FROM "User" WHERE lower(Username) = lower(?) AND IsActive = 1 AND IsDeleted = 0',
        (username,),
    )
    return (rows[0][0], rows[0][1]) if rows else None


def _app_by_key(org: Org, key: str) -> ConnectedApp | None:
    return next((a for a in list_apps(org).values() if key and a.consumer_key == key), None)


def _jwt_bearer(org: Org, sessions: Sessions, params: dict, hosts: dict) -> dict:
    assertion = params.get("assertion", "")
    if not assertion:
        raise OAuthError("invalid_request", "assertion must be provided")
    try:
        claims = jwt.decode(assertion, options={"verify_signature": False})
        header = jwt.get_unverified_header(assertion)
    except jwt.PyJWTError:
        raise OAuthError("invalid_grant", "invalid assertion") from None
    app = _app_by_key(org, str(claims.get("iss") or ""))
    if app is None:
        raise OAuthError("invalid_client_id", "client identifier invalid")
    if not app.certificate or header.get("alg") != "RS256":
        raise OAuthError("invalid_grant", "invalid assertion")
    key = x509.load_pem_x509_certificate(app.certificate.encode()).public_key()
    try:
        jwt.decode(
            assertion,
            key=key,
            algorithms=["RS256"],
            options={"verify_aud": False, "verify_exp": False, "verify_iat": False, "verify_nbf": False},
        )
    except jwt.PyJWTError:
        raise OAuthError("invalid_grant", "invalid assertion") from None
    aud = claims.get("aud")
    audiences = aud if isinstance(aud, list) else [aud]
    if hosts["login_url"] not in [str(a).rstrip("/") for a in audiences]:
        raise OAuthError("invalid_grant", "audience is invalid")
    exp = claims.get("exp")
    try:
        expired = exp is None or float(exp) <= time.time()
    except (TypeError, ValueError):
        expired = True
    if expired:
        raise OAuthError("invalid_grant", "expired authorization code")
    user = _user(org, str(claims.get("sub") or ""))
    if user is None or (app.pre_authorized is not None and user[1].lower() not in _lower(app.pre_authorized)):
        raise OAuthError("invalid_grant", "user hasn't approved this consumer")
    org_id = _org_id(org)
    access, _ = sessions.issue(org_id, user[0], user[1], "jwt-bearer", app.name)
    return {
        "access_token": access,
        "scope": " ".join(app.scopes),
        "instance_url": hosts["my_domain"],
        "id": f"{hosts['login_url']}/id/{org_id}/{user[0]}",
        "token_type": "Bearer",
    }


def _client_credentials(org: Org, sessions: Sessions, params: dict, request: Request, hosts: dict) -> dict:
    if hosts["on_login_host"]:
        raise OAuthError("invalid_grant", "request not supported on this domain")
    client_id, secret = params.get("client_id", ""), params.get("client_secret", "")
    basic = request.headers.get("authorization", "")
    if basic.lower().startswith("basic "):
        try:
            client_id, _, secret = base64.b64decode(basic[6:].strip()).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise OAuthError("invalid_client", "invalid client credentials") from None
    app = _app_by_key(org, client_id)
    if app is None:
        raise OAuthError("invalid_client_id", "client identifier invalid")
    if not secrets.compare_digest(secret.encode(), app.consumer_secret.encode()):
        raise OAuthError("invalid_client", "invalid client credentials")
    user = _user(org, app.run_as) if app.run_as else None
    if user is None:
        raise OAuthError("invalid_grant", "no client credentials user enabled")
    org_id = _org_id(org)
    access, issued = sessions.issue(org_id, user[0], user[1], "client_credentials", app.name)
    identity = f"{hosts['my_domain']}/id/{org_id}/{user[0]}"
    issued_at = str(int(issued * 1000))
    signature = base64.b64encode(
        hmac.new(app.consumer_secret.encode(), (identity + issued_at).encode(), hashlib.sha256).digest()
    ).decode()
    return {
        "access_token": access,
        "signature": signature,
        "scope": " ".join(app.scopes),
        "instance_url": hosts["my_domain"],
        "id": identity,
        "token_type": "Bearer",
        "issued_at": issued_at,
    }


def _lower(names: list[str]) -> set[str]:
    return {n.lower() for n in names}


@router.get("/id/{org_id}/{user_id}")
async def identity(request: Request, org_id: str, user_id: str) -> Response:
    """The identity URL a token response names: who the user is, and the org's API URLs. An ended or unknown
    session is 403 ``Bad_OAuth_Token`` (not the REST API's 401), an unknown user 404 ``Bad_Id``."""
    auth = request.headers.get("authorization", "")
    token = auth.split(" ", 1)[1].strip() if " " in auth else request.query_params.get("oauth_token", "")
    sessions: Sessions = request.app.state.sessions
    if not sessions.check(token):
        return Response("Bad_OAuth_Token", status_code=403, media_type="text/plain")
    org: Org = request.app.state.org
    return await run_in_threadpool(_identity, request, org, org_id, user_id)


def _identity(request: Request, org: Org, org_id: str, user_id: str) -> Response:
    rows = org.store.execute(
        'SELECT Id, Username, FirstName, LastName, Email, IsActive FROM "User" '
        "WHERE Id = ? AND IsDeleted = 0",
        (org.normalize_record_id(user_id) or "",),
    )
    real_org = _org_id(org)
    if not rows or (org.normalize_record_id(org_id) or "") != real_org:
        return Response("Bad_Id", status_code=404, media_type="text/plain")
    uid, username, first, last, email, active = rows[0]
    base = _hosts(request)["my_domain"] + "/services/data/v{version}/"
    return json_response(
        {
            "id": str(request.url).split("?", 1)[0],
            "asserted_user": True,
            "user_id": uid,
            "organization_id": real_org,
            "username": username,
            "display_name": " ".join(p for p in (first, last) if p),
            "email": email,
            "first_name": first,
            "last_name": last,
            "active": bool(active),
            "user_type": "STANDARD",
            "urls": {
                "rest": base,
                "sobjects": base + "sobjects/",
                "query": base + "query/",
                "limits": base + "limits/",
            },
        }
    )
