"""Authentication: client-credentials tokens, bearer + ST-App-Key on every call, RFC 7807 errors, 405."""

from __future__ import annotations

import requests

PROBLEM_KEYS = {"type", "title", "status", "traceId", "errors", "data"}


def test_token_endpoint_issues_bearer_tokens(dp) -> None:
    form = {
        "grant_type": "client_credentials",
        "client_id": dp.ep["client_id"],
        "client_secret": dp.ep["client_secret"],
    }
    body = requests.post(dp.ep["token_url"], data=form, timeout=10).json()
    assert set(body) == {"access_token", "expires_in", "token_type", "scope"}
    assert body["expires_in"] == 900 and body["token_type"] == "Bearer" and body["access_token"]


def test_wrong_credentials_are_invalid_client(dp) -> None:
    form = {"grant_type": "client_credentials", "client_id": dp.ep["client_id"], "client_secret": "nope"}
    resp = requests.post(dp.ep["token_url"], data=form, timeout=10)
    assert resp.status_code == 400 and resp.json() == {"error": "invalid_client"}
    form["grant_type"] = "password"
    assert requests.post(dp.ep["token_url"], data=form, timeout=10).status_code == 400


def test_missing_or_bad_bearer_is_401_problem(dp) -> None:
    url = dp.url("crm", "export/customers")
    for headers in (
        {"ST-App-Key": dp.ep["app_key"]},
        {"ST-App-Key": dp.ep["app_key"], "Authorization": "Bearer x"},
    ):
        resp = requests.get(url, headers=headers, timeout=10)
        assert resp.status_code == 401
        assert set(resp.json()) == PROBLEM_KEYS and resp.json()["status"] == 401


def test_missing_or_wrong_app_key_is_403(dp) -> None:
    url = dp.url("crm", "export/customers")
    token = dp.headers()["Authorization"]
    assert requests.get(url, headers={"Authorization": token}, timeout=10).status_code == 403
    resp = requests.get(url, headers={"Authorization": token, "ST-App-Key": "ak1.other"}, timeout=10)
    assert resp.status_code == 403 and set(resp.json()) == PROBLEM_KEYS


def test_health_needs_no_auth(dp) -> None:
    assert requests.get(f"{dp.ep['base_url']}/health", timeout=10).status_code == 200


def test_wrong_tenant_and_unknown_paths_are_404_problems(dp) -> None:
    resp = requests.get(
        dp.url("crm", "export/customers").replace("/1000/", "/999/"), headers=dp.headers(), timeout=10
    )
    assert resp.status_code == 404 and set(resp.json()) == PROBLEM_KEYS
    assert dp.get("crm", "export/nothing-here").status_code == 404


def test_only_get_is_served(dp) -> None:
    url = dp.url("jpm", "export/jobs")
    for method in ("POST", "PUT", "PATCH", "DELETE", "HEAD"):
        resp = requests.request(method, url, headers=dp.headers(), timeout=10)
        assert resp.status_code == 405, method
    # also on paths the API does not have; the token endpoint is POST-only
    assert requests.delete(dp.url("crm", "whatever"), headers=dp.headers(), timeout=10).status_code == 405
    assert requests.get(dp.ep["token_url"], timeout=10).status_code == 405
