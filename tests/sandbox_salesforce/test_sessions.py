"""Session timeout over real HTTPS: an ended session is 401 INVALID_SESSION_ID on every API path, a new
token works again; the timeout counts from issue (age) or from last use (inactivity); the static token of
endpoints.json can be made to expire (a pasted token); an admin can end every session."""

from __future__ import annotations

import time

import pytest
from simple_salesforce.exceptions import SalesforceExpiredSession

from tests.sandbox_salesforce.oauth_helpers import (
    ADMIN_USERNAME,
    client_on,
    jwt_token,
    key_pair,
    register_app,
)

KEYS = key_pair()
EXPIRED = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
# one path per API: REST, query, Bulk ingest and query, files, composite, tooling, limits
PATHS = [
    ("GET", "/sobjects/Account/describe"),
    ("GET", "/query?q=SELECT+Id+FROM+User"),
    ("GET", "/jobs/ingest"),
    ("GET", "/jobs/query"),
    ("GET", "/sobjects/ContentVersion/068000000000000AAA/VersionData"),
    ("POST", "/composite"),
    ("GET", "/tooling/query?q=SELECT+Id+FROM+ApexTrigger"),
    ("GET", "/limits"),
]


@pytest.fixture(scope="module")
def app(org) -> dict:
    return register_app(org, certificate=KEYS.certificate_pem, run_as=ADMIN_USERNAME)


@pytest.fixture(autouse=True)
def no_timeout(org):
    """Every test starts and ends with no timeout and a valid static token."""
    org.admin("POST", "/sessions", {"timeout_seconds": None, "static_token_expires": False})
    yield
    org.admin("POST", "/sessions", {"timeout_seconds": None, "static_token_expires": False})


def _token(org, app) -> str:
    return jwt_token(org, KEYS, app["consumer_key"])["access_token"]


def test_an_aged_session_is_invalid_on_every_path_and_a_new_token_works(org, app):
    org.admin("POST", "/sessions", {"timeout_seconds": 1.0, "timeout_kind": "age"})
    old = _token(org, app)
    for method, path in PATHS:
        assert org.raw(method, path, token=old, json={}).status_code != 401, path
    deadline = time.monotonic() + 1.3
    while time.monotonic() < deadline:  # busy all along: an age timeout ends the session anyway
        assert org.raw("GET", "/limits", token=old).status_code in (200, 401)
        time.sleep(0.2)
    for method, path in PATHS:
        resp = org.raw(method, path, token=old, json={})
        assert resp.status_code == 401, (path, resp.status_code, resp.text)
        assert resp.json() == EXPIRED, path
    sf = client_on(org, old)
    with pytest.raises(SalesforceExpiredSession):
        sf.query("SELECT Id FROM User")
    fresh = _token(org, app)
    assert client_on(org, fresh).query("SELECT Id FROM User LIMIT 1")["totalSize"] == 1
    # the static token is not subject to the timeout unless asked
    assert org.sf.query("SELECT Id FROM User LIMIT 1")["totalSize"] == 1


def test_inactivity_timeout_restarts_on_each_call(org, app):
    org.admin("POST", "/sessions", {"timeout_seconds": 0.8, "timeout_kind": "inactivity"})
    token = _token(org, app)
    for _ in range(6):  # 1.8 s of calls 0.3 s apart: never 0.8 s idle
        assert org.raw("GET", "/limits", token=token).status_code == 200
        time.sleep(0.3)
    time.sleep(1.0)
    resp = org.raw("GET", "/limits", token=token)
    assert resp.status_code == 401 and resp.json() == EXPIRED


def test_an_ended_session_stays_ended(org, app):
    org.admin("POST", "/sessions", {"timeout_seconds": 0.5, "timeout_kind": "age"})
    token = _token(org, app)
    time.sleep(0.7)
    assert org.raw("GET", "/limits", token=token).status_code == 401
    org.admin("POST", "/sessions", {"timeout_seconds": None})  # a longer timeout does not revive it
    assert org.raw("GET", "/limits", token=token).status_code == 401


def test_the_static_token_can_expire_like_a_pasted_one(org):
    org.admin("POST", "/sessions", {"timeout_seconds": 1.0, "static_token_expires": True})
    assert org.sf.query("SELECT Id FROM User LIMIT 1")["totalSize"] == 1
    time.sleep(1.2)
    with pytest.raises(SalesforceExpiredSession):
        org.sf.query("SELECT Id FROM User LIMIT 1")
    assert org.raw("POST", "/jobs/ingest", json={"object": "Account"}).status_code == 401
    assert org.admin("GET", "/sessions")["static_token_valid"] is False
    org.admin("POST", "/sessions", {"static_token_expires": False})
    assert org.sf.query("SELECT Id FROM User LIMIT 1")["totalSize"] == 1


def test_revoke_ends_every_issued_session(org, app):
    before = org.admin("GET", "/sessions")["issued_total"].get("jwt-bearer", 0)
    tokens = [_token(org, app) for _ in range(2)]
    state = org.admin("GET", "/sessions")
    assert state["issued_total"]["jwt-bearer"] == before + 2
    assert all("token" not in s for s in state["live"])  # tokens are never listed
    org.admin("POST", "/sessions", {"revoke": True})
    for token in tokens:
        assert org.raw("GET", "/limits", token=token).status_code == 401
    assert org.raw("GET", "/limits").status_code == 200  # the static token is immortal unless asked
    assert client_on(org, _token(org, app)).query("SELECT Id FROM User LIMIT 1")["totalSize"] == 1


def test_session_settings_are_validated(org):
    for body in ({"timeout_seconds": 0}, {"timeout_seconds": "1"}, {"timeout_kind": "forever"}, {"nope": 1}):
        resp = org.http.post(
            org.endpoints["admin_url"] + "/sessions",
            json=body,
            headers={"X-Admin-Token": org.endpoints["admin_token"]},
            timeout=30,
        )
        assert resp.status_code == 400, body


def test_apps_and_sessions_outlive_a_process_restart(tmp_path):
    """``dp2sf sandbox down`` then ``up`` on the same state: the connected app and an issued token still work
    (Salesforce keeps sessions across its own restarts)."""
    from sandbox import control
    from tests.sandbox_salesforce.helpers import OrgHandle

    state = tmp_path / "sandbox"
    first = OrgHandle(state, control.up(state, which=("salesforce",))["salesforce"])
    try:
        app = register_app(first, certificate=KEYS.certificate_pem)
        token = jwt_token(first, KEYS, app["consumer_key"])["access_token"]
        control.down(state)
        again = OrgHandle(state, control.up(state, which=("salesforce",))["salesforce"])
        assert again.raw("GET", "/limits", token=token).status_code == 200
        assert [a["name"] for a in again.admin("GET", "/connected-apps")] == ["dp2sf"]
        assert again.admin("GET", "/sessions")["issued_total"] == {"jwt-bearer": 1}
    finally:
        control.down(state)
