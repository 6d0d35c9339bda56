"""One factory for a Salesforce connection: the local sandbox org or a real org.

``connect("sandbox")`` reads ``endpoints.json`` (instance URL, access token, CA certificate) written by
``dp2sf sandbox up``; ``connect("salesforce")`` reads the environment: SF_INSTANCE_URL + SF_ACCESS_TOKEN, or
SF_USERNAME + SF_PASSWORD + SF_SECURITY_TOKEN (SF_DOMAIN=test for a Salesforce sandbox).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import requests
from simple_salesforce import Salesforce

from core.errors import Dp2sfError
from core.org_api import OrgClient
from core.settings import Settings, sf_domain

API_VERSION = "62.0"
TARGETS = ("sandbox", "salesforce")


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


def connect(target: str = "sandbox", endpoints_file: Path | None = None) -> Salesforce:
    """A simple-salesforce client for ``target`` ("sandbox" or "salesforce")."""
    if target == "sandbox":
        entry = _sandbox_endpoints(endpoints_file)
        session = requests.Session()
        session.trust_env = False  # REQUESTS_CA_BUNDLE and proxies must not override the sandbox CA
        session.verify = entry["ca_cert"]
        return Salesforce(
            instance_url=entry["instance_url"],
            session_id=entry["access_token"],
            version=entry.get("api_version", API_VERSION),
            session=session,
        )
    if target == "salesforce":
        version = _env("SF_API_VERSION") or API_VERSION
        instance, token = _env("SF_INSTANCE_URL"), _env("SF_ACCESS_TOKEN")
        if instance or token:
            if not (instance and token):
                missing = "SF_ACCESS_TOKEN" if instance else "SF_INSTANCE_URL"
                raise ConnectionConfigError(
                    f"environment variable {missing} is not set (needed with "
                    f"{'SF_INSTANCE_URL' if instance else 'SF_ACCESS_TOKEN'})"
                )
            return Salesforce(instance_url=instance, session_id=token, version=version)
        names = ("SF_USERNAME", "SF_PASSWORD", "SF_SECURITY_TOKEN")
        missing = [n for n in names if not _env(n)]
        if missing:
            raise ConnectionConfigError(
                f"environment variable(s) {', '.join(missing)} not set: a real org needs SF_INSTANCE_URL + "
                "SF_ACCESS_TOKEN, or SF_USERNAME + SF_PASSWORD + SF_SECURITY_TOKEN "
                "(SF_DOMAIN=test for a sandbox)"
            )
        return Salesforce(
            username=_env("SF_USERNAME"),
            password=_env("SF_PASSWORD"),
            security_token=_env("SF_SECURITY_TOKEN"),
            domain=_domain(),
            version=version,
        )
    raise ConnectionConfigError(f"unknown target {target!r}; choose from {', '.join(TARGETS)}")


def sf_client(settings: Settings, target: str | None = None) -> Salesforce:
    """The simple-salesforce client for ``target`` (default ``settings.target``): the one place a connection
    is built from the settings (the sandbox org reads ``settings.endpoints_file``)."""
    target = target or settings.target
    return connect(target, Path(settings.endpoints_file) if target == "sandbox" else None)


def org_client(settings: Settings, target: str | None = None) -> OrgClient:
    """The org as the stages use it: :func:`sf_client` with retries, usage tracking and the stop line."""
    return OrgClient(sf_client(settings, target), settings.load_stop_share)
