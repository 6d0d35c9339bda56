"""One factory for a Salesforce connection: the local sandbox org or a real org.

``connect("sandbox")`` reads ``endpoints.json`` (instance URL, access token, CA certificate) written by
``dp2sf sandbox up``; ``connect("salesforce")`` logs in the way the settings and secrets say (see
:func:`choose_login` and :mod:`core.logins`): the Salesforce CLI (``DP2SF_SF_ORG``), the JWT bearer or client
credentials flow of a connected app, a pasted token, or (with a warning) a password. Every client renews its
session when the org ends it, where the login can (:mod:`core.renewal`).
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import requests
from simple_salesforce import Salesforce

from core.errors import Dp2sfError
from core.logins import (
    ClientCredentialsLogin,
    JwtBearerLogin,
    Login,
    LoginError,
    PasswordLogin,
    SfCliLogin,
    StaticToken,
)
from core.org_api import OrgClient
from core.renewal import Renewer
from core.settings import Settings, sf_domain

API_VERSION = "62.0"
TARGETS = ("sandbox", "salesforce")
AUTH_FLOWS = ("auto", "sf_cli", "jwt", "client_credentials", "token", "password")
log = logging.getLogger("dp2sf.connection")


class ConnectionConfigError(Dp2sfError):
    """The settings needed to connect are missing or unreadable (the message names what and where)."""


def _sandbox_endpoints(endpoints_file: Path | None) -> dict:
    """The org's entry of the sandbox endpoints, read through ``sandbox.control.read_endpoints``.

    ``endpoints_file`` is ``<state dir>/endpoints.json`` or the state dir itself; without it, the settings'
    ``sandbox_dir``.
    """
    from sandbox.control import read_endpoints

    if endpoints_file is None:
        from core.settings import get_settings

        state_dir = Path(get_settings().sandbox_dir)
    else:
        given = Path(endpoints_file)
        state_dir = given if given.is_dir() else given.parent
    path = (
        state_dir / "endpoints.json"
        if endpoints_file is None or Path(endpoints_file).is_dir()
        else Path(endpoints_file)
    )
    if not path.is_file():
        raise ConnectionConfigError(
            f"no sandbox endpoints file at {path}; start the sandbox with `dp2sf sandbox up`"
        )
    try:
        if path.name == "endpoints.json":
            entry = read_endpoints(state_dir)["salesforce"]
        else:  # an explicitly named file of the same shape (tests, other tools)
            entry = json.loads(path.read_text())["salesforce"]
    except (json.JSONDecodeError, KeyError, TypeError):
        raise ConnectionConfigError(
            f"{path} has no 'salesforce' entry; start the org with `dp2sf sandbox up`"
        ) from None
    if not isinstance(entry, dict):
        raise ConnectionConfigError(f"{path}: the 'salesforce' entry is not an object")
    missing = [k for k in ("instance_url", "access_token", "ca_cert") if not entry.get(k)]
    if missing:
        raise ConnectionConfigError(f"{path}: the 'salesforce' entry lacks {', '.join(missing)}")
    return entry


def _env(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


def _domain() -> str:
    try:
        return sf_domain(_env("SF_DOMAIN"))
    except ValueError as exc:
        raise ConnectionConfigError(str(exc)) from None


def _secret(name: str) -> str | None:
    """``SF_<NAME>`` from the environment, else ``salesforce.<name>`` from dlt secrets (``.dlt/secrets.toml``
    ``[salesforce]``); never logged."""
    value = _env(f"SF_{name.upper()}")
    if value:
        return value
    try:
        import dlt

        found = dlt.secrets.get(f"salesforce.{name.lower()}")
    except Exception:  # no dlt config at all: the environment was the only place
        return None
    return str(found).strip() or None if found is not None else None


def _missing(flow: str, needed: dict[str, str | None]) -> ConnectionConfigError:
    names = ", ".join(f"SF_{k.upper()}" for k, v in needed.items() if not v)
    return ConnectionConfigError(
        f"the {flow} login needs {names} (environment, or [salesforce] in .dlt/secrets.toml)"
    )


def choose_login(settings: Settings, login_url: str | None = None, my_domain: str | None = None) -> Login:
    """The login the settings and secrets ask for (``DP2SF_SF_AUTH``, default ``auto``).

    ``auto`` takes, in order: ``DP2SF_SF_ORG`` (Salesforce CLI), a consumer key with a private key
    file (JWT bearer), a consumer key with a secret (client credentials), a pasted access token, a password.
    ``login_url`` / ``my_domain`` are the defaults for the flows that need them (the sandbox org's hosts)."""
    auth = settings.sf_auth
    if auth not in AUTH_FLOWS:
        raise ConnectionConfigError(f"DP2SF_SF_AUTH={auth!r} is not one of {', '.join(AUTH_FLOWS)}")
    key = _secret("consumer_key")
    if auth == "sf_cli" or (auth == "auto" and settings.sf_org):
        if not settings.sf_org:
            raise ConnectionConfigError("DP2SF_SF_AUTH=sf_cli needs DP2SF_SF_ORG=<alias or username>")
        return SfCliLogin(settings.sf_org, executable=settings.sf_cli)
    if auth == "jwt" or (auth == "auto" and key and _secret("private_key_file")):
        needed = {
            "consumer_key": key,
            "username": _secret("username"),
            "private_key_file": _secret("private_key_file"),
        }
        if not all(needed.values()):
            raise _missing("JWT bearer", needed)
        domain_login = "https://test.salesforce.com" if _domain() == "test" else None
        url = _secret("login_url") or login_url or domain_login or "https://login.salesforce.com"
        return JwtBearerLogin(key, needed["username"], Path(needed["private_key_file"]), url)
    if auth == "client_credentials" or (auth == "auto" and key and _secret("consumer_secret")):
        needed = {
            "consumer_key": key,
            "consumer_secret": _secret("consumer_secret"),
            "instance_url": _env("SF_INSTANCE_URL") or my_domain,
        }
        if not all(needed.values()):
            raise _missing("client credentials", needed)
        return ClientCredentialsLogin(key, needed["consumer_secret"], needed["instance_url"])
    instance, token = _env("SF_INSTANCE_URL"), _secret("access_token")
    if auth == "token" or (auth == "auto" and (instance or token)):
        if not (instance and token):
            missing = "SF_ACCESS_TOKEN" if instance else "SF_INSTANCE_URL"
            raise ConnectionConfigError(
                f"environment variable {missing} is not set (needed with "
                f"{'SF_INSTANCE_URL' if instance else 'SF_ACCESS_TOKEN'})"
            )
        return StaticToken(instance, token)
    needed = {n: _secret(n) for n in ("username", "password", "security_token")}
    if not all(needed.values()):
        raise ConnectionConfigError(
            f"environment variable(s) {', '.join(f'SF_{k.upper()}' for k, v in needed.items() if not v)} "
            "not set: a real org needs DP2SF_SF_ORG (Salesforce CLI), SF_CONSUMER_KEY + SF_USERNAME + "
            "SF_PRIVATE_KEY_FILE (JWT bearer), SF_CONSUMER_KEY + SF_CONSUMER_SECRET + SF_INSTANCE_URL "
            "(client credentials), SF_INSTANCE_URL + SF_ACCESS_TOKEN, or SF_USERNAME + SF_PASSWORD + "
            "SF_SECURITY_TOKEN (SF_DOMAIN=test for a sandbox)"
        )
    log.warning(
        "connecting with a username, password and security token: Salesforce admins connect tools with "
        "a connected app (JWT bearer, client credentials) or the Salesforce CLI (DP2SF_SF_ORG); see "
        "README 'Connecting to a real org'"
    )
    return PasswordLogin(needed["username"], needed["password"], needed["security_token"], _domain())


def _client(login: Login, session: requests.Session, version: str) -> Salesforce:
    """A simple-salesforce client on ``login``'s session, renewing it when the org ends it."""
    try:
        live = login.login(session)
    except LoginError as exc:
        raise ConnectionConfigError(str(exc)) from None
    sf = Salesforce(
        instance_url=live.instance_url, session_id=live.access_token, version=version, session=session
    )
    sf.__dict__["renewer"] = Renewer(sf, login).install()
    return sf


def renewer_of(sf: Salesforce) -> Renewer | None:
    """The :class:`Renewer` :func:`connect` put on ``sf`` (``None`` for a client made elsewhere)."""
    return sf.__dict__.get("renewer")


def connect(
    target: str = "sandbox", endpoints_file: Path | None = None, settings: Settings | None = None
) -> Salesforce:
    """A simple-salesforce client for ``target`` ("sandbox" or "salesforce"), renewing its session when the
    login can (see :mod:`core.renewal`). The sandbox org uses its static token unless the settings name a
    login flow (``DP2SF_SF_ORG``, ``DP2SF_SF_AUTH``), which then runs against the sandbox org's own token
    endpoint."""
    if target not in TARGETS:
        raise ConnectionConfigError(f"unknown target {target!r}; choose from {', '.join(TARGETS)}")
    if settings is None:
        from core.settings import get_settings

        settings = get_settings()
    if target == "sandbox":
        entry = _sandbox_endpoints(endpoints_file or Path(settings.endpoints_file))
        session = requests.Session()
        session.trust_env = False  # REQUESTS_CA_BUNDLE and proxies must not override the sandbox CA
        session.verify = entry["ca_cert"]
        version = entry.get("api_version", API_VERSION)
        login = None
        if settings.sf_org or settings.sf_auth != "auto":
            login = choose_login(settings, entry.get("login_url"), entry["instance_url"])
        return _client(login or StaticToken(entry["instance_url"], entry["access_token"]), session, version)
    login = choose_login(settings)
    assert login is not None  # every branch of a real org names a login or raises
    return _client(login, requests.Session(), _env("SF_API_VERSION") or API_VERSION)


def sf_client(settings: Settings, target: str | None = None) -> Salesforce:
    """The simple-salesforce client for ``target`` (default ``settings.target``): the one place a connection
    is built from the settings (the sandbox org reads ``settings.endpoints_file``)."""
    target = target or settings.target
    return connect(target, Path(settings.endpoints_file) if target == "sandbox" else None, settings)


def org_client(settings: Settings, target: str | None = None) -> OrgClient:
    """The org as the stages use it: :func:`sf_client` with retries, usage tracking and the stop line."""
    return OrgClient(sf_client(settings, target), settings.load_stop_share)
